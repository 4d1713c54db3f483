import { useState, type ChangeEvent } from 'react';

/**
 * The text fields of a form, kept in one object. `field(name)` gives what a TextInput or
 * PasswordInput takes to show and edit that field (`{...field('email')}`); `set` changes one
 * field by hand (a Select). The customer forms and sign-up each held their fields this way
 * with the same setter; this is that setter, once.
 */
export function useFormFields<T extends { [K in keyof T]: string }>(initial: T) {
  const [form, setForm] = useState<T>(initial);
  const set = (name: keyof T, value: string) => setForm((f) => ({ ...f, [name]: value }));
  const field = (name: keyof T) => ({
    value: form[name],
    onChange: (event: ChangeEvent<HTMLInputElement>) => set(name, event.currentTarget.value),
  });
  return { form, set, field };
}

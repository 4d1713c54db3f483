import { Button, Group, Stack, type ButtonProps } from '@mantine/core';
import type { ReactNode, SubmitEvent } from 'react';
import type { CombinedError } from 'urql';
import { ErrorNotice } from './ErrorNotice';

/**
 * The buttons under a form: Cancel (when the form is in a dialog that can be left) and the
 * submit button, busy while the mutation runs.
 */
export function FormActions({
  submitLabel,
  busy,
  onCancel,
  color,
  disabled,
}: {
  submitLabel: ReactNode;
  busy: boolean;
  onCancel?: (() => void) | undefined;
  color?: ButtonProps['color'];
  disabled?: boolean;
}) {
  return (
    <Group justify="flex-end">
      {onCancel !== undefined && (
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
      )}
      <Button type="submit" color={color} loading={busy} disabled={disabled}>
        {submitLabel}
      </Button>
    </Group>
  );
}

/**
 * A form that runs one mutation: why it failed on top, the fields, then the actions. The
 * dialogs and edit forms of the pages are all built this way; this keeps the order, the error
 * notice and the buttons the same everywhere, and takes the browser's own submission away
 * (`onSubmit` only runs the mutation).
 */
export function MutationForm({
  onSubmit,
  error,
  errorTitle,
  submitLabel,
  busy,
  onCancel,
  disabled,
  children,
}: {
  onSubmit: () => Promise<void>;
  /** The mutation's error, shown with `errorTitle` (or the notice's default title). */
  error: CombinedError | undefined;
  errorTitle?: string | undefined;
  submitLabel: ReactNode;
  busy: boolean;
  onCancel?: (() => void) | undefined;
  disabled?: boolean;
  children: ReactNode;
}) {
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    await onSubmit();
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        {error !== undefined && <ErrorNotice error={error} title={errorTitle} />}
        {children}
        <FormActions
          submitLabel={submitLabel}
          busy={busy}
          onCancel={onCancel}
          disabled={disabled}
        />
      </Stack>
    </form>
  );
}

import { Select, type SelectProps } from '@mantine/core';
import { humanize } from './format';

/** Whether `value` is one of `values`: narrows a Select's string to the enum it offers. */
export function isOneOf<T extends string>(values: readonly T[], value: string | null): value is T {
  return values.some((v) => v === value);
}

type EnumSelectProps<T extends string> = Omit<SelectProps, 'data' | 'value' | 'onChange'> & {
  values: readonly T[];
};

function options(values: readonly string[]) {
  return values.map((v) => ({ value: v, label: humanize(v) }));
}

/**
 * A required choice among the values of a GraphQL enum, each labelled in words (`humanize`),
 * that gives the value back as the enum. The forms that set a case's status and priority
 * offer the same enums the same way.
 */
export function EnumSelect<T extends string>({
  values,
  value,
  onChange,
  ...props
}: EnumSelectProps<T> & { value: T; onChange: (value: T) => void }) {
  return (
    <Select
      {...props}
      allowDeselect={false}
      data={options(values)}
      value={value}
      onChange={(chosen) => {
        if (isOneOf(values, chosen)) onChange(chosen);
      }}
    />
  );
}

/**
 * A list filter on an enum: like `EnumSelect`, but it can be cleared, and then gives null
 * (no filter). The case and subscription lists filter on their enums this way.
 */
export function EnumFilter<T extends string>({
  values,
  value,
  onChange,
  ...props
}: EnumSelectProps<T> & { value: T | null; onChange: (value: T | null) => void }) {
  return (
    <Select
      {...props}
      clearable
      data={options(values)}
      value={value}
      onChange={(chosen) => onChange(isOneOf(values, chosen) ? chosen : null)}
    />
  );
}

import { Select } from '@mantine/core';
import type { SortDirection } from '../gql/graphql';

/** A list's order as the gateway takes it (`orderBy`). */
export interface SortOrder<F extends string> {
  field: F;
  direction: SortDirection;
}

const DIRECTIONS = [
  { value: 'ASC', label: 'Ascending' },
  { value: 'DESC', label: 'Descending' },
];

/**
 * The "Sort by" and "Direction" Selects of a list's filter bar. The sortable lists order the
 * same way (a field of the list and a direction), so they share the two controls; they are
 * given as a fragment to stand in the page's own filter row.
 */
export function SortSelects<F extends string>({
  fields,
  value,
  onChange,
}: {
  fields: ReadonlyArray<{ value: F; label: string }>;
  value: SortOrder<F>;
  onChange: (order: SortOrder<F>) => void;
}) {
  return (
    <>
      <Select
        label="Sort by"
        allowDeselect={false}
        data={fields}
        value={value.field}
        onChange={(chosen) => {
          const field = fields.find((f) => f.value === chosen);
          onChange(field === undefined ? value : { ...value, field: field.value });
        }}
      />
      <Select
        label="Direction"
        allowDeselect={false}
        data={DIRECTIONS}
        value={value.direction}
        onChange={(chosen) => {
          const direction = chosen === 'ASC' || chosen === 'DESC' ? chosen : value.direction;
          onChange({ ...value, direction });
        }}
      />
    </>
  );
}

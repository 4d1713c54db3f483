import { Table, type TableProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A table of records: it scrolls sideways below `minWidth`, and when there are no rows it says
 * so (`empty`) in one row across `emptyColSpan` columns instead of showing a bare header. Every
 * list and record page lays its tables out this way; the rest of `TableProps` (striped,
 * highlightOnHover, aria-busy) goes to the table.
 */
export function ListTable<T>({
  minWidth,
  head,
  rows,
  empty,
  emptyColSpan,
  children,
  ...table
}: Omit<TableProps, 'children'> & {
  minWidth: number;
  /** The header cells (`Table.Th`). */
  head: ReactNode;
  rows: readonly T[];
  empty: ReactNode;
  emptyColSpan: number;
  /** One row (`Table.Tr`, with its key) for a record. */
  children: (row: T) => ReactNode;
}) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table {...table}>
        <Table.Thead>
          <Table.Tr>{head}</Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => children(row))}
          {rows.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={emptyColSpan}>{empty}</Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

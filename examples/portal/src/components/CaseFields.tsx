import { Textarea } from '@mantine/core';
import type { CasePriority, CaseStatus } from '../gql/graphql';
import { EnumSelect } from './EnumSelect';

export const CASE_STATUSES: CaseStatus[] = ['NEW', 'WORKING', 'ESCALATED', 'CLOSED'];
export const CASE_PRIORITIES: CasePriority[] = ['LOW', 'MEDIUM', 'HIGH'];

export const PRIORITY_COLORS: Record<CasePriority, string> = {
  LOW: 'gray',
  MEDIUM: 'yellow',
  HIGH: 'red',
};

/**
 * A case's priority. Opening a case (the cases list) and editing one (the case page) ask for
 * it the same way, so the two forms share the field.
 */
export function CasePrioritySelect({
  value,
  onChange,
}: {
  value: CasePriority;
  onChange: (priority: CasePriority) => void;
}) {
  return <EnumSelect label="Priority" values={CASE_PRIORITIES} value={value} onChange={onChange} />;
}

/** A case's description, written when the case is opened and changed when it is edited. */
export function CaseDescriptionInput({
  value,
  onChange,
}: {
  value: string;
  onChange: (description: string) => void;
}) {
  return (
    <Textarea
      label="Description"
      autosize
      minRows={3}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

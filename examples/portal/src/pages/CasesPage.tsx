import {
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import {
  CASE_PRIORITIES,
  CASE_STATUSES,
  CaseDescriptionInput,
  CasePrioritySelect,
  PRIORITY_COLORS,
} from '../components/CaseFields';
import { EnumFilter } from '../components/EnumSelect';
import { formatDate, humanize } from '../components/format';
import { idempotencyKey } from '../api/idempotency';
import { MutationForm } from '../components/MutationForm';
import { PagedConnection } from '../components/PagedConnection';
import { useCursorPaging } from '../components/Paging';
import { SortSelects, type SortOrder } from '../components/SortSelects';
import { ListTable } from '../components/ListTable';
import { graphql } from '../gql';
import type { CaseFilter, CaseOrderField, CasePriority, CaseStatus } from '../gql/graphql';
import { useViewer } from '../session/ViewerContext';

const CasesDocument = graphql(`
  query Cases(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: CaseFilter
    $orderBy: CaseOrder
    $withCustomers: Boolean!
  ) {
    cases(
      first: $first
      after: $after
      last: $last
      before: $before
      filter: $filter
      orderBy: $orderBy
    ) {
      totalCount
      pageInfo {
        ...CursorPageInfo
      }
      nodes {
        id
        number
        subject
        status
        priority
        createdAt
        customer {
          id
          name
        }
      }
    }
    customers(first: 100, orderBy: { field: NAME }) @include(if: $withCustomers) {
      nodes {
        id
        name
      }
    }
  }
`);

const CreateCaseDocument = graphql(`
  mutation CreateCase($input: CreateCaseInput!) {
    createCase(input: $input) {
      case {
        id
        number
      }
    }
  }
`);

const SORT_FIELDS: Array<{ value: CaseOrderField; label: string }> = [
  { value: 'CREATED_AT', label: 'Opened' },
  { value: 'NUMBER', label: 'Number' },
  { value: 'PRIORITY', label: 'Priority' },
];

function NewCase({
  customers,
  onClose,
}: {
  customers: Array<{ id: string; name: string }> | null;
  onClose: () => void;
}) {
  const navigate = useNavigate();
  const [result, create] = useMutation(CreateCaseDocument);
  const [key] = useState(idempotencyKey);
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState<CasePriority>('MEDIUM');
  const [customerId, setCustomerId] = useState<string | null>(null);
  const submit = async () => {
    const answer = await create({
      input: { subject, description, priority, customerId, idempotencyKey: key },
    });
    const created = answer.data?.createCase.case;
    if (created != null) {
      onClose();
      void navigate(`/cases/${encodeURIComponent(created.id)}`);
    }
  };
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The case was not opened"
      submitLabel="Open case"
      busy={result.fetching}
      onCancel={onClose}
    >
      {customers !== null && (
        <Select
          label="Customer"
          description="Leave empty for a case on your own organization"
          clearable
          searchable
          data={customers.map((c) => ({ value: c.id, label: c.name }))}
          value={customerId}
          onChange={setCustomerId}
        />
      )}
      <TextInput
        label="Subject"
        required
        value={subject}
        onChange={(e) => setSubject(e.currentTarget.value)}
      />
      <CaseDescriptionInput value={description} onChange={setDescription} />
      <CasePrioritySelect value={priority} onChange={setPriority} />
    </MutationForm>
  );
}

export function CasesPage() {
  const { seat, can } = useViewer();
  const withCustomers = seat !== 'customer' && can('MANAGE_CASES');
  const [status, setStatus] = useState<CaseStatus | null>(null);
  const [priority, setPriority] = useState<CasePriority | null>(null);
  const [openOnly, setOpenOnly] = useState<'open' | 'closed' | 'all'>('open');
  const [order, setOrder] = useState<SortOrder<CaseOrderField>>({
    field: 'CREATED_AT',
    direction: 'DESC',
  });
  const [creating, setCreating] = useState(false);
  const paging = useCursorPaging();

  const filter: CaseFilter = {};
  if (status !== null) filter.status = status;
  if (priority !== null) filter.priority = priority;
  if (openOnly !== 'all') filter.open = openOnly === 'open';

  const [{ data, fetching, error }] = useQuery({
    query: CasesDocument,
    variables: {
      ...paging.variables,
      filter,
      orderBy: order,
      withCustomers,
    },
  });
  const connection = data?.cases;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>My Cases</Title>
        {can('MANAGE_CASES') && <Button onClick={() => setCreating(true)}>Open a case</Button>}
      </Group>
      <Group align="flex-end" role="search" aria-label="Filter cases">
        <Select
          label="Open or closed"
          allowDeselect={false}
          data={[
            { value: 'open', label: 'Open' },
            { value: 'closed', label: 'Closed' },
            { value: 'all', label: 'All' },
          ]}
          value={openOnly}
          onChange={(value) => {
            setOpenOnly(value === 'closed' || value === 'all' ? value : 'open');
            paging.reset();
          }}
        />
        <EnumFilter
          label="Status"
          values={CASE_STATUSES}
          value={status}
          onChange={(value) => {
            setStatus(value);
            paging.reset();
          }}
        />
        <EnumFilter
          label="Priority"
          values={CASE_PRIORITIES}
          value={priority}
          onChange={(value) => {
            setPriority(value);
            paging.reset();
          }}
        />
        <SortSelects
          fields={SORT_FIELDS}
          value={order}
          onChange={(value) => {
            setOrder(value);
            paging.reset();
          }}
        />
      </Group>
      <PagedConnection
        connection={connection}
        fetching={fetching}
        error={error}
        paging={paging}
        noun="cases"
      >
        {(connection) => (
          <ListTable
            minWidth={700}
            striped
            highlightOnHover
            aria-busy={fetching}
            head={
              <>
                <Table.Th>Number</Table.Th>
                <Table.Th>Subject</Table.Th>
                {seat !== 'customer' && <Table.Th>Customer</Table.Th>}
                <Table.Th>Status</Table.Th>
                <Table.Th>Priority</Table.Th>
                <Table.Th>Opened</Table.Th>
              </>
            }
            rows={connection.nodes}
            empty={<Text>No cases match these filters.</Text>}
            emptyColSpan={6}
          >
            {(c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/cases/${encodeURIComponent(c.id)}`}>
                    {c.number}
                  </Anchor>
                </Table.Td>
                <Table.Td>{c.subject}</Table.Td>
                {seat !== 'customer' && <Table.Td>{c.customer?.name ?? '—'}</Table.Td>}
                <Table.Td>{humanize(c.status)}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={PRIORITY_COLORS[c.priority]}>
                    {humanize(c.priority)}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatDate(c.createdAt)}</Table.Td>
              </Table.Tr>
            )}
          </ListTable>
        )}
      </PagedConnection>
      <Modal opened={creating} onClose={() => setCreating(false)} title="Open a support case">
        {creating && (
          <NewCase customers={data?.customers?.nodes ?? null} onClose={() => setCreating(false)} />
        )}
      </Modal>
    </Stack>
  );
}

import {
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { formatDate, formatMoney, humanize } from '../components/format';
import { idempotencyKey } from '../api/idempotency';
import { MutationForm } from '../components/MutationForm';
import { PagedConnection } from '../components/PagedConnection';
import { useCursorPaging } from '../components/Paging';
import { SortSelects, type SortOrder } from '../components/SortSelects';
import { ListTable } from '../components/ListTable';
import { graphql } from '../gql';
import type { CustomerFilter, CustomerOrderField, CustomerStatus } from '../gql/graphql';
import { useFormFields } from '../hooks/useFormFields';
import { useViewer } from '../session/ViewerContext';

const CustomersDocument = graphql(`
  query Customers(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: CustomerFilter
    $orderBy: CustomerOrder
    $withPartners: Boolean!
  ) {
    customers(
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
        name
        email
        accountNumber
        status
        seats
        skus
        expiresOn
        partner {
          id
          name
        }
        balance {
          amount
          currency
        }
      }
    }
    organizations(first: 100, filter: { kind: PARTNER }, orderBy: { field: NAME })
      @include(if: $withPartners) {
      nodes {
        id
        name
      }
    }
  }
`);

const CreateCustomerDocument = graphql(`
  mutation CreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      customer {
        id
        name
      }
    }
  }
`);

const SORT_FIELDS: Array<{ value: CustomerOrderField; label: string }> = [
  { value: 'NAME', label: 'Name' },
  { value: 'ACCOUNT_NUMBER', label: 'Account number' },
  { value: 'EXPIRES_ON', label: 'Expiry date' },
  { value: 'SEATS', label: 'Seats' },
  { value: 'CREATED_AT', label: 'Created' },
];

interface Filters {
  name: string;
  email: string;
  status: CustomerStatus | '';
  partnerId: string;
  sku: string;
  expiresAfter: string;
  expiresBefore: string;
}

const NO_FILTERS: Filters = {
  name: '',
  email: '',
  status: '',
  partnerId: '',
  sku: '',
  expiresAfter: '',
  expiresBefore: '',
};

function toFilter(filters: Filters): CustomerFilter {
  const filter: CustomerFilter = {};
  if (filters.name.trim() !== '') filter.nameContains = filters.name.trim();
  if (filters.email.trim() !== '') filter.emailContains = filters.email.trim();
  if (filters.status !== '') filter.status = filters.status;
  if (filters.partnerId !== '') filter.partnerId = filters.partnerId;
  if (filters.sku.trim() !== '') filter.sku = filters.sku.trim();
  if (filters.expiresAfter !== '') filter.expiresAfter = filters.expiresAfter;
  if (filters.expiresBefore !== '') filter.expiresBefore = filters.expiresBefore;
  return filter;
}

function AddCustomer({
  partners,
  needsPartner,
  onClose,
}: {
  partners: Array<{ id: string; name: string }>;
  needsPartner: boolean;
  onClose: () => void;
}) {
  const navigate = useNavigate();
  const [result, create] = useMutation(CreateCustomerDocument);
  const [key] = useState(idempotencyKey);
  const { form, set, field } = useFormFields({
    name: '',
    email: '',
    firstName: '',
    lastName: '',
    partnerId: '',
  });

  const submit = async () => {
    const answer = await create({
      input: {
        idempotencyKey: key,
        customer: {
          name: form.name,
          email: form.email,
          firstName: form.firstName || null,
          lastName: form.lastName || null,
          partnerId: needsPartner ? form.partnerId : null,
        },
      },
    });
    const created = answer.data?.createCustomer.customer;
    if (created !== undefined) {
      onClose();
      void navigate(`/customers/${encodeURIComponent(created.id)}`);
    }
  };

  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The customer was not added"
      submitLabel="Add customer"
      busy={result.fetching}
      onCancel={onClose}
    >
      <TextInput label="Company name" required {...field('name')} />
      <TextInput label="Contact email" type="email" required {...field('email')} />
      <Group grow>
        <TextInput label="Contact first name" {...field('firstName')} />
        <TextInput label="Contact last name" {...field('lastName')} />
      </Group>
      {needsPartner && (
        <Select
          label="Partner"
          required
          data={partners.map((p) => ({ value: p.id, label: p.name }))}
          value={form.partnerId || null}
          onChange={(value) => set('partnerId', value ?? '')}
        />
      )}
    </MutationForm>
  );
}

export function CustomersPage() {
  const { seat, can } = useViewer();
  const withPartners = seat === 'distributor' || seat === 'platform';
  const [params] = useSearchParams();
  const [filters, setFilters] = useState<Filters>(() => ({
    ...NO_FILTERS,
    partnerId: withPartners ? (params.get('partner') ?? '') : '',
  }));
  const [debounced] = useDebouncedValue(filters, 300);
  const [order, setOrder] = useState<SortOrder<CustomerOrderField>>({
    field: 'NAME',
    direction: 'ASC',
  });
  const paging = useCursorPaging();
  const [adding, { open: openAdd, close: closeAdd }] = useDisclosure(false);

  const [{ data, fetching, error }] = useQuery({
    query: CustomersDocument,
    variables: {
      ...paging.variables,
      filter: toFilter(debounced),
      orderBy: order,
      withPartners,
    },
  });

  const setFilter = <K extends keyof Filters>(field: K, value: Filters[K]) => {
    setFilters((f) => ({ ...f, [field]: value }));
    paging.reset();
  };

  const partners = data?.organizations?.nodes ?? [];
  const connection = data?.customers;
  const pageSeats = connection?.nodes.reduce((sum, c) => sum + c.seats, 0) ?? 0;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Customer Accounts</Title>
        {can('MANAGE_CUSTOMERS') && <Button onClick={openAdd}>Add customer</Button>}
      </Group>
      <Modal opened={adding} onClose={closeAdd} title="Add a customer">
        <AddCustomer partners={partners} needsPartner={withPartners} onClose={closeAdd} />
      </Modal>

      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} role="search" aria-label="Filter customers">
        <TextInput
          label="Name contains"
          value={filters.name}
          onChange={(e) => setFilter('name', e.currentTarget.value)}
        />
        <TextInput
          label="Email contains"
          value={filters.email}
          onChange={(e) => setFilter('email', e.currentTarget.value)}
        />
        <Select
          label="Status"
          clearable
          data={[
            { value: 'ACTIVE', label: 'Active' },
            { value: 'INACTIVE', label: 'Inactive' },
          ]}
          value={filters.status || null}
          onChange={(value) =>
            setFilter('status', value === 'ACTIVE' || value === 'INACTIVE' ? value : '')
          }
        />
        <TextInput
          label="SKU"
          value={filters.sku}
          onChange={(e) => setFilter('sku', e.currentTarget.value)}
        />
        {withPartners && (
          <Select
            label="Partner"
            clearable
            searchable
            data={partners.map((p) => ({ value: p.id, label: p.name }))}
            value={filters.partnerId || null}
            onChange={(value) => setFilter('partnerId', value ?? '')}
          />
        )}
        <TextInput
          label="Expires after"
          type="date"
          value={filters.expiresAfter}
          onChange={(e) => setFilter('expiresAfter', e.currentTarget.value)}
        />
        <TextInput
          label="Expires before"
          type="date"
          value={filters.expiresBefore}
          onChange={(e) => setFilter('expiresBefore', e.currentTarget.value)}
        />
        <Group grow align="flex-end">
          <SortSelects
            fields={SORT_FIELDS}
            value={order}
            onChange={(value) => {
              setOrder(value);
              paging.reset();
            }}
          />
        </Group>
      </SimpleGrid>

      <PagedConnection
        connection={connection}
        fetching={fetching}
        error={error}
        paging={paging}
        noun="customers"
      >
        {(connection) => (
          <>
            <ListTable
              minWidth={800}
              striped
              highlightOnHover
              aria-busy={fetching}
              head={
                <>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Account</Table.Th>
                  <Table.Th>Status</Table.Th>
                  {withPartners && <Table.Th>Partner</Table.Th>}
                  <Table.Th>Seats</Table.Th>
                  <Table.Th>SKUs</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Balance</Table.Th>
                </>
              }
              rows={connection.nodes}
              empty="No customer matches these filters."
              emptyColSpan={withPartners ? 8 : 7}
            >
              {(customer) => (
                <Table.Tr key={customer.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/customers/${encodeURIComponent(customer.id)}`}>
                      {customer.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {customer.email}
                    </Text>
                  </Table.Td>
                  <Table.Td>{customer.accountNumber}</Table.Td>
                  <Table.Td>
                    <Badge color={customer.status === 'ACTIVE' ? 'green' : 'gray'} variant="light">
                      {humanize(customer.status)}
                    </Badge>
                  </Table.Td>
                  {withPartners && <Table.Td>{customer.partner?.name ?? '—'}</Table.Td>}
                  <Table.Td>{customer.seats}</Table.Td>
                  <Table.Td>{customer.skus.join(', ') || '—'}</Table.Td>
                  <Table.Td>{formatDate(customer.expiresOn)}</Table.Td>
                  <Table.Td>{formatMoney(customer.balance)}</Table.Td>
                </Table.Tr>
              )}
            </ListTable>
            <Text size="sm">
              {connection.totalCount} customers match; {pageSeats} seats on this page.
            </Text>
          </>
        )}
      </PagedConnection>
    </Stack>
  );
}

import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { idempotencyKey } from '../api/idempotency';
import { EnumSelect } from '../components/EnumSelect';
import { humanize } from '../components/format';
import { ListTable } from '../components/ListTable';
import { MutationForm } from '../components/MutationForm';
import { PagedConnection } from '../components/PagedConnection';
import { useCursorPaging } from '../components/Paging';
import { graphql } from '../gql';
import type { InvoiceOwner } from '../gql/graphql';
import { useFormFields } from '../hooks/useFormFields';
import { useViewer } from '../session/ViewerContext';

const PartnersDocument = graphql(`
  query Partners(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $nameContains: String
    $withDistributors: Boolean!
  ) {
    organizations(
      first: $first
      after: $after
      last: $last
      before: $before
      filter: { kind: PARTNER, nameContains: $nameContains }
      orderBy: { field: NAME }
    ) {
      totalCount
      pageInfo {
        ...CursorPageInfo
      }
      nodes {
        id
        name
        email
        status
        salesChannel
        parent {
          id
          name
        }
        customerCount
        activeSeats
        expiring30: expiringCustomers(withinDays: 30)
        expiring60: expiringCustomers(withinDays: 60)
        expiring90: expiringCustomers(withinDays: 90)
        skusSold
      }
    }
    distributors: organizations(
      first: 100
      filter: { kind: DISTRIBUTOR }
      orderBy: { field: NAME }
    ) @include(if: $withDistributors) {
      nodes {
        id
        name
      }
    }
  }
`);

const CreateOrganizationDocument = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      organization {
        id
        name
      }
    }
  }
`);

const INVOICE_OWNERS: readonly InvoiceOwner[] = ['PARTNER', 'CUSTOMER'];

/**
 * Onboards a partner: under the caller's own distributor, or for the platform under the one
 * it picks; optionally with a first administrator, who is sent an activation link. Opens the
 * new partner's page when it went through.
 */
function OnboardPartner({
  distributors,
  onClose,
}: {
  /** The distributors to choose from; null when the partner goes under the caller's own. */
  distributors: Array<{ id: string; name: string }> | null;
  onClose: () => void;
}) {
  const navigate = useNavigate();
  const [result, create] = useMutation(CreateOrganizationDocument);
  const [key] = useState(idempotencyKey);
  const [invoiceOwner, setInvoiceOwner] = useState<InvoiceOwner>('PARTNER');
  const [withAdmin, setWithAdmin] = useState(false);
  const { form, set, field } = useFormFields({
    name: '',
    email: '',
    firstName: '',
    lastName: '',
    parentId: '',
    adminEmail: '',
    adminFirstName: '',
    adminLastName: '',
  });

  const submit = async () => {
    const answer = await create({
      input: {
        idempotencyKey: key,
        organization: {
          kind: 'PARTNER',
          parentId: distributors === null ? null : form.parentId,
          name: form.name,
          email: form.email,
          firstName: form.firstName || null,
          lastName: form.lastName || null,
          invoiceOwner,
          admin: withAdmin
            ? {
                email: form.adminEmail,
                firstName: form.adminFirstName,
                lastName: form.adminLastName,
              }
            : null,
        },
      },
    });
    const created = answer.data?.createOrganization.organization;
    if (created !== undefined) {
      onClose();
      void navigate(`/partners/${encodeURIComponent(created.id)}`);
    }
  };

  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The partner was not onboarded"
      submitLabel="Onboard partner"
      busy={result.fetching}
      onCancel={onClose}
      disabled={distributors !== null && form.parentId === ''}
    >
      <TextInput label="Partner name" required {...field('name')} />
      <TextInput label="Contact email" type="email" required {...field('email')} />
      <Group grow>
        <TextInput label="Contact first name" {...field('firstName')} />
        <TextInput label="Contact last name" {...field('lastName')} />
      </Group>
      {distributors !== null && (
        <Select
          label="Distributor"
          description="The partner sells through this distributor's channel"
          required
          searchable
          data={distributors.map((d) => ({ value: d.id, label: d.name }))}
          value={form.parentId || null}
          onChange={(value) => set('parentId', value ?? '')}
        />
      )}
      <EnumSelect
        label="Invoice owner"
        description="Who is invoiced for the subscriptions the partner sells"
        values={INVOICE_OWNERS}
        value={invoiceOwner}
        onChange={setInvoiceOwner}
      />
      <Checkbox
        label="Invite a first administrator"
        description="Created pending and sent an activation link"
        checked={withAdmin}
        onChange={(e) => setWithAdmin(e.currentTarget.checked)}
      />
      {withAdmin && (
        <>
          <TextInput label="Administrator email" type="email" required {...field('adminEmail')} />
          <Group grow>
            <TextInput label="Administrator first name" required {...field('adminFirstName')} />
            <TextInput label="Administrator last name" required {...field('adminLastName')} />
          </Group>
        </>
      )}
    </MutationForm>
  );
}

export function PartnersPage() {
  const { seat, can } = useViewer();
  const onboard = can('MANAGE_PARTNERS');
  // The platform names the distributor a partner goes under; a distributor onboards its own.
  const withDistributors = seat === 'platform' && onboard;
  const [name, setName] = useState('');
  const [debounced] = useDebouncedValue(name.trim(), 300);
  const paging = useCursorPaging();
  const [adding, { open: openAdd, close: closeAdd }] = useDisclosure(false);
  const [{ data, fetching, error }] = useQuery({
    query: PartnersDocument,
    variables: {
      ...paging.variables,
      nameContains: debounced === '' ? null : debounced,
      withDistributors,
    },
  });
  const connection = data?.organizations;
  const distributors = data?.distributors?.nodes ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Partners</Title>
        {onboard && <Button onClick={openAdd}>Onboard a partner</Button>}
      </Group>
      <Modal opened={adding} onClose={closeAdd} title="Onboard a partner">
        <OnboardPartner distributors={withDistributors ? distributors : null} onClose={closeAdd} />
      </Modal>
      <Text c="dimmed">
        Each partner with its active customers, the seats over their active subscriptions, how many
        of them have a term ending within 30, 60 and 90 days, and the SKUs it sells.
      </Text>
      <TextInput
        label="Partner name contains"
        w={320}
        value={name}
        onChange={(e) => {
          setName(e.currentTarget.value);
          paging.reset();
        }}
      />
      <PagedConnection
        connection={connection}
        fetching={fetching}
        error={error}
        paging={paging}
        noun="partners"
      >
        {(connection) => (
          <>
            <ListTable
              minWidth={960}
              striped
              highlightOnHover
              aria-busy={fetching}
              head={
                <>
                  <Table.Th>Partner</Table.Th>
                  <Table.Th>Status</Table.Th>
                  {seat === 'platform' && <Table.Th>Distributor</Table.Th>}
                  <Table.Th>Customers</Table.Th>
                  <Table.Th>Active seats</Table.Th>
                  <Table.Th>Expiring in 30 days</Table.Th>
                  <Table.Th>Expiring in 60 days</Table.Th>
                  <Table.Th>Expiring in 90 days</Table.Th>
                  <Table.Th>SKUs sold</Table.Th>
                </>
              }
              rows={connection.nodes}
              empty="No partners match."
              emptyColSpan={seat === 'platform' ? 9 : 8}
            >
              {(partner) => (
                <Table.Tr key={partner.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/partners/${encodeURIComponent(partner.id)}`}>
                      {partner.name}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {partner.email ?? partner.salesChannel}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge
                      color={partner.status === 'ACTIVE' ? 'green' : 'gray'}
                      variant="light"
                      miw="max-content"
                    >
                      {humanize(partner.status)}
                    </Badge>
                  </Table.Td>
                  {seat === 'platform' && (
                    <Table.Td>
                      {partner.parent?.name ?? '—'}
                      <Text size="xs" c="dimmed">
                        {partner.salesChannel}
                      </Text>
                    </Table.Td>
                  )}
                  <Table.Td>{partner.customerCount}</Table.Td>
                  <Table.Td>{partner.activeSeats}</Table.Td>
                  <Table.Td>{partner.expiring30}</Table.Td>
                  <Table.Td>{partner.expiring60}</Table.Td>
                  <Table.Td>{partner.expiring90}</Table.Td>
                  <Table.Td>{partner.skusSold.join(', ') || '—'}</Table.Td>
                </Table.Tr>
              )}
            </ListTable>
            <Text size="sm">
              {connection.totalCount}{' '}
              {connection.totalCount === 1 ? 'partner matches' : 'partners match'};{' '}
              {connection.nodes.reduce((sum, p) => sum + p.customerCount, 0)} active customers and{' '}
              {connection.nodes.reduce((sum, p) => sum + p.activeSeats, 0)} active seats on this
              page.
            </Text>
          </>
        )}
      </PagedConnection>
    </Stack>
  );
}

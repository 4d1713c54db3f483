import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { errorCode } from '../api/errors';
import { idempotencyKey } from '../api/idempotency';
import { ActionNotice } from '../components/ActionNotice';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { EnumSelect } from '../components/EnumSelect';
import { ErrorNotice, PartialDataNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { formatDate, humanize } from '../components/format';
import { ListTable } from '../components/ListTable';
import { PageSkeleton } from '../components/Loading';
import { MutationForm } from '../components/MutationForm';
import { graphql } from '../gql';
import type { InvoiceOwner, PartnerDetailQuery } from '../gql/graphql';
import { useActionNotice } from '../hooks/useActionNotice';
import { useFormFields } from '../hooks/useFormFields';
import { useViewer } from '../session/ViewerContext';

const PartnerDetailDocument = graphql(`
  query PartnerDetail($id: ID!, $withUsers: Boolean!) {
    organization(id: $id) {
      id
      name
      kind
      status
      email
      salesChannel
      invoiceOwner
      createdAt
      parent {
        id
        name
      }
      contact {
        firstName
        lastName
        email
        phone
      }
      externalIds {
        billing
        crm
      }
      customerCount
      activeSeats
      expiring30: expiringCustomers(withinDays: 30)
      expiring60: expiringCustomers(withinDays: 60)
      expiring90: expiringCustomers(withinDays: 90)
      skusSold
      users(first: 50, orderBy: { field: EMAIL }) @include(if: $withUsers) {
        totalCount
        nodes {
          id
          email
          name
          status
          profile {
            name
          }
        }
      }
    }
  }
`);

const UpdateOrganizationDocument = graphql(`
  mutation UpdateOrganization($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) {
      organization {
        id
        name
        email
        invoiceOwner
        contact {
          firstName
          lastName
          email
          phone
        }
      }
    }
  }
`);

const DeactivateOrganizationDocument = graphql(`
  mutation DeactivateOrganization($input: OrganizationActionInput!) {
    deactivateOrganization(input: $input) {
      organization {
        id
        status
      }
    }
  }
`);

const ReactivateOrganizationDocument = graphql(`
  mutation ReactivateOrganization($input: OrganizationActionInput!) {
    reactivateOrganization(input: $input) {
      organization {
        id
        status
      }
    }
  }
`);

type Organization = NonNullable<PartnerDetailQuery['organization']>;

const INVOICE_OWNERS: readonly InvoiceOwner[] = ['PARTNER', 'CUSTOMER'];

function EditOrganization({
  organization,
  onClose,
}: {
  organization: Organization;
  onClose: () => void;
}) {
  const [result, update] = useMutation(UpdateOrganizationDocument);
  const [key] = useState(idempotencyKey);
  const [invoiceOwner, setInvoiceOwner] = useState<InvoiceOwner>(organization.invoiceOwner);
  const initial = {
    name: organization.name,
    email: organization.email ?? '',
    firstName: organization.contact?.firstName ?? '',
    lastName: organization.contact?.lastName ?? '',
    phone: organization.contact?.phone ?? '',
  };
  const { form, field } = useFormFields(initial);
  /** The value of a field when the user changed it; absent fields stay as they are. */
  const changed = (field: keyof typeof form): string | undefined =>
    form[field] === initial[field] ? undefined : form[field];
  const submit = async () => {
    const contact = {
      firstName: changed('firstName'),
      lastName: changed('lastName'),
      phone: changed('phone'),
    };
    const answer = await update({
      input: {
        organizationId: organization.id,
        idempotencyKey: key,
        name: changed('name'),
        email: changed('email'),
        invoiceOwner: invoiceOwner === organization.invoiceOwner ? undefined : invoiceOwner,
        contact: Object.values(contact).some((value) => value !== undefined) ? contact : undefined,
      },
    });
    if (answer.error === undefined) onClose();
  };
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The changes were not saved"
      submitLabel="Save"
      busy={result.fetching}
      onCancel={onClose}
    >
      <TextInput label="Name" required {...field('name')} />
      <TextInput label="Contact email" type="email" required {...field('email')} />
      <EnumSelect
        label="Invoice owner"
        description="Applies to subscriptions sold from now on; existing ones keep theirs"
        values={INVOICE_OWNERS}
        value={invoiceOwner}
        onChange={setInvoiceOwner}
      />
      <Group grow>
        <TextInput label="Contact first name" {...field('firstName')} />
        <TextInput label="Contact last name" {...field('lastName')} />
      </Group>
      <TextInput label="Contact phone" {...field('phone')} />
    </MutationForm>
  );
}

type Dialog = 'edit' | 'deactivate' | 'reactivate';

export function PartnerDetailPage() {
  const { id = '' } = useParams();
  const { can } = useViewer();
  const [{ data, error }, reexecute] = useQuery({
    query: PartnerDetailDocument,
    variables: { id, withUsers: can('VIEW_USERS') },
  });
  const [, deactivate] = useMutation(DeactivateOrganizationDocument);
  const [, reactivate] = useMutation(ReactivateOrganizationDocument);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const { notice, after, dismiss } = useActionNotice(reexecute);
  const close = () => setDialog(null);

  if (data === undefined) {
    if (error !== undefined)
      return <ErrorNotice error={error} title="The partner could not be loaded" />;
    return <PageSkeleton label="Loading partner" />;
  }
  const organization = data.organization;
  if (organization === null) {
    return (
      <Stack align="flex-start">
        <Title order={2}>Partner not found</Title>
        <Text>
          There is no partner with this id, or it is not one you may see
          {error !== undefined && errorCode(error) !== null ? ` (${errorCode(error)})` : ''}.
        </Text>
        <Button component={Link} to="/partners" variant="default">
          Back to partners
        </Button>
      </Stack>
    );
  }

  const manage = can('MANAGE_PARTNERS');
  const action = () => ({
    input: { organizationId: organization.id, idempotencyKey: idempotencyKey() },
  });
  const contactName =
    organization.contact === null
      ? '—'
      : `${organization.contact.firstName} ${organization.contact.lastName}`.trim() || '—';

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{organization.name}</Title>
          <Group gap="xs">
            <Text c="dimmed">
              {humanize(organization.kind)}
              {organization.parent !== null && ` of ${organization.parent.name}`} · channel{' '}
              {organization.salesChannel}
            </Text>
            <Badge color={organization.status === 'ACTIVE' ? 'green' : 'gray'} variant="light">
              {humanize(organization.status)}
            </Badge>
          </Group>
        </div>
        <Group gap="xs">
          {organization.kind === 'PARTNER' && can('VIEW_CUSTOMERS') && (
            <Button
              variant="default"
              component={Link}
              to={`/customers?partner=${encodeURIComponent(organization.id)}`}
            >
              Customer accounts
            </Button>
          )}
          {manage && (
            <Button variant="default" onClick={() => setDialog('edit')}>
              Edit
            </Button>
          )}
          {manage && organization.status === 'ACTIVE' && (
            <Button variant="default" color="orange" onClick={() => setDialog('deactivate')}>
              Deactivate
            </Button>
          )}
          {manage && organization.status === 'INACTIVE' && (
            <Button variant="default" onClick={() => setDialog('reactivate')}>
              Reactivate
            </Button>
          )}
        </Group>
      </Group>

      <ActionNotice notice={notice} onClose={dismiss} />
      <PartialDataNotice error={error} />

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            Summary
          </Title>
          <SimpleGrid cols={2}>
            <Field label="Sales channel">{organization.salesChannel}</Field>
            <Field label="Invoice owner">{humanize(organization.invoiceOwner)}</Field>
            <Field label="Distributor">{organization.parent?.name ?? '—'}</Field>
            <Field label="Onboarded">{formatDate(organization.createdAt)}</Field>
            <Field label="Billing id">{organization.externalIds.billing ?? '—'}</Field>
            <Field label="CRM id">{organization.externalIds.crm ?? '—'}</Field>
          </SimpleGrid>
        </Card>
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            Contact
          </Title>
          <SimpleGrid cols={2}>
            <Field label="Email">{organization.email ?? '—'}</Field>
            <Field label="Contact">{contactName}</Field>
            <Field label="Contact email">{organization.contact?.email ?? '—'}</Field>
            <Field label="Phone">{organization.contact?.phone ?? '—'}</Field>
          </SimpleGrid>
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Title order={3} size="h4" mb="sm">
          Figures
        </Title>
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
          <Field label="Active customers">{organization.customerCount}</Field>
          <Field label="Active seats">{organization.activeSeats}</Field>
          <Field label="Expiring in 30 days">{organization.expiring30}</Field>
          <Field label="Expiring in 60 days">{organization.expiring60}</Field>
          <Field label="Expiring in 90 days">{organization.expiring90}</Field>
          <Field label="SKUs sold">{organization.skusSold.join(', ') || '—'}</Field>
        </SimpleGrid>
      </Card>

      {organization.users !== undefined && (
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            Operators ({organization.users.totalCount})
          </Title>
          <ListTable
            minWidth={600}
            head={
              <>
                <Table.Th>Name</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Status</Table.Th>
              </>
            }
            rows={organization.users.nodes}
            empty="No operators yet."
            emptyColSpan={4}
          >
            {(user) => (
              <Table.Tr key={user.id}>
                <Table.Td>{user.name}</Table.Td>
                <Table.Td>{user.email}</Table.Td>
                <Table.Td>{user.profile?.name ?? '—'}</Table.Td>
                <Table.Td>{humanize(user.status)}</Table.Td>
              </Table.Tr>
            )}
          </ListTable>
        </Card>
      )}

      <Modal opened={dialog === 'edit'} onClose={close} title={`Edit ${organization.name}`}>
        {dialog === 'edit' && <EditOrganization organization={organization} onClose={close} />}
      </Modal>
      <ConfirmDialog
        opened={dialog === 'deactivate'}
        title={`Deactivate ${organization.name}?`}
        confirmLabel="Deactivate"
        danger
        onClose={close}
        onConfirm={async () =>
          after(`${organization.name} was deactivated.`)(await deactivate(action()))
        }
      >
        Its operators are refused from their next request. Its customers keep their access, and
        nothing is deleted; it can be reactivated.
      </ConfirmDialog>
      <ConfirmDialog
        opened={dialog === 'reactivate'}
        title={`Reactivate ${organization.name}?`}
        confirmLabel="Reactivate"
        onClose={close}
        onConfirm={async () =>
          after(`${organization.name} was reactivated.`)(await reactivate(action()))
        }
      >
        Its operators can work in the portal again.
      </ConfirmDialog>
    </Stack>
  );
}

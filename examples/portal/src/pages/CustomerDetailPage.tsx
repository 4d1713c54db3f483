import {
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState, type SubmitEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { errorCode } from '../api/errors';
import { ActionNotice } from '../components/ActionNotice';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice, PartialDataNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { formatDate, formatMoney, humanize } from '../components/format';
import { idempotencyKey } from '../api/idempotency';
import { PageSkeleton } from '../components/Loading';
import { FormActions, MutationForm } from '../components/MutationForm';
import { OrderSeatsDialog } from '../components/OrderSeats';
import { ListTable } from '../components/ListTable';
import { graphql } from '../gql';
import type { CustomerDetailQuery } from '../gql/graphql';
import { useActionNotice } from '../hooks/useActionNotice';
import { useFormFields } from '../hooks/useFormFields';
import { useSession } from '../session/SessionContext';
import { useViewer } from '../session/ViewerContext';

const CustomerDetailDocument = graphql(`
  query CustomerDetail($id: ID!, $withUsers: Boolean!) {
    customer(id: $id) {
      id
      name
      email
      accountNumber
      status
      createdAt
      seats
      skus
      expiresOn
      partner {
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
      balance {
        amount
        currency
      }
      subscriptions(first: 20, orderBy: { field: NUMBER }) {
        totalCount
        nodes {
          id
          number
          status
          quantity
          sku
          termEndDate
          offer {
            name
          }
        }
      }
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

const UpdateCustomerDocument = graphql(`
  mutation UpdateCustomer($input: UpdateCustomerInput!) {
    updateCustomer(input: $input) {
      customer {
        id
        name
        email
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

const DeactivateCustomerDocument = graphql(`
  mutation DeactivateCustomer($input: CustomerActionInput!) {
    deactivateCustomer(input: $input) {
      customer {
        id
        status
      }
    }
  }
`);

const ReactivateCustomerDocument = graphql(`
  mutation ReactivateCustomer($input: CustomerActionInput!) {
    reactivateCustomer(input: $input) {
      customer {
        id
        status
      }
    }
  }
`);

const DeleteCustomerDocument = graphql(`
  mutation DeleteCustomer($input: CustomerActionInput!) {
    deleteCustomer(input: $input) {
      deletedCustomerId
      name
    }
  }
`);

const InviteCustomerUserDocument = graphql(`
  mutation InviteCustomerUser($input: InviteCustomerUserInput!) {
    inviteCustomerUser(input: $input) {
      user {
        id
        email
        status
      }
    }
  }
`);

const RemoveCustomerUserDocument = graphql(`
  mutation RemoveCustomerUser($input: RemoveCustomerUserInput!) {
    removeCustomerUser(input: $input) {
      removedUserId
    }
  }
`);

const ImpersonateDocument = graphql(`
  mutation Impersonate($input: ImpersonateInput!) {
    impersonate(input: $input) {
      token
      expiresAt
      user {
        email
      }
    }
  }
`);

type Customer = NonNullable<CustomerDetailQuery['customer']>;
type CustomerUser = NonNullable<Customer['users']>['nodes'][number];

function EditCustomer({ customer, onClose }: { customer: Customer; onClose: () => void }) {
  const [result, update] = useMutation(UpdateCustomerDocument);
  const [key] = useState(idempotencyKey);
  const initial = {
    name: customer.name,
    email: customer.email,
    firstName: customer.contact?.firstName ?? '',
    lastName: customer.contact?.lastName ?? '',
    phone: customer.contact?.phone ?? '',
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
        customerId: customer.id,
        idempotencyKey: key,
        name: changed('name'),
        email: changed('email'),
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
      <TextInput label="Company name" required {...field('name')} />
      <TextInput label="Contact email" type="email" required {...field('email')} />
      <Group grow>
        <TextInput label="First name" {...field('firstName')} />
        <TextInput label="Last name" {...field('lastName')} />
      </Group>
      <TextInput label="Phone" {...field('phone')} />
    </MutationForm>
  );
}

function InviteUser({ customerId, onClose }: { customerId: string; onClose: () => void }) {
  const [result, invite] = useMutation(InviteCustomerUserDocument);
  const [key] = useState(idempotencyKey);
  const [form, setForm] = useState({ email: '', firstName: '', lastName: '', admin: false });
  const submit = async () => {
    const answer = await invite({ input: { customerId, idempotencyKey: key, ...form } });
    if (answer.error === undefined) onClose();
  };
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The user was not invited"
      submitLabel="Invite"
      busy={result.fetching}
      onCancel={onClose}
    >
      <TextInput
        label="Email"
        type="email"
        required
        value={form.email}
        onChange={(e) => {
          const email = e.currentTarget.value;
          setForm((f) => ({ ...f, email }));
        }}
      />
      <Group grow>
        <TextInput
          label="First name"
          required
          value={form.firstName}
          onChange={(e) => {
            const firstName = e.currentTarget.value;
            setForm((f) => ({ ...f, firstName }));
          }}
        />
        <TextInput
          label="Last name"
          required
          value={form.lastName}
          onChange={(e) => {
            const lastName = e.currentTarget.value;
            setForm((f) => ({ ...f, lastName }));
          }}
        />
      </Group>
      <Checkbox
        label="Customer administrator"
        checked={form.admin}
        onChange={(e) => {
          const admin = e.currentTarget.checked;
          setForm((f) => ({ ...f, admin }));
        }}
      />
    </MutationForm>
  );
}

function LoginAs({ user, onClose }: { user: CustomerUser; onClose: () => void }) {
  const session = useSession();
  const navigate = useNavigate();
  const [result, impersonate] = useMutation(ImpersonateDocument);
  const [reason, setReason] = useState('');
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const answer = await impersonate({ input: { userId: user.id, reason } });
    const token = answer.data?.impersonate.token;
    if (token !== undefined) {
      onClose();
      session.beginImpersonation(token);
      void navigate('/');
    }
  };
  return (
    <form onSubmit={submit}>
      <Stack>
        <Text size="sm">
          You will act as {user.name} ({user.email}) until you end the session. Every request is
          audited with both identities.
        </Text>
        {result.error !== undefined && (
          <ErrorNotice error={result.error} title="Login-as was refused" />
        )}
        <Textarea
          label="Reason"
          description="Why you need to act as this user (kept in the audit log)"
          required
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        <FormActions
          submitLabel={`Log in as ${user.email}`}
          color="orange"
          busy={result.fetching}
          onCancel={onClose}
        />
      </Stack>
    </form>
  );
}

type Dialog =
  | { kind: 'edit' }
  | { kind: 'order' }
  | { kind: 'deactivate' }
  | { kind: 'reactivate' }
  | { kind: 'delete' }
  | { kind: 'invite' }
  | { kind: 'remove-user'; user: CustomerUser }
  | { kind: 'login-as'; user: CustomerUser };

export function CustomerDetailPage() {
  const { id = '' } = useParams();
  const { can } = useViewer();
  const navigate = useNavigate();
  const withUsers = can('VIEW_USERS');
  const [{ data, error }, reexecute] = useQuery({
    query: CustomerDetailDocument,
    variables: { id, withUsers },
  });
  const [, deactivate] = useMutation(DeactivateCustomerDocument);
  const [, reactivate] = useMutation(ReactivateCustomerDocument);
  const [, deleteCustomer] = useMutation(DeleteCustomerDocument);
  const [, removeUser] = useMutation(RemoveCustomerUserDocument);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const { notice, refresh, report, after, dismiss } = useActionNotice(reexecute);
  const close = () => setDialog(null);

  if (data === undefined) {
    if (error !== undefined)
      return <ErrorNotice error={error} title="The customer could not be loaded" />;
    return <PageSkeleton label="Loading customer" />;
  }
  const customer = data.customer;
  if (customer === null) {
    return (
      <Stack align="flex-start">
        <Title order={2}>Customer not found</Title>
        <Text>
          There is no customer with this id, or it is not one you may see
          {error !== undefined && errorCode(error) !== null ? ` (${errorCode(error)})` : ''}.
        </Text>
        <Button component={Link} to="/" variant="default">
          Go to your start page
        </Button>
      </Stack>
    );
  }

  const manage = can('MANAGE_CUSTOMERS');
  const action = () => ({ input: { customerId: customer.id, idempotencyKey: idempotencyKey() } });

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>{customer.name}</Title>
          <Group gap="xs">
            <Text c="dimmed">Account {customer.accountNumber}</Text>
            <Badge color={customer.status === 'ACTIVE' ? 'green' : 'gray'} variant="light">
              {humanize(customer.status)}
            </Badge>
          </Group>
        </div>
        <Group gap="xs">
          {can('MANAGE_SUBSCRIPTIONS') && customer.status === 'ACTIVE' && (
            <Button onClick={() => setDialog({ kind: 'order' })}>Order seats</Button>
          )}
          {can('VIEW_BILLING') && (
            <Button
              variant="default"
              component={Link}
              to={`/subscriptions?customer=${encodeURIComponent(customer.id)}`}
            >
              Subscriptions
            </Button>
          )}
          {manage && (
            <Button variant="default" onClick={() => setDialog({ kind: 'edit' })}>
              Edit
            </Button>
          )}
          {manage && customer.status === 'ACTIVE' && (
            <Button
              variant="default"
              color="orange"
              onClick={() => setDialog({ kind: 'deactivate' })}
            >
              Deactivate
            </Button>
          )}
          {manage && customer.status === 'INACTIVE' && (
            <Button variant="default" onClick={() => setDialog({ kind: 'reactivate' })}>
              Reactivate
            </Button>
          )}
          {can('DELETE_CUSTOMERS') && (
            <Button color="red" variant="outline" onClick={() => setDialog({ kind: 'delete' })}>
              Delete
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
            <Field label="Partner">{customer.partner?.name ?? '—'}</Field>
            <Field label="Balance">{formatMoney(customer.balance)}</Field>
            <Field label="Seats">{customer.seats}</Field>
            <Field label="SKUs">{customer.skus.join(', ') || '—'}</Field>
            <Field label="Expires">{formatDate(customer.expiresOn)}</Field>
            <Field label="Customer since">{formatDate(customer.createdAt)}</Field>
            <Field label="Billing id">{customer.externalIds.billing ?? '—'}</Field>
            <Field label="CRM id">{customer.externalIds.crm ?? '—'}</Field>
          </SimpleGrid>
        </Card>
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            Contact
          </Title>
          <SimpleGrid cols={2}>
            <Field label="Account email">{customer.email}</Field>
            <Field label="Name">
              {customer.contact === null
                ? '—'
                : `${customer.contact.firstName} ${customer.contact.lastName}`}
            </Field>
            <Field label="Email">{customer.contact?.email ?? '—'}</Field>
            <Field label="Phone">{customer.contact?.phone ?? '—'}</Field>
          </SimpleGrid>
        </Card>
      </SimpleGrid>

      {customer.subscriptions !== null && (
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            Subscriptions ({customer.subscriptions.totalCount})
          </Title>
          <ListTable
            minWidth={600}
            head={
              <>
                <Table.Th>Number</Table.Th>
                <Table.Th>Offer</Table.Th>
                <Table.Th>SKU</Table.Th>
                <Table.Th>Seats</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Term ends</Table.Th>
              </>
            }
            rows={customer.subscriptions.nodes}
            empty="No subscriptions yet."
            emptyColSpan={6}
          >
            {(s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{s.number}</Table.Td>
                <Table.Td>{s.offer?.name ?? '—'}</Table.Td>
                <Table.Td>{s.sku}</Table.Td>
                <Table.Td>{s.quantity}</Table.Td>
                <Table.Td>{humanize(s.status)}</Table.Td>
                <Table.Td>{formatDate(s.termEndDate)}</Table.Td>
              </Table.Tr>
            )}
          </ListTable>
        </Card>
      )}

      {customer.users !== undefined && (
        <Card withBorder>
          <Group justify="space-between" mb="sm">
            <Title order={3} size="h4">
              Users ({customer.users.totalCount})
            </Title>
            {can('MANAGE_USERS') && (
              <Button size="xs" onClick={() => setDialog({ kind: 'invite' })}>
                Invite user
              </Button>
            )}
          </Group>
          <ListTable
            minWidth={600}
            head={
              <>
                <Table.Th>Name</Table.Th>
                <Table.Th>Email</Table.Th>
                <Table.Th>Profile</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </>
            }
            rows={customer.users.nodes}
            empty="No portal users yet."
            emptyColSpan={5}
          >
            {(user) => (
              <Table.Tr key={user.id}>
                <Table.Td>{user.name}</Table.Td>
                <Table.Td>{user.email}</Table.Td>
                <Table.Td>{user.profile?.name ?? '—'}</Table.Td>
                <Table.Td>{humanize(user.status)}</Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end">
                    {can('IMPERSONATE') && user.status === 'ACTIVE' && (
                      <Button
                        size="xs"
                        variant="light"
                        color="orange"
                        onClick={() => setDialog({ kind: 'login-as', user })}
                      >
                        Log in as
                      </Button>
                    )}
                    {can('MANAGE_USERS') && (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => setDialog({ kind: 'remove-user', user })}
                      >
                        Remove
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            )}
          </ListTable>
        </Card>
      )}

      <Modal opened={dialog?.kind === 'edit'} onClose={close} title={`Edit ${customer.name}`}>
        {dialog?.kind === 'edit' && <EditCustomer customer={customer} onClose={close} />}
      </Modal>
      <OrderSeatsDialog
        customerId={customer.id}
        opened={dialog?.kind === 'order'}
        onClose={close}
        onOrdered={report}
      />
      <Modal
        opened={dialog?.kind === 'invite'}
        onClose={close}
        title={`Invite a user to ${customer.name}`}
      >
        {dialog?.kind === 'invite' && (
          <InviteUser
            customerId={customer.id}
            onClose={() => {
              close();
              refresh();
            }}
          />
        )}
      </Modal>
      <Modal opened={dialog?.kind === 'login-as'} onClose={close} title="Log in as a customer user">
        {dialog?.kind === 'login-as' && <LoginAs user={dialog.user} onClose={close} />}
      </Modal>
      <ConfirmDialog
        opened={dialog?.kind === 'deactivate'}
        title={`Deactivate ${customer.name}?`}
        confirmLabel="Deactivate"
        danger
        onClose={close}
        onConfirm={async () =>
          after(`${customer.name} was deactivated.`)(await deactivate(action()))
        }
      >
        Its users can no longer sign in. Its data stays, and it can be reactivated.
      </ConfirmDialog>
      <ConfirmDialog
        opened={dialog?.kind === 'reactivate'}
        title={`Reactivate ${customer.name}?`}
        confirmLabel="Reactivate"
        onClose={close}
        onConfirm={async () =>
          after(`${customer.name} was reactivated.`)(await reactivate(action()))
        }
      >
        Its users can sign in again.
      </ConfirmDialog>
      <ConfirmDialog
        opened={dialog?.kind === 'delete'}
        title={`Delete ${customer.name}?`}
        confirmLabel="Delete for good"
        danger
        onClose={close}
        onConfirm={async () => {
          const answer = await deleteCustomer(action());
          if (answer.error === undefined) void navigate('/customers');
          return answer.error;
        }}
      >
        This deletes {customer.name} with all its subscriptions, invoices, payments, payment
        methods, contacts, cases and users. <strong>This cannot be undone.</strong>
      </ConfirmDialog>
      <ConfirmDialog
        opened={dialog?.kind === 'remove-user'}
        title="Remove this user?"
        confirmLabel="Remove user"
        danger
        onClose={close}
        onConfirm={async () => {
          if (dialog?.kind !== 'remove-user') return undefined;
          const answer = await removeUser({
            input: { userId: dialog.user.id, idempotencyKey: idempotencyKey() },
          });
          return after(`${dialog.user.email} was removed.`)(answer);
        }}
      >
        {dialog?.kind === 'remove-user' &&
          `${dialog.user.email} will no longer be able to sign in to ${customer.name}.`}
      </ConfirmDialog>
    </Stack>
  );
}

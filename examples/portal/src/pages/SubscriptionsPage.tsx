import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ActionNotice } from '../components/ActionNotice';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { EnumFilter } from '../components/EnumSelect';
import { formatDate, humanize } from '../components/format';
import { idempotencyKey } from '../api/idempotency';
import { MutationForm } from '../components/MutationForm';
import { OrderSeatsDialog } from '../components/OrderSeats';
import { PagedConnection } from '../components/PagedConnection';
import { useCursorPaging } from '../components/Paging';
import { SeatsInput } from '../components/SeatsInput';
import { ListTable } from '../components/ListTable';
import { graphql } from '../gql';
import type { SubscriptionsQuery, SubscriptionStatus } from '../gql/graphql';
import { useActionNotice } from '../hooks/useActionNotice';
import { useViewer } from '../session/ViewerContext';

const SubscriptionsDocument = graphql(`
  query Subscriptions(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: SubscriptionFilter
    $customerId: ID!
    $forCustomer: Boolean!
  ) {
    subscriptions(
      first: $first
      after: $after
      last: $last
      before: $before
      filter: $filter
      orderBy: { field: NUMBER }
    ) {
      totalCount
      pageInfo {
        ...CursorPageInfo
      }
      nodes {
        id
        number
        status
        quantity
        sku
        startDate
        termEndDate
        autoRenew
        customer {
          id
          name
        }
        offer {
          id
          name
          minSeats
          maxSeats
        }
      }
    }
    customer(id: $customerId) @include(if: $forCustomer) {
      id
      name
      status
    }
  }
`);

const ChangeSubscriptionDocument = graphql(`
  mutation ChangeSubscription($input: ChangeSubscriptionInput!) {
    changeSubscription(input: $input) {
      subscription {
        id
        quantity
        status
      }
    }
  }
`);

const CancelSubscriptionDocument = graphql(`
  mutation CancelSubscription($input: CancelSubscriptionInput!) {
    cancelSubscription(input: $input) {
      subscription {
        id
        status
        autoRenew
        termEndDate
      }
    }
  }
`);

type Subscription = SubscriptionsQuery['subscriptions']['nodes'][number];

const STATUSES: SubscriptionStatus[] = ['PENDING', 'ACTIVE', 'SUSPENDED', 'CANCELLED', 'EXPIRED'];

function ChangeSeats({
  subscription,
  onClose,
  onChanged,
}: {
  subscription: Subscription;
  onClose: () => void;
  onChanged: (message: string) => void;
}) {
  const [result, change] = useMutation(ChangeSubscriptionDocument);
  const [key] = useState(idempotencyKey);
  const [quantity, setQuantity] = useState(subscription.quantity);
  const submit = async () => {
    const answer = await change({
      input: { subscriptionId: subscription.id, quantity, idempotencyKey: key },
    });
    if (answer.error === undefined)
      onChanged(`Subscription ${subscription.number} now has ${quantity} seats.`);
  };
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The seats were not changed"
      submitLabel="Change seats"
      busy={result.fetching}
      onCancel={onClose}
    >
      <SeatsInput offer={subscription.offer} value={quantity} onChange={setQuantity} />
    </MutationForm>
  );
}

type Dialog =
  | { kind: 'order' }
  | { kind: 'seats'; subscription: Subscription }
  | { kind: 'cancel'; subscription: Subscription };

export function SubscriptionsPage() {
  const { viewer, can } = useViewer();
  const [params] = useSearchParams();
  const customerId = viewer.customer?.id ?? params.get('customer') ?? '';
  const [status, setStatus] = useState<SubscriptionStatus | null>(null);
  const [immediately, setImmediately] = useState(false);
  const paging = useCursorPaging();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: SubscriptionsDocument,
    variables: {
      ...paging.variables,
      filter: {
        ...(customerId === '' ? {} : { customerId }),
        ...(status === null ? {} : { status }),
      },
      customerId,
      forCustomer: customerId !== '',
    },
  });
  const [, cancel] = useMutation(CancelSubscriptionDocument);
  const { notice, report, after, dismiss } = useActionNotice(reexecute);
  const close = () => setDialog(null);
  const done = (message: string) => {
    close();
    report(message);
  };

  const connection = data?.subscriptions;
  const customer = data?.customer ?? null;
  const manage = can('MANAGE_SUBSCRIPTIONS');

  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={2}>My Subscriptions</Title>
          {customer !== null && viewer.customer === null && (
            <Text c="dimmed">
              Subscriptions of{' '}
              <Anchor component={Link} to={`/customers/${encodeURIComponent(customer.id)}`}>
                {customer.name}
              </Anchor>{' '}
              ·{' '}
              <Anchor component={Link} to="/subscriptions">
                show all customers
              </Anchor>
            </Text>
          )}
        </div>
        {manage && customer !== null && customer.status === 'ACTIVE' && (
          <Button onClick={() => setDialog({ kind: 'order' })}>Order seats</Button>
        )}
      </Group>
      <ActionNotice notice={notice} onClose={dismiss} />
      <Group>
        <EnumFilter
          label="Status"
          values={STATUSES}
          value={status}
          onChange={(value) => {
            setStatus(value);
            paging.reset();
          }}
        />
      </Group>
      <PagedConnection
        connection={connection}
        fetching={fetching}
        error={error}
        paging={paging}
        noun="subscriptions"
      >
        {(connection) => (
          <ListTable
            minWidth={800}
            striped
            aria-busy={fetching}
            head={
              <>
                <Table.Th>Number</Table.Th>
                {viewer.customer === null && <Table.Th>Customer</Table.Th>}
                <Table.Th>Offer</Table.Th>
                <Table.Th>SKU</Table.Th>
                <Table.Th>Seats</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Term ends</Table.Th>
                {manage && <Table.Th>Actions</Table.Th>}
              </>
            }
            rows={connection.nodes}
            empty="No subscriptions."
            emptyColSpan={8}
          >
            {(s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{s.number}</Table.Td>
                {viewer.customer === null && (
                  <Table.Td>
                    {s.customer === null ? (
                      '—'
                    ) : (
                      <Anchor
                        component={Link}
                        to={`/customers/${encodeURIComponent(s.customer.id)}`}
                      >
                        {s.customer.name}
                      </Anchor>
                    )}
                  </Table.Td>
                )}
                <Table.Td>{s.offer?.name ?? '—'}</Table.Td>
                <Table.Td>{s.sku}</Table.Td>
                <Table.Td>{s.quantity}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={s.status === 'ACTIVE' ? 'green' : 'gray'}>
                    {humanize(s.status)}
                  </Badge>
                  {s.status === 'ACTIVE' && !s.autoRenew && (
                    <Text size="xs" c="dimmed">
                      Does not renew
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatDate(s.termEndDate)}</Table.Td>
                {manage && (
                  <Table.Td>
                    {s.status === 'ACTIVE' && (
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="light"
                          onClick={() => setDialog({ kind: 'seats', subscription: s })}
                        >
                          Change seats
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => {
                            setImmediately(false);
                            setDialog({ kind: 'cancel', subscription: s });
                          }}
                        >
                          Cancel
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            )}
          </ListTable>
        )}
      </PagedConnection>

      {customer !== null && (
        <OrderSeatsDialog
          customerId={customer.id}
          opened={dialog?.kind === 'order'}
          onClose={close}
          onOrdered={done}
        />
      )}
      <Modal opened={dialog?.kind === 'seats'} onClose={close} title="Change seats">
        {dialog?.kind === 'seats' && (
          <ChangeSeats subscription={dialog.subscription} onClose={close} onChanged={done} />
        )}
      </Modal>
      <ConfirmDialog
        opened={dialog?.kind === 'cancel'}
        title="Cancel this subscription?"
        confirmLabel="Cancel subscription"
        danger
        onClose={close}
        onConfirm={async () => {
          if (dialog?.kind !== 'cancel') return undefined;
          const answer = await cancel({
            input: {
              subscriptionId: dialog.subscription.id,
              immediately,
              idempotencyKey: idempotencyKey(),
            },
          });
          return after(`Subscription ${dialog.subscription.number} was cancelled.`)(answer);
        }}
      >
        {dialog?.kind === 'cancel' && (
          <Stack gap="xs">
            <Text>
              Subscription {dialog.subscription.number} ({dialog.subscription.quantity} seats of{' '}
              {dialog.subscription.offer?.name ?? dialog.subscription.sku}) stops renewing and ends
              on {formatDate(dialog.subscription.termEndDate)}.
            </Text>
            <Checkbox
              label="End service today instead"
              checked={immediately}
              onChange={(e) => setImmediately(e.currentTarget.checked)}
            />
          </Stack>
        )}
      </ConfirmDialog>
    </Stack>
  );
}

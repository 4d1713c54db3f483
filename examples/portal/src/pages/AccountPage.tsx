import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { useLocation } from 'react-router';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { useMutation, useQuery } from 'urql';
import { ActionNotice } from '../components/ActionNotice';
import { ErrorNotice, PartialDataNotice } from '../components/ErrorNotice';
import { formatDate, formatMoney, humanize } from '../components/format';
import { idempotencyKey } from '../api/idempotency';
import { PageSkeleton } from '../components/Loading';
import { MutationForm } from '../components/MutationForm';
import { graphql } from '../gql';
import { useActionNotice } from '../hooks/useActionNotice';
import { useViewer } from '../session/ViewerContext';

export const AccountInvoiceFragment = graphql(`
  fragment AccountInvoice on Invoice {
    id
    number
    invoiceDate
    dueDate
    status
    overdue
    amount {
      amount
      currency
    }
    balance {
      amount
      currency
    }
  }
`);

export const AccountPaymentMethodFragment = graphql(`
  fragment AccountPaymentMethod on PaymentMethod {
    id
    type
    brand
    last4
    expires
    isDefault
  }
`);

const MyAccountDocument = graphql(`
  query MyAccount {
    viewer {
      customer {
        id
        name
        accountNumber
        balance {
          amount
          currency
        }
        paymentMethods {
          ...AccountPaymentMethod
        }
        outstanding: invoices(first: 100, filter: { status: OPEN }, orderBy: { field: DUE_DATE }) {
          totalCount
          nodes {
            ...AccountInvoice
          }
        }
        history: invoices(first: 50, orderBy: { field: INVOICE_DATE, direction: DESC }) {
          totalCount
          nodes {
            ...AccountInvoice
          }
        }
      }
      organization {
        id
        name
        balance {
          amount
          currency
        }
        paymentMethods {
          ...AccountPaymentMethod
        }
        outstanding: invoices(first: 100, filter: { status: OPEN }, orderBy: { field: DUE_DATE }) {
          totalCount
          nodes {
            ...AccountInvoice
          }
        }
        history: invoices(first: 50, orderBy: { field: INVOICE_DATE, direction: DESC }) {
          totalCount
          nodes {
            ...AccountInvoice
          }
        }
      }
    }
  }
`);

const PayInvoiceDocument = graphql(`
  mutation PayInvoice($input: PayInvoiceInput!) {
    payInvoice(input: $input) {
      payment {
        id
        number
        amount {
          amount
          currency
        }
      }
      invoice {
        ...AccountInvoice
      }
    }
  }
`);

type Invoice = ResultOf<typeof AccountInvoiceFragment>;
type PaymentMethod = ResultOf<typeof AccountPaymentMethodFragment>;

function describeMethod(method: PaymentMethod): string {
  const what = method.brand ?? humanize(method.type);
  const ending = method.last4 === null ? '' : ` ending ${method.last4}`;
  const expires = method.expires === null ? '' : `, expires ${method.expires}`;
  return `${what}${ending}${expires}`;
}

function PayInvoice({
  invoice,
  methods,
  onClose,
  onPaid,
}: {
  invoice: Invoice;
  methods: PaymentMethod[];
  onClose: () => void;
  onPaid: (message: string) => void;
}) {
  const [result, pay] = useMutation(PayInvoiceDocument);
  const [key] = useState(idempotencyKey);
  const [methodId, setMethodId] = useState<string | null>(
    (methods.find((m) => m.isDefault) ?? methods[0])?.id ?? null,
  );
  const [amount, setAmount] = useState<string>(invoice.balance.amount);

  const submit = async () => {
    if (methodId === null) return;
    const answer = await pay({
      input: {
        invoiceId: invoice.id,
        paymentMethodId: methodId,
        amount,
        currency: invoice.balance.currency,
        idempotencyKey: key,
      },
    });
    const payment = answer.data?.payInvoice.payment;
    if (answer.error === undefined) {
      onPaid(
        payment == null
          ? `Invoice ${invoice.number} was paid.`
          : `Payment ${payment.number} of ${formatMoney(payment.amount)} was made on invoice ${invoice.number}.`,
      );
    }
  };

  if (methods.length === 0) {
    return <Text>There is no stored payment method on this account to pay with.</Text>;
  }
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The payment was not made"
      submitLabel="Pay"
      busy={result.fetching}
      onCancel={onClose}
    >
      <Text size="sm">
        Invoice {invoice.number}: {formatMoney(invoice.balance)} still to pay of{' '}
        {formatMoney(invoice.amount)}.
      </Text>
      <Select
        label="Payment method"
        required
        allowDeselect={false}
        data={methods.map((m) => ({ value: m.id, label: describeMethod(m) }))}
        value={methodId}
        onChange={setMethodId}
      />
      <NumberInput
        label={`Amount (${invoice.balance.currency})`}
        required
        min={0.01}
        max={Number(invoice.balance.amount)}
        decimalScale={2}
        value={amount}
        onChange={(value) => setAmount(String(value))}
      />
    </MutationForm>
  );
}

function InvoiceTable({
  invoices,
  onPay,
}: {
  invoices: Invoice[];
  onPay: ((invoice: Invoice) => void) | null;
}) {
  if (invoices.length === 0) return <Text c="dimmed">No invoices.</Text>;
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Number</Table.Th>
            <Table.Th>Invoiced</Table.Th>
            <Table.Th>Due</Table.Th>
            <Table.Th>Amount</Table.Th>
            <Table.Th>Balance</Table.Th>
            <Table.Th>Status</Table.Th>
            {onPay !== null && <Table.Th>Pay</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoices.map((invoice) => (
            <Table.Tr key={invoice.id}>
              <Table.Td>{invoice.number}</Table.Td>
              <Table.Td>{formatDate(invoice.invoiceDate)}</Table.Td>
              <Table.Td>{formatDate(invoice.dueDate)}</Table.Td>
              <Table.Td>{formatMoney(invoice.amount)}</Table.Td>
              <Table.Td>{formatMoney(invoice.balance)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {humanize(invoice.status)}
                  {invoice.overdue && (
                    <Badge color="red" variant="light" size="sm">
                      Overdue
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              {onPay !== null && (
                <Table.Td>
                  {invoice.status === 'OPEN' && Number(invoice.balance.amount) > 0 && (
                    <Button size="xs" onClick={() => onPay(invoice)}>
                      Pay {invoice.number}
                    </Button>
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function AccountPage() {
  const { can } = useViewer();
  const location = useLocation();
  const [{ data, fetching, error }, reexecute] = useQuery({ query: MyAccountDocument });
  const [paying, setPaying] = useState<Invoice | null>(null);
  const { notice, report, dismiss } = useActionNotice(reexecute);
  const loaded = data !== undefined;

  useEffect(() => {
    if (loaded && location.hash !== '') {
      document.getElementById(location.hash.slice(1))?.scrollIntoView();
    }
  }, [loaded, location.hash]);

  if (data === undefined) {
    if (error !== undefined)
      return <ErrorNotice error={error} title="Your account could not be loaded" />;
    return fetching ? <PageSkeleton label="Loading your account" /> : null;
  }
  const account = data.viewer.customer ?? data.viewer.organization;
  if (account === null) return <Text>This sign-in has no billing account of its own.</Text>;
  const methods = account.paymentMethods ?? [];
  const onPay = can('PAY_INVOICES') ? setPaying : null;

  return (
    <Stack>
      <Title order={2}>My Account</Title>
      <ActionNotice notice={notice} onClose={dismiss} />
      <PartialDataNotice error={error} />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Account
          </Text>
          <Text fw={600}>{account.name}</Text>
          {data.viewer.customer !== null && (
            <Text size="sm">{data.viewer.customer.accountNumber}</Text>
          )}
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Balance
          </Text>
          <Text fw={600} size="lg">
            {account.balance === null ? 'Unavailable' : formatMoney(account.balance)}
          </Text>
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed">
            Outstanding invoices
          </Text>
          <Text fw={600} size="lg">
            {account.outstanding?.totalCount ?? '—'}
          </Text>
        </Card>
      </SimpleGrid>

      <Card withBorder id="outstanding">
        <Title order={3} size="h4" mb="sm">
          Outstanding invoices
        </Title>
        {account.outstanding === null ? (
          <Text c="dimmed">Unavailable right now.</Text>
        ) : (
          <InvoiceTable invoices={account.outstanding.nodes} onPay={onPay} />
        )}
      </Card>

      <Card withBorder>
        <Title order={3} size="h4" mb="sm">
          Payment methods
        </Title>
        {account.paymentMethods === null ? (
          <Text c="dimmed">Unavailable right now.</Text>
        ) : methods.length === 0 ? (
          <Text c="dimmed">No stored payment methods.</Text>
        ) : (
          <Stack gap={4}>
            {methods.map((m) => (
              <Group key={m.id} gap="xs">
                <Text>{describeMethod(m)}</Text>
                {m.isDefault && (
                  <Badge size="sm" variant="light">
                    Default
                  </Badge>
                )}
              </Group>
            ))}
          </Stack>
        )}
      </Card>

      <Card withBorder>
        <Title order={3} size="h4" mb="sm">
          Invoice history
        </Title>
        {account.history === null ? (
          <Text c="dimmed">Unavailable right now.</Text>
        ) : (
          <InvoiceTable invoices={account.history.nodes} onPay={null} />
        )}
      </Card>

      <Modal opened={paying !== null} onClose={() => setPaying(null)} title="Pay an invoice">
        {paying !== null && (
          <PayInvoice
            invoice={paying}
            methods={methods}
            onClose={() => setPaying(null)}
            onPaid={(message) => {
              setPaying(null);
              report(message);
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

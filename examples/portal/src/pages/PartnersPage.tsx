import { Anchor, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { formatDate } from '../components/format';
import { PagedConnection } from '../components/PagedConnection';
import { useCursorPaging } from '../components/Paging';
import { ListTable } from '../components/ListTable';
import { graphql } from '../gql';

const PartnersDocument = graphql(`
  query Partners($first: Int, $after: String, $last: Int, $before: String, $nameContains: String) {
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
        salesChannel
        parent {
          name
        }
        customers(first: 10, filter: { status: ACTIVE }, orderBy: { field: NAME }) {
          totalCount
          nodes {
            id
            name
            seats
            skus
            expiresOn
          }
        }
      }
    }
  }
`);

export function PartnersPage() {
  const [name, setName] = useState('');
  const [debounced] = useDebouncedValue(name.trim(), 300);
  const paging = useCursorPaging();
  const [{ data, fetching, error }] = useQuery({
    query: PartnersDocument,
    variables: { ...paging.variables, nameContains: debounced === '' ? null : debounced },
  });
  const connection = data?.organizations;

  return (
    <Stack>
      <Title order={2}>Partners</Title>
      <Text c="dimmed">
        Each partner with its active customers: seats, SKUs and when their terms end.
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
            {connection.nodes.map((partner) => (
              <Card withBorder key={partner.id} component="section" aria-label={partner.name}>
                <Group justify="space-between" mb="xs">
                  <div>
                    <Title order={3} size="h4">
                      {partner.name}
                    </Title>
                    <Text size="xs" c="dimmed">
                      Channel {partner.salesChannel}
                      {partner.parent !== null && ` · distributed by ${partner.parent.name}`}
                    </Text>
                  </div>
                  <Text size="sm">{partner.customers.totalCount} active customers</Text>
                </Group>
                <ListTable
                  minWidth={600}
                  head={
                    <>
                      <Table.Th>Customer</Table.Th>
                      <Table.Th>Seats</Table.Th>
                      <Table.Th>SKUs</Table.Th>
                      <Table.Th>Expires</Table.Th>
                    </>
                  }
                  rows={partner.customers.nodes}
                  empty="No active customers."
                  emptyColSpan={4}
                >
                  {(customer) => (
                    <Table.Tr key={customer.id}>
                      <Table.Td>
                        <Anchor
                          component={Link}
                          to={`/customers/${encodeURIComponent(customer.id)}`}
                        >
                          {customer.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{customer.seats}</Table.Td>
                      <Table.Td>{customer.skus.join(', ') || '—'}</Table.Td>
                      <Table.Td>{formatDate(customer.expiresOn)}</Table.Td>
                    </Table.Tr>
                  )}
                </ListTable>
                {partner.customers.totalCount > partner.customers.nodes.length && (
                  <Anchor
                    component={Link}
                    to={`/customers?partner=${encodeURIComponent(partner.id)}`}
                    size="sm"
                  >
                    All {partner.customers.totalCount} customers of {partner.name}
                  </Anchor>
                )}
              </Card>
            ))}
            {connection.nodes.length === 0 && <Text>No partners match.</Text>}
          </>
        )}
      </PagedConnection>
    </Stack>
  );
}

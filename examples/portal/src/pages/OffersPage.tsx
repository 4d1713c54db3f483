import {
  Badge,
  Button,
  Modal,
  MultiSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { idempotencyKey } from '../api/idempotency';
import { ActionNotice } from '../components/ActionNotice';
import { formatMoney, humanize } from '../components/format';
import { ListTable } from '../components/ListTable';
import { MutationForm } from '../components/MutationForm';
import { PagedConnection } from '../components/PagedConnection';
import { useCursorPaging } from '../components/Paging';
import { graphql } from '../gql';
import type { OffersQuery } from '../gql/graphql';
import { useActionNotice } from '../hooks/useActionNotice';
import { useViewer } from '../session/ViewerContext';

const OffersDocument = graphql(`
  query Offers(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $nameContains: String
    $withPartners: Boolean!
  ) {
    offers(
      first: $first
      after: $after
      last: $last
      before: $before
      filter: { nameContains: $nameContains }
      orderBy: { field: NAME }
    ) {
      totalCount
      pageInfo {
        ...CursorPageInfo
      }
      nodes {
        id
        code
        name
        label
        salesChannel
        sku
        price {
          amount
          currency
        }
        billingPeriod
        eligiblePartners {
          id
          name
        }
      }
    }
    organizations(first: 100, filter: { kind: PARTNER }, orderBy: { field: NAME })
      @include(if: $withPartners) {
      nodes {
        id
        name
        salesChannel
      }
    }
  }
`);

const UpdateOfferDocument = graphql(`
  mutation UpdateOffer($input: UpdateOfferInput!) {
    updateOffer(input: $input) {
      offer {
        id
        label
        salesChannel
        eligiblePartners {
          id
          name
        }
      }
    }
  }
`);

type Offer = OffersQuery['offers']['nodes'][number];
type Partner = NonNullable<OffersQuery['organizations']>['nodes'][number];

/**
 * Publishes an offer: its label, and the partners of its channel it is restricted to (none
 * chosen: every partner of the channel may sell it).
 */
function PublishOffer({
  offer,
  partners,
  onClose,
  onDone,
}: {
  offer: Offer;
  /** The partners the caller may choose from; only those of the offer's channel are offered. */
  partners: Partner[];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const [result, update] = useMutation(UpdateOfferDocument);
  const [key] = useState(idempotencyKey);
  const [label, setLabel] = useState(offer.label ?? '');
  const [eligible, setEligible] = useState<string[]>(offer.eligiblePartners.map((p) => p.id));
  const choices = partners
    .filter((p) => p.salesChannel === offer.salesChannel)
    .map((p) => ({ value: p.id, label: p.name }));
  const submit = async () => {
    const answer = await update({
      input: {
        offerId: offer.id,
        idempotencyKey: key,
        label: label.trim(),
        eligiblePartnerIds: eligible,
      },
    });
    if (answer.error === undefined) onDone(`${offer.name} was published.`);
  };
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The offer was not published"
      submitLabel="Publish"
      busy={result.fetching}
      onCancel={onClose}
    >
      <TextInput
        label="Label"
        description="A short marketing label; leave it empty for none"
        value={label}
        onChange={(e) => setLabel(e.currentTarget.value)}
      />
      <MultiSelect
        label="Eligible partners"
        description={`None chosen: every partner of the ${offer.salesChannel} channel may sell it`}
        placeholder={eligible.length === 0 ? 'All partners of the channel' : undefined}
        searchable
        clearable
        data={choices}
        value={eligible}
        onChange={setEligible}
      />
    </MutationForm>
  );
}

export function OffersPage() {
  const { can } = useViewer();
  const publish = can('MANAGE_OFFERS');
  const [name, setName] = useState('');
  const [debounced] = useDebouncedValue(name.trim(), 300);
  const paging = useCursorPaging();
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: OffersDocument,
    variables: {
      ...paging.variables,
      nameContains: debounced === '' ? null : debounced,
      withPartners: publish,
    },
  });
  const [publishing, setPublishing] = useState<Offer | null>(null);
  const { notice, report, dismiss } = useActionNotice(reexecute);
  const partners = data?.organizations?.nodes ?? [];
  const close = () => setPublishing(null);

  return (
    <Stack>
      <Title order={2}>Offers</Title>
      <Text c="dimmed">
        What the channel sells: each offer with its price per seat and the partners that may sell
        it.
      </Text>
      <ActionNotice notice={notice} onClose={dismiss} />
      <TextInput
        label="Offer name contains"
        w={320}
        value={name}
        onChange={(e) => {
          setName(e.currentTarget.value);
          paging.reset();
        }}
      />
      <PagedConnection
        connection={data?.offers}
        fetching={fetching}
        error={error}
        paging={paging}
        noun="offers"
      >
        {(connection) => (
          <ListTable
            minWidth={900}
            striped
            highlightOnHover
            aria-busy={fetching}
            head={
              <>
                <Table.Th>Name</Table.Th>
                <Table.Th>Code</Table.Th>
                <Table.Th>Label</Table.Th>
                <Table.Th>Channel</Table.Th>
                <Table.Th>Price per seat</Table.Th>
                <Table.Th>Eligible partners</Table.Th>
                {publish && (
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                )}
              </>
            }
            rows={connection.nodes}
            empty="No offer matches."
            emptyColSpan={publish ? 7 : 6}
          >
            {(offer) => (
              <Table.Tr key={offer.id}>
                <Table.Td>
                  {offer.name}
                  <Text size="xs" c="dimmed">
                    SKU {offer.sku}
                  </Text>
                </Table.Td>
                <Table.Td>{offer.code}</Table.Td>
                <Table.Td>
                  {offer.label === null ? (
                    '—'
                  ) : (
                    <Badge variant="light" tt="none">
                      {offer.label}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{offer.salesChannel}</Table.Td>
                <Table.Td>
                  {formatMoney(offer.price)}
                  <Text size="xs" c="dimmed">
                    {humanize(offer.billingPeriod)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {offer.eligiblePartners.length === 0 ? (
                    <Text size="sm" c="dimmed">
                      All partners of the channel
                    </Text>
                  ) : (
                    offer.eligiblePartners.map((p) => p.name).join(', ')
                  )}
                </Table.Td>
                {publish && (
                  <Table.Td>
                    <Button size="xs" variant="light" onClick={() => setPublishing(offer)}>
                      Publish
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            )}
          </ListTable>
        )}
      </PagedConnection>
      <Modal
        opened={publishing !== null}
        onClose={close}
        title={publishing === null ? 'Publish' : `Publish ${publishing.name}`}
      >
        {publishing !== null && (
          <PublishOffer
            offer={publishing}
            partners={partners}
            onClose={close}
            onDone={(message) => {
              close();
              report(message);
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}

import { Modal, Select, Text } from '@mantine/core';
import { useState } from 'react';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { ErrorNotice } from './ErrorNotice';
import { formatMoney, humanize } from './format';
import { idempotencyKey } from '../api/idempotency';
import { PageSkeleton } from './Loading';
import { MutationForm } from './MutationForm';
import { SeatsInput } from './SeatsInput';

export const OrderableOfferFragment = graphql(`
  fragment OrderableOffer on Offer {
    id
    name
    sku
    billingPeriod
    minSeats
    maxSeats
    price {
      amount
      currency
    }
  }
`);

const OrderOffersDocument = graphql(`
  query OrderOffers($customerId: ID!) {
    customer(id: $customerId) {
      id
      name
      partner {
        id
        eligibleOffers(first: 100, orderBy: { field: NAME }) {
          nodes {
            ...OrderableOffer
          }
        }
      }
    }
    offers(first: 100, orderBy: { field: NAME }) {
      nodes {
        ...OrderableOffer
      }
    }
  }
`);

const PlaceOrderDocument = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      customer {
        id
        seats
        skus
        expiresOn
      }
      subscription {
        id
        number
        quantity
        status
      }
    }
  }
`);

type Offer = ResultOf<typeof OrderableOfferFragment>;

function OrderForm({
  customerId,
  onDone,
}: {
  customerId: string;
  onDone: (message: string) => void;
}) {
  const [{ data, fetching, error }] = useQuery({
    query: OrderOffersDocument,
    variables: { customerId },
  });
  const [result, placeOrder] = useMutation(PlaceOrderDocument);
  const [key] = useState(idempotencyKey);
  const [offerId, setOfferId] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number>(1);

  if (data === undefined) {
    return fetching ? (
      <PageSkeleton label="Loading offers" />
    ) : (
      error !== undefined && <ErrorNotice error={error} />
    );
  }
  // The offers the customer's partner may sell; a customer user, who does not see its partner,
  // gets the offers it may see, which are its partner's.
  const offers: Offer[] = data.customer?.partner?.eligibleOffers.nodes ?? data.offers.nodes;
  const offer = offers.find((o) => o.id === offerId);

  const submit = async () => {
    if (offer === undefined) return;
    const answer = await placeOrder({
      input: { customerId, offerId: offer.id, quantity, idempotencyKey: key },
    });
    if (answer.data !== undefined) {
      const number = answer.data.placeOrder.subscription?.number;
      onDone(number == null ? 'The order was placed.' : `Subscription ${number} was ordered.`);
    }
  };

  if (offers.length === 0) {
    return (
      <Text>No offer is available to order for {data.customer?.name ?? 'this customer'}.</Text>
    );
  }
  return (
    <MutationForm
      onSubmit={submit}
      error={result.error}
      errorTitle="The order was not placed"
      submitLabel="Place order"
      busy={result.fetching}
      disabled={offer === undefined}
    >
      <Select
        label="Offer"
        required
        searchable
        data={offers.map((o) => ({
          value: o.id,
          label: `${o.name} (${o.sku}) — ${formatMoney(o.price)} ${humanize(o.billingPeriod).toLowerCase()}`,
        }))}
        value={offerId}
        onChange={(value) => {
          setOfferId(value);
          const chosen = offers.find((o) => o.id === value);
          if (chosen !== undefined) setQuantity(chosen.minSeats);
        }}
      />
      <SeatsInput offer={offer} value={quantity} onChange={setQuantity} />
    </MutationForm>
  );
}

/**
 * A dialog ordering seats of an offer the customer's partner may sell. `onOrdered` gets the
 * notice to show: the new subscription's number, or that the order was placed.
 */
export function OrderSeatsDialog({
  customerId,
  opened,
  onClose,
  onOrdered,
}: {
  customerId: string;
  opened: boolean;
  onClose: () => void;
  onOrdered: (message: string) => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title="Order seats">
      {opened && (
        <OrderForm
          customerId={customerId}
          onDone={(message) => {
            onClose();
            onOrdered(message);
          }}
        />
      )}
    </Modal>
  );
}

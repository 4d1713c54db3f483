import { NumberInput } from '@mantine/core';

/**
 * The number of seats of an offer, held within the offer's bounds and saying what they are.
 * Ordering seats and changing a subscription's seats ask the same question of the same offer.
 */
export function SeatsInput({
  offer,
  value,
  onChange,
}: {
  /** The offer's bounds, once known. */
  offer: { minSeats: number; maxSeats: number | null } | null | undefined;
  value: number;
  onChange: (seats: number) => void;
}) {
  return (
    <NumberInput
      label="Seats"
      required
      min={offer?.minSeats ?? 1}
      max={offer?.maxSeats ?? undefined}
      description={
        offer == null
          ? undefined
          : `Between ${offer.minSeats} and ${offer.maxSeats ?? 'any number of'} seats`
      }
      value={value}
      onChange={(seats) => onChange(typeof seats === 'number' ? seats : Number(seats))}
    />
  );
}

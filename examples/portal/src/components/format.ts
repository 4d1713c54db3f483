/** A decimal string and its currency, as the gateway sends money. */
export interface MoneyValue {
  amount: string;
  currency: string;
}

export function formatMoney(money: MoneyValue | null | undefined): string {
  if (money === null || money === undefined) return '—';
  const value = Number(money.amount);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: money.currency }).format(
      value,
    );
  } catch {
    return `${money.amount} ${money.currency}`;
  }
}

export function formatDate(date: string | null | undefined): string {
  if (date === null || date === undefined) return '—';
  return date.slice(0, 10);
}

export function formatDateTime(at: string): string {
  return new Date(at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** `ACTIVE` → `Active`, `PAY_PAL` → `Pay pal`. */
export function humanize(code: string): string {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

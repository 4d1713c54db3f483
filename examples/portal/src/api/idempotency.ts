/**
 * A fresh idempotency key for one user action: a retry of the same action (a double click, a
 * resent request) carries the same key and gets the first result back.
 */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

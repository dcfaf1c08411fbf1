/** Idempotency: `Idempotency-Key` on a POST runs it once. The entry other features use. */
export { type IdempotencyContext, idempotency, idempotencyOf } from './idempotency.middleware';
export { deleteExpiredKeys, linkMessage } from './idempotency.repository';

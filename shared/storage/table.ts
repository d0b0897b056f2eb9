import { runtimeSettings } from '../config/runtime.js';

/** The document client of `shared/aws` (timeouts, bounded retries, the invocation's deadline). */
export { documentClient } from '../aws/dynamodb.js';

/**
 * The single table: every item has `pk` and `sk` (no secondary index: every read knows its
 * partition); items that expire carry `expiresAt` (epoch seconds), the table's TTL attribute, which
 * every read checks too, because DynamoDB deletes expired items hours late.
 */
export const TTL_ATTRIBUTE = 'expiresAt';

/** The table's name, from the one configuration. */
export function tableName(): string {
  return runtimeSettings().tableName;
}

/** Epoch seconds now; the unit of `expiresAt`. */
export function nowSeconds(now = Date.now()): number {
  return Math.floor(now / 1000);
}

/** True when an item carries an expiry that has passed (TTL deletion lags, so reads check). */
export function isExpired(item: { [TTL_ATTRIBUTE]?: unknown }, now = Date.now()): boolean {
  const expiresAt = item[TTL_ATTRIBUTE];
  return typeof expiresAt === 'number' && expiresAt <= nowSeconds(now);
}

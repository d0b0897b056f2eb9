import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { runtimeSettings } from '../config/runtime.js';

/**
 * The single table: every item has `pk` and `sk` (no secondary index: every read knows its
 * partition); items that expire carry `expiresAt` (epoch seconds), the table's TTL attribute, which
 * every read checks too, because DynamoDB deletes expired items hours late.
 */
export const TTL_ATTRIBUTE = 'expiresAt';

let client: DynamoDBDocumentClient | undefined;

/** The document client, created once per container. */
export function documentClient(): DynamoDBDocumentClient {
  if (!client) {
    const { region, dynamoDbEndpoint } = runtimeSettings();
    const base = new DynamoDBClient({ region, ...(dynamoDbEndpoint ? { endpoint: dynamoDbEndpoint } : {}) });
    client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return client;
}

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

import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
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

/** The table as serverless.yml defines it, for local emulators (dynalite) and tests. */
export async function createTable(dynamo: DynamoDBClient, name: string): Promise<void> {
  const key = (n: string) => ({ AttributeName: n, AttributeType: 'S' as const });
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [key('pk'), key('sk')],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

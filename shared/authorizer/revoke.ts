import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { TTL_ATTRIBUTE } from '../storage/table.js';
import { SIGNED_OUT_AT_ATTRIBUTE } from './revocation.js';

/** Records a revoked token id until `expiresAt` (epoch seconds). Idempotent. For the parts that revoke. */
export async function revokeTokenId(
  client: DynamoDBDocumentClient,
  table: string,
  jti: string,
  expiresAt: number,
): Promise<void> {
  await client.send(
    new PutCommand({
      TableName: table,
      Item: { pk: keys.revokedToken(jti), sk: keys.item(), [TTL_ATTRIBUTE]: expiresAt },
    }),
  );
}

/** Records that every token of `sub` issued at or before `at` (epoch seconds) is refused. */
export async function recordSignOut(client: DynamoDBDocumentClient, table: string, sub: string, at: number) {
  await client.send(
    new PutCommand({
      TableName: table,
      Item: { pk: keys.user(sub), sk: keys.signedOutAt(), [SIGNED_OUT_AT_ATTRIBUTE]: at },
    }),
  );
}

import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';

/**
 * Fixed-window counters: `RATE#<scope>#<subject>` / `WINDOW#<windowStart>`, one atomic ADD per
 * attempt. The counter expires one window after its window ends (the table's TTL), so counters
 * cost nothing once idle. Returns the count including this attempt.
 */
export async function countInWindow(
  scope: string,
  subject: string,
  windowSeconds: number,
  now = Date.now(),
): Promise<number> {
  const current = nowSeconds(now);
  const windowStart = current - (current % windowSeconds);
  const { Attributes } = await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.rate(scope, subject), sk: keys.window(windowStart) },
      UpdateExpression: 'ADD attempts :one SET expiresAt = :expiresAt',
      ExpressionAttributeValues: { ':one': 1, ':expiresAt': windowStart + 2 * windowSeconds },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(Attributes?.attempts ?? 1);
}

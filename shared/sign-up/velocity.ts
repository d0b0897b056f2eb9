import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';

/** The start (epoch seconds) of the fixed window `now` falls in. */
export function windowStartOf(windowSeconds: number, now = Date.now()): number {
  const current = nowSeconds(now);
  return current - (current % windowSeconds);
}

/**
 * Fixed-window counters: `RATE#<scope>#<subject>` / `WINDOW#<windowStart>`, one atomic ADD per
 * attempt, so racing attempts are counted exactly. The counter expires one window after its
 * window ends (the table's TTL), so counters cost nothing once idle. Returns the count
 * including this attempt.
 */
export async function countInWindow(
  scope: string,
  subject: string,
  windowSeconds: number,
  now = Date.now(),
): Promise<number> {
  const windowStart = windowStartOf(windowSeconds, now);
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

/** One limit: `max` attempts of `scope`/`subject` per window; a `max` of 0 is no limit. */
export interface Limit {
  scope: string;
  subject: string | undefined;
  max: number;
}

/**
 * Counts the attempt against every applicable limit at once (in parallel) and answers whether
 * any of them is exceeded. Every applicable counter is counted, so the outcome does not depend
 * on which limit a request hits first.
 */
export async function exceedsAny(limits: Limit[], windowSeconds: number, now: number): Promise<boolean> {
  const applicable = limits.filter(
    (limit): limit is Limit & { subject: string } => limit.subject !== undefined && limit.max > 0,
  );
  const counts = await Promise.all(
    applicable.map((limit) => countInWindow(limit.scope, limit.subject, windowSeconds, now)),
  );
  return counts.some((count, i) => count > applicable[i]!.max);
}

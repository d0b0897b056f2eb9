import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, getItem } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';

/** A CHALLENGE#<id> item in the identity's partition (`identityKey`, never reachable from another name): a code awaiting its answer, or a magic link awaiting its click. */
export interface ChallengeRecord {
  kind: 'code' | 'magic-link';
  /** For codes: the digest of the code (never the code). */
  codeDigest?: string;
  /** Epoch seconds (also the TTL attribute). */
  expiresAt: number;
  /** Epoch milliseconds at which a magic link was used. */
  consumedAt?: number;
  /** The attempt that used it (`attemptIdOf`), when it came with a signed context. */
  consumedBy?: string;
}

export async function saveChallenge(identity: string, id: string, record: ChallengeRecord): Promise<void> {
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: { pk: identity, sk: keys.challenge(id), ...record },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/** A live, unconsumed challenge, or undefined. */
export async function readChallenge(
  identity: string,
  id: string,
  now = Date.now(),
): Promise<ChallengeRecord | undefined> {
  const record = await getItem<ChallengeRecord>(identity, keys.challenge(id));
  if (!record || record.consumedAt !== undefined || record.expiresAt <= nowSeconds(now)) return undefined;
  return record;
}

/**
 * Consumes a challenge exactly once: a conditional write that only the first caller wins, even
 * when two requests race with the same magic link. `attemptId` (the attempt's own signed context
 * and step, `attemptIdOf`) lets Cognito's retry of the invocation that consumed it, and only that,
 * find it its own; without one, a used challenge is used.
 */
export async function consumeChallenge(
  identity: string,
  id: string,
  now = Date.now(),
  attemptId?: string,
): Promise<boolean> {
  const unused = 'attribute_not_exists(consumedAt)';
  return conditionalWrite(
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: identity, sk: keys.challenge(id) },
        UpdateExpression: attemptId
          ? 'SET consumedAt = if_not_exists(consumedAt, :now), consumedBy = :by'
          : 'SET consumedAt = :now',
        ConditionExpression: `attribute_exists(pk) AND expiresAt > :nowSeconds AND ${
          attemptId ? `(${unused} OR consumedBy = :by)` : unused
        }`,
        ExpressionAttributeValues: {
          ':now': now,
          ':nowSeconds': nowSeconds(now),
          ...(attemptId ? { ':by': attemptId } : {}),
        },
      }),
    ),
  );
}

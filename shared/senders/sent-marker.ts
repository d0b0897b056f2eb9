import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, TTL_ATTRIBUTE, tableName } from '../storage/table.js';

/**
 * Sent-markers make the asynchronous senders idempotent: Lambda may deliver an asynchronous event
 * more than once, and a retried invocation carries the same payload. The marker is keyed by a
 * hash of the whole event (`eventDigest`: the encrypted code alone differs on every real send,
 * since each encryption draws a fresh data key), claimed with one conditional write and kept briefly.
 */
export { eventDigest } from '../storage/claims.js';

export interface SentMarkers {
  /** True when this invocation may send; false when another already did (or is doing so). */
  claim(digest: string): Promise<boolean>;
  /** Forgets a claim whose send failed, so a later retry may send. */
  release(digest: string): Promise<void>;
}

/** Markers in the single table, expiring after `ttlSeconds`. */
export function tableSentMarkers(ttlSeconds: number, now: () => number = Date.now): SentMarkers {
  const key = (digest: string) => ({ pk: keys.sent(digest), sk: keys.item() });
  return {
    async claim(digest) {
      const at = nowSeconds(now());
      return conditionalWrite(
        documentClient().send(
          new PutCommand({
            TableName: tableName(),
            Item: { ...key(digest), [TTL_ATTRIBUTE]: at + ttlSeconds },
            // An expired marker that TTL has not deleted yet counts as absent.
            ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':now': at },
          }),
        ),
      );
    },
    async release(digest) {
      await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: key(digest) }));
    },
  };
}

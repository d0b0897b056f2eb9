import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { invocationDeadline } from '../aws/deadline.js';
import { conditionalWrite } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, TTL_ATTRIBUTE, tableName } from '../storage/table.js';

/**
 * Sent-markers make the asynchronous senders idempotent: Lambda may deliver an asynchronous event
 * more than once, and a retried invocation carries the same payload. The marker is keyed by a
 * hash of the whole event (`eventDigest`: the encrypted code alone differs on every real send,
 * since each encryption draws a fresh data key), claimed with one conditional write and kept briefly.
 *
 * A claim is a lease until the invocation's deadline, and becomes final (`sentAt`) once the message
 * is sent: an invocation that died or ran out of time holding it, or could not release it (the
 * table down as well), leaves a lease that lapses, so Lambda's retry a minute later sends it.
 * Never lost; sent twice only if the invocation dies between the provider's acceptance and the
 * `sentAt` write. A send whose outcome is unknown (the provider may have accepted it, its answer
 * never came) closes the claim as `outcomeUnknownAt`: never sent again (at most once).
 */
export { eventDigest } from '../storage/claims.js';

export interface SentMarkers {
  /** True when this invocation may send; false when another already did (or is doing so). */
  claim(digest: string): Promise<boolean>;
  /** Makes the claim final: the message went out. */
  sent(digest: string): Promise<void>;
  /** Forgets a claim whose send failed, so a later retry may send. */
  release(digest: string): Promise<void>;
  /** Closes a claim whose send has an unknown outcome: no retry sends it (at most once). */
  unknown(digest: string): Promise<void>;
}

/** The lease of a claim made outside an invocation (tests, scripts): a sender's 10-second timeout. */
const DEFAULT_LEASE_MS = 10_000;

/** Markers in the single table, expiring after `ttlSeconds`. */
export function tableSentMarkers(ttlSeconds: number, now: () => number = Date.now): SentMarkers {
  const key = (digest: string) => ({ pk: keys.sent(digest), sk: keys.item() });
  return {
    async claim(digest) {
      const nowMs = now();
      const at = nowSeconds(nowMs);
      const leaseUntil = invocationDeadline() ?? nowMs + DEFAULT_LEASE_MS;
      return conditionalWrite(
        documentClient().send(
          new PutCommand({
            TableName: tableName(),
            Item: { ...key(digest), [TTL_ATTRIBUTE]: at + ttlSeconds, leaseUntil },
            // An expired marker that TTL has not deleted yet counts as absent, and so does a claim
            // never made final (nor closed as unknown) whose lease lapsed.
            ConditionExpression:
              'attribute_not_exists(pk) OR #ttl <= :now OR ' +
              '(attribute_not_exists(sentAt) AND attribute_not_exists(outcomeUnknownAt) AND leaseUntil <= :nowMs)',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':now': at, ':nowMs': nowMs },
          }),
        ),
      );
    },
    async sent(digest) {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: key(digest),
          UpdateExpression: 'SET sentAt = :at REMOVE leaseUntil',
          ExpressionAttributeValues: { ':at': nowSeconds(now()) },
        }),
      );
    },
    async unknown(digest) {
      await documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: key(digest),
          UpdateExpression: 'SET outcomeUnknownAt = :at REMOVE leaseUntil',
          ExpressionAttributeValues: { ':at': nowSeconds(now()) },
        }),
      );
    },
    async release(digest) {
      await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: key(digest) }));
    },
  };
}

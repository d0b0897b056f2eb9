import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';
import type { VerifiedOrigin } from './origin.js';
import { signatureSettings } from './origin.js';

/**
 * A signed context is good for one sign-in: each stage of a sign-in uses its nonce once, claimed
 * by a conditional write (`CONTEXT#<nonce>` / `USE#<stage>`), sent in parallel with the stage's
 * lockout read so it costs no round trip of its own. A second use at the same stage is a replay
 * (the captured context of someone else's sign-in, or an earlier one of one's own): its facts
 * count for nothing, as a forged context's do.
 *
 * - `pre-authentication`: InitiateAuth. A new InitiateAuth (a retried password too) needs a new context.
 * - `define#<n>`, `verify#<n>`: each call of a custom-auth conversation, `<n>` its session length,
 *   so the calls of one conversation (and retried wrong codes) each claim their own.
 * - `post-authentication`: the success; Cognito's retries of the trigger (the same call again,
 *   within `RETRY_GRACE_MS` of the claim) are not replays.
 *
 * The claim expires when the context would be stale anyway (twice the context's maximum age).
 */
export type ContextStage =
  | 'pre-authentication'
  | 'post-authentication'
  | `define#${number}`
  | `verify#${number}`;

/** Cognito retries a trigger that has not answered within 5 s, up to three times. */
export const RETRY_GRACE_MS = 30_000;

/**
 * Claims this stage's use of the origin's context. True when the origin may be used (first use, a
 * retry within the grace, or no context to claim); false when the context was used at this stage
 * before: a replay.
 */
export async function useContextOnce(
  origin: VerifiedOrigin,
  stage: ContextStage,
  now: number,
  retryGraceMs = 0,
): Promise<boolean> {
  if (!origin.nonce) return true;
  const expiresAt = nowSeconds(now) + 2 * signatureSettings().contextMaxAgeSeconds + 60;
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.signInContext(origin.nonce), sk: keys.contextUse(stage) },
        UpdateExpression: 'SET claimedAt = if_not_exists(claimedAt, :now), expiresAt = :expiresAt',
        ConditionExpression:
          retryGraceMs > 0
            ? 'attribute_not_exists(pk) OR claimedAt > :retriedAfter'
            : 'attribute_not_exists(pk)',
        ExpressionAttributeValues: {
          ':now': now,
          ':expiresAt': expiresAt,
          ...(retryGraceMs > 0 ? { ':retriedAfter': now - retryGraceMs } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

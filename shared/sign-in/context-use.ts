import { createHash } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { invocationDeadline } from '../aws/deadline.js';
import { describeError } from '../errors/index.js';
import { logger } from '../logging/index.js';
import { isConditionalFailure } from '../storage/items.js';
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
 * - `post-authentication`: the success.
 *
 * Cognito's retry is not a replay. Cognito invokes a trigger again, with the same event, only when
 * the first invocation did not answer within its 5 s; so every stage records on the claim when
 * the invocation has to answer by (`answerBy`), a digest of the event (`fingerprint`: what a retry
 * repeats exactly, the custom-auth answer included) and, once it has decided, its outcome and
 * whether it answered in time (`recordAnswer`). A later use of the nonce at that stage is
 * Cognito's retry only when all of these hold, checked by the claim's own condition (one write, no
 * read): the event is the same, the earlier invocation did not answer in time, its time to answer
 * has run out (Cognito waits for it before retrying), the claim is younger than `RETRY_WINDOW_MS`,
 * and fewer than `MAX_RETRIES` retries came before. A retry is the same attempt: it gets the
 * earlier decision when one was recorded, and counts nothing more (`attemptIdOf`: the id its
 * counts and single-use writes carry, the same for the first call and its retries). Anything else
 * with the nonce is a replay: counted, scored, believed in nothing.
 *
 * What an attacker holding a captured context can get out of it: nothing while its sign-in
 * answered in time (every use is a replay); when it did not (overload), at most `MAX_RETRIES`
 * uses within `RETRY_WINDOW_MS` of that very event (the same answer to the same challenge) that
 * count no attempt and get that sign-in's decision, the same the user's own retries get.
 *
 * Without a signed context there is nothing to tell a retry by: Cognito's event carries no id of
 * its own, and two InitiateAuth calls of one user with the same metadata send identical events,
 * so anything derived from the event would let a stranger's next guess pass as the retry of the
 * last. Such attempts (`kind: 'none'`) each count (README "Pre and post authentication").
 *
 * The claim expires when the context would be stale anyway (twice the context's maximum age).
 */
export type ContextStage =
  | 'pre-authentication'
  | 'post-authentication'
  | `define#${number}`
  | `verify#${number}`;

/** Cognito retries a trigger that has not answered within 5 s, up to three times, within this. */
export const RETRY_WINDOW_MS = 30_000;
export const MAX_RETRIES = 3;
/**
 * An answer counts as in time when given within this of the invocation's start (and before its
 * deadline): Cognito's 5 s also pay for a cold start and the network, which the function does not
 * see. An answer later than this lets a retry through (the safe side for the user).
 */
export const ANSWER_IN_TIME_MS = 4_000;

/** What this use of the context is. */
export type ContextUse =
  /** No context to claim (unsigned, forged, stale, no nonce): nothing to replay. */
  | { kind: 'none' }
  /** The first use of the nonce at this stage. */
  | ClaimedUse<'first'>
  /** Cognito's retry of an invocation that did not answer in time; `outcome` its decision, if it made one. */
  | (ClaimedUse<'retry'> & { outcome?: string })
  /** The nonce was used at this stage before: a replay. */
  | { kind: 'replay' };

interface ClaimedUse<K extends string> {
  kind: K;
  nonce: string;
  stage: ContextStage;
  /** `performance.now()` at the claim: in-time is measured on the monotonic clock. */
  startedAt: number;
  /** How long this invocation has to answer in time (ms from `startedAt`). */
  budgetMs: number;
}

/** True when the use's origin may be believed (not a replay). */
export const holds = (use: ContextUse): boolean => use.kind !== 'replay';

/**
 * The id of the attempt this use belongs to (the first call and Cognito's retries of it share it;
 * a replay or an unsigned attempt has none): what makes a count, or a single-use write, once per
 * attempt.
 */
export function attemptIdOf(use: ContextUse): string | undefined {
  return use.kind === 'first' || use.kind === 'retry' ? `${use.nonce}#${use.stage}` : undefined;
}

/** The decision the first call of a retried attempt recorded, if it made one. */
export function earlierOutcome(use: ContextUse): string | undefined {
  return use.kind === 'retry' ? use.outcome : undefined;
}

/** The parts of a trigger event Cognito repeats exactly when it retries an invocation. */
export interface RetriedEvent {
  triggerSource: string;
  userName: string;
  callerContext: { clientId: string };
  request: object;
}

/**
 * A digest of what Cognito sends again on its retry (the request, a custom-auth answer included):
 * a use with another event, even with the same context, is no retry. Kept as a digest, never the
 * values.
 */
export function eventFingerprint(event: RetriedEvent): string {
  const { triggerSource, userName, callerContext, request } = event;
  return createHash('sha256')
    .update(JSON.stringify([triggerSource, userName, callerContext.clientId, request]))
    .digest('base64url');
}

/**
 * Claims this stage's use of the origin's context for `event` (a later use is Cognito's retry
 * only with the same event: `eventFingerprint`).
 */
export async function claimContextUse(
  origin: VerifiedOrigin,
  stage: ContextStage,
  now: number,
  event: RetriedEvent,
): Promise<ContextUse> {
  if (!origin.nonce) return { kind: 'none' };
  const startedAt = performance.now();
  const deadline = invocationDeadline();
  const budgetMs = Math.max(
    0,
    Math.min(ANSWER_IN_TIME_MS, deadline === undefined ? ANSWER_IN_TIME_MS : deadline - Date.now()),
  );
  const expiresAt = nowSeconds(now) + 2 * signatureSettings().contextMaxAgeSeconds + 60;
  const retry =
    'fingerprint = :fingerprint AND attribute_not_exists(answeredInTime) AND answerBy <= :now AND claimedAt >= :windowStart AND uses <= :maxRetries';
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.signInContext(origin.nonce), sk: keys.contextUse(stage) },
        UpdateExpression:
          'SET claimedAt = if_not_exists(claimedAt, :now), answerBy = :answerBy, fingerprint = :fingerprint, expiresAt = if_not_exists(expiresAt, :expiresAt) ADD uses :one',
        ConditionExpression: `attribute_not_exists(pk) OR (${retry})`,
        ExpressionAttributeValues: {
          ':now': now,
          ':answerBy': now + budgetMs,
          ':fingerprint': eventFingerprint(event),
          ':expiresAt': expiresAt,
          ':one': 1,
          ':windowStart': now - RETRY_WINDOW_MS,
          ':maxRetries': MAX_RETRIES,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const claimed = { nonce: origin.nonce, stage, startedAt, budgetMs };
    if (Number(Attributes?.uses ?? 1) <= 1) return { kind: 'first', ...claimed };
    const outcome = Attributes?.outcome;
    return { kind: 'retry', ...claimed, ...(typeof outcome === 'string' ? { outcome } : {}) };
  } catch (error) {
    if (isConditionalFailure(error)) return { kind: 'replay' };
    throw error;
  }
}

/**
 * Records the decision of a first use or a retry on its claim, and whether it came in time (then a
 * later use is a replay). Best effort: without it, a later use within the window counts as a retry
 * (the user's side), so a failure is logged, not raised over the decision already made.
 */
export async function recordAnswer(use: ContextUse, outcome: string): Promise<void> {
  if (use.kind !== 'first' && use.kind !== 'retry') return;
  const inTime = performance.now() - use.startedAt <= use.budgetMs;
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.signInContext(use.nonce), sk: keys.contextUse(use.stage) },
        UpdateExpression: `SET outcome = :outcome${inTime ? ', answeredInTime = :true' : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':outcome': outcome, ...(inTime ? { ':true': true } : {}) },
      }),
    );
  } catch (error) {
    logger.warn('sign-in context answer not recorded', { stage: use.stage, error: describeError(error) });
  }
}

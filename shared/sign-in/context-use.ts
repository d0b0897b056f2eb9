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
 * the first invocation did not answer within its 5 s; so a stage that allows retries
 * (`retryable`) records on the claim when the invocation has to answer by (`answerBy`), and, once
 * it has decided, its outcome and whether it answered in time (`recordAnswer`). A later use of the
 * nonce at that stage is Cognito's retry only when all of these hold, checked by the claim's own
 * condition (one write, no read): the earlier invocation did not answer in time, its time to
 * answer has run out (Cognito waits for it before retrying), the claim is younger than
 * `RETRY_WINDOW_MS`, and fewer than `MAX_RETRIES` retries came before. A retry is the same attempt:
 * it gets the earlier decision when one was recorded, and counts nothing more. Anything else with
 * the nonce is a replay: counted, scored, believed in nothing.
 *
 * What an attacker holding a captured context can get out of it: nothing while its sign-in
 * answered in time (every use is a replay); when it did not (overload), at most `MAX_RETRIES`
 * uses within `RETRY_WINDOW_MS` that count no attempt and get that sign-in's decision, the same
 * the user's own retries get.
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
 * Claims this stage's use of the origin's context. Without `retryable`, any second use is a replay
 * (the custom-auth steps: see README "Replay of a signed context").
 */
export async function claimContextUse(
  origin: VerifiedOrigin,
  stage: ContextStage,
  now: number,
  retryable = false,
): Promise<ContextUse> {
  if (!origin.nonce) return { kind: 'none' };
  const startedAt = performance.now();
  const deadline = invocationDeadline();
  const budgetMs = Math.max(
    0,
    Math.min(ANSWER_IN_TIME_MS, deadline === undefined ? ANSWER_IN_TIME_MS : deadline - Date.now()),
  );
  const expiresAt = nowSeconds(now) + 2 * signatureSettings().contextMaxAgeSeconds + 60;
  const retry = retryable
    ? ' OR (attribute_not_exists(answeredInTime) AND answerBy <= :now AND claimedAt >= :windowStart AND uses <= :maxRetries)'
    : '';
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.signInContext(origin.nonce), sk: keys.contextUse(stage) },
        UpdateExpression:
          'SET claimedAt = if_not_exists(claimedAt, :now), answerBy = :answerBy, expiresAt = if_not_exists(expiresAt, :expiresAt) ADD uses :one',
        ConditionExpression: `attribute_not_exists(pk)${retry}`,
        ExpressionAttributeValues: {
          ':now': now,
          ':answerBy': now + budgetMs,
          ':expiresAt': expiresAt,
          ':one': 1,
          ...(retryable ? { ':windowStart': now - RETRY_WINDOW_MS, ':maxRetries': MAX_RETRIES } : {}),
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

/** The boolean form for the stages without retries: true unless the context is replayed. */
export async function useContextOnce(
  origin: VerifiedOrigin,
  stage: ContextStage,
  now: number,
): Promise<boolean> {
  return holds(await claimContextUse(origin, stage, now));
}

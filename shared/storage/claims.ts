import { createHash, randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { failedCallOutcome } from '../aws/outcome.js';
import { conditionalWrite, type ItemKey, isConditionalFailure, readItem } from './items.js';

export type { ItemKey } from './items.js';

import { documentClient, tableName } from './table.js';

/**
 * Effect claims: a side effect (a mail, a group membership) is claimed by a conditional write
 * before it runs, not marked after it ran, so concurrent and retried invocations (and the
 * onboarding sweeper) do it once.
 *
 * Each effect is a `step` on one item, with these attributes:
 * - `<step>`: the time it was done;
 * - `lease:<step>` / `owner:<step>`: the current claim, until the owner's deadline (epoch ms);
 * - `attempts:<step>`: claims made so far (bounded by `maxAttempts`);
 * - `closed:<step>`: why it will never run (again): `outcome-unknown` or `attempts-exhausted`.
 *
 * A claim succeeds only when the step is neither done nor closed, no live lease stands and
 * attempts are left. An attempt ends in one of three ways:
 * - done: `<step>` is written and the lease removed;
 * - failed, not done (the service answered with an error, or no connection was made): the claim is
 *   released, and the next attempt may run it;
 * - outcome unknown (`shared/aws/outcome.ts`: aborted at the deadline, timed out waiting for the
 *   answer, or the owner died holding the claim, which shows as a lapsed lease found by the next
 *   claim): an `at-most-once` effect is closed (never resent: SES cannot say whether it accepted
 *   the mail), an `at-least-once` one (idempotent, or where a duplicate is harmless) is left
 *   pending, held back for `quarantineMs` so that Cognito's immediate retries do not resend it.
 * An effect is never started with less than its `minimumBudgetMs` left before the deadline: it
 * is `deferred`, unclaimed, to whoever runs it later (the onboarding sweeper).
 */
export interface EffectPolicy {
  /** The time one attempt may take: it is not started with less left before the deadline. */
  minimumBudgetMs: number;
  unknownOutcome: 'at-most-once' | 'at-least-once';
  /** How long an at-least-once effect of unknown outcome waits before it may run again. */
  quarantineMs: number;
}

export interface ClaimOptions {
  /** Epoch ms (wall clock) at which this invocation ends: its lease, and the deadline of its effect. */
  deadline: number;
  /** Attempts (claims) allowed in all; past them the step is closed as `attempts-exhausted`. */
  maxAttempts: number;
  policy: EffectPolicy;
}

/** How the effect went for this invocation. */
export type ClaimOutcome =
  /** This invocation claimed and did it. */
  | { status: 'ran' }
  /** Done, or closed, before: not run again. */
  | { status: 'done' }
  /** Another invocation holds a live lease: left to it (or, if it dies, to the sweeper). */
  | { status: 'held' }
  /** Too little time left to start it: left unclaimed. */
  | { status: 'deferred' }
  /** It failed and certainly was not done: released for the next attempt. */
  | { status: 'failed'; error: unknown }
  /** It may or may not have been done; `closed` when its policy gave it up for good. */
  | { status: 'unknown'; closed: boolean; error?: unknown }
  /** Its attempts ran out: closed now, by this invocation. */
  | { status: 'abandoned'; attempts: number };

/** Time kept back before the deadline: to answer Cognito and to write the done marker. */
export const DEADLINE_RESERVE_MS = 400;

const leaseOf = (step: string) => `lease:${step}`;
const ownerOf = (step: string) => `owner:${step}`;
const attemptsOf = (step: string) => `attempts:${step}`;
const closedOf = (step: string) => `closed:${step}`;

/** Why a step was closed without being done. */
export type CloseReason = 'outcome-unknown' | 'attempts-exhausted';

/**
 * Runs `effect` once per `step` of `item` across every invocation, under `options.policy`. The
 * effect receives a signal that aborts before this invocation's lease ends; pass it to every call
 * the effect makes. Throws only when the table fails.
 */
export async function runOnce(
  item: ItemKey,
  step: string,
  effect: (signal: AbortSignal) => Promise<unknown>,
  options: ClaimOptions,
): Promise<ClaimOutcome> {
  const budget = () => options.deadline - Date.now() - DEADLINE_RESERVE_MS;
  if (budget() < options.policy.minimumBudgetMs) return { status: 'deferred' };
  const owner = randomUUID();
  const claimed = await claim(item, step, owner, options);
  if (!claimed) return whyNotClaimed(item, step, options.maxAttempts);
  if (claimed.previousLapsed && options.policy.unknownOutcome === 'at-most-once') {
    // The last owner died (or ran out of time) holding it: it may have sent it.
    await close(item, step, 'outcome-unknown', owner);
    return { status: 'unknown', closed: true };
  }
  if (budget() < options.policy.minimumBudgetMs) {
    await release(item, step, owner);
    return { status: 'deferred' };
  }
  try {
    await effect(AbortSignal.timeout(Math.max(budget(), 1)));
  } catch (error) {
    return settleFailure(item, step, owner, error, options.policy);
  }
  await markDone(item, step);
  return { status: 'ran' };
}

async function settleFailure(
  item: ItemKey,
  step: string,
  owner: string,
  error: unknown,
  policy: EffectPolicy,
): Promise<ClaimOutcome> {
  // A table failure here leaves the lease to lapse: the next claim then treats it as unknown.
  const quietly = (write: Promise<unknown>) => write.catch(() => undefined);
  if (failedCallOutcome(error) === 'not-done') {
    await quietly(release(item, step, owner));
    return { status: 'failed', error };
  }
  if (policy.unknownOutcome === 'at-most-once') {
    await quietly(close(item, step, 'outcome-unknown', owner));
    return { status: 'unknown', closed: true, error };
  }
  await quietly(quarantine(item, step, owner, Date.now() + policy.quarantineMs));
  return { status: 'unknown', closed: false, error };
}

/** After a refused claim: done or closed, held by a live lease, or out of attempts (closed now). */
async function whyNotClaimed(item: ItemKey, step: string, maxAttempts: number): Promise<ClaimOutcome> {
  const state = await readItem(item);
  if (isSettled(state, step)) return { status: 'done' };
  const attempts = Number(state?.[attemptsOf(step)] ?? 0);
  const lease = Number(state?.[leaseOf(step)] ?? 0);
  if (lease > Date.now() || attempts < maxAttempts) return { status: 'held' };
  return (await close(item, step, 'attempts-exhausted'))
    ? { status: 'abandoned', attempts }
    : { status: 'done' };
}

/**
 * The claim: the step not done nor closed, no lease (or a lapsed one, or this owner's own: an SDK
 * retry of a claim that was written), and attempts left. Tells whether a lapsed lease of another
 * owner was taken over: that owner's attempt has an unknown outcome.
 */
async function claim(item: ItemKey, step: string, owner: string, options: ClaimOptions) {
  const now = Date.now();
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: item,
        UpdateExpression: 'SET #lease = :until, #owner = :owner ADD #attempts :one',
        ConditionExpression:
          'attribute_not_exists(#done) AND attribute_not_exists(#closed)' +
          ' AND (attribute_not_exists(#lease) OR #lease <= :now OR #owner = :owner)' +
          ' AND (attribute_not_exists(#attempts) OR #attempts < :max)',
        ExpressionAttributeNames: {
          '#done': step,
          '#closed': closedOf(step),
          '#lease': leaseOf(step),
          '#owner': ownerOf(step),
          '#attempts': attemptsOf(step),
        },
        ExpressionAttributeValues: {
          ':until': options.deadline,
          ':owner': owner,
          ':now': now,
          ':one': 1,
          ':max': options.maxAttempts,
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const previousOwner = Attributes?.[ownerOf(step)];
    const previousLease = Attributes?.[leaseOf(step)];
    return { previousLapsed: previousLease !== undefined && previousOwner !== owner };
  } catch (error) {
    if (isConditionalFailure(error)) return undefined;
    throw error;
  }
}

async function markDone(item: ItemKey, step: string) {
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: item,
      UpdateExpression: 'SET #done = if_not_exists(#done, :at) REMOVE #lease, #owner',
      ExpressionAttributeNames: { '#done': step, '#lease': leaseOf(step), '#owner': ownerOf(step) },
      ExpressionAttributeValues: { ':at': new Date().toISOString() },
    }),
  );
}

/** Gives a claim back (failed, or deferred), only if this invocation still holds it. */
async function release(item: ItemKey, step: string, owner: string) {
  await conditionalWrite(
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: item,
        UpdateExpression: 'REMOVE #lease, #owner',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#lease': leaseOf(step), '#owner': ownerOf(step) },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    ),
  );
}

/** Holds an at-least-once step of unknown outcome back until `until`, owned by no one. */
async function quarantine(item: ItemKey, step: string, owner: string, until: number) {
  await conditionalWrite(
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: item,
        UpdateExpression: 'SET #lease = :until REMOVE #owner',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#lease': leaseOf(step), '#owner': ownerOf(step) },
        ExpressionAttributeValues: { ':owner': owner, ':until': until },
      }),
    ),
  );
}

/**
 * Closes a step for good: by its owner (an unknown outcome), or by anyone once no live lease
 * stands (attempts exhausted). True when this call closed it.
 */
async function close(item: ItemKey, step: string, reason: CloseReason, owner?: string) {
  return conditionalWrite(
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: item,
        UpdateExpression: 'SET #closed = :reason REMOVE #lease, #owner',
        ConditionExpression:
          'attribute_not_exists(#done) AND attribute_not_exists(#closed) AND ' +
          (owner ? '#owner = :owner' : '(attribute_not_exists(#lease) OR #lease <= :now)'),
        ExpressionAttributeNames: {
          '#done': step,
          '#closed': closedOf(step),
          '#lease': leaseOf(step),
          '#owner': ownerOf(step),
        },
        ExpressionAttributeValues: {
          ':reason': reason,
          ...(owner ? { ':owner': owner } : { ':now': Date.now() }),
        },
      }),
    ),
  );
}

/** True when `step` of a read item is done. */
export function isDone(state: Record<string, unknown> | undefined, step: string): boolean {
  return state !== undefined && Object.hasOwn(state, step);
}

/** True when `step` will not run again: done, or closed. */
export function isSettled(state: Record<string, unknown> | undefined, step: string): boolean {
  return isDone(state, step) || (state !== undefined && Object.hasOwn(state, closedOf(step)));
}

/** Why a read item's `step` was closed, if it was. */
export function closeReason(
  state: Record<string, unknown> | undefined,
  step: string,
): CloseReason | undefined {
  const reason = state?.[closedOf(step)];
  return typeof reason === 'string' ? (reason as CloseReason) : undefined;
}

/**
 * A stable digest of an event, its identity when it carries no id of its own: Cognito's retries of
 * one call send the same payload.
 */
export function eventDigest(event: unknown): string {
  return createHash('sha256').update(JSON.stringify(event)).digest('base64url');
}

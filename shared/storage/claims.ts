import { createHash, randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, type ItemKey, readItem } from './items.js';

export type { ItemKey } from './items.js';

import { documentClient, tableName } from './table.js';

/**
 * Effect claims: a side effect (a mail, a group membership) is claimed by a conditional write
 * before it runs, not marked after it ran, so concurrent and retried invocations of one trigger
 * do it once.
 *
 * Each effect is a `step` on one item: the attribute `<step>` holds the time it was done,
 * `lease:<step>` the end of the current claim (epoch ms) and `owner:<step>` who holds it. A claim
 * succeeds only when the step is not done and no live lease stands. The lease ends at the owner's
 * deadline (the end of its Lambda invocation): the owner aborts the effect before it, and the
 * runtime ends the owner at it, so a lease never outlives the invocation that holds it, and a claim
 * whose owner crashed is taken over by the first invocation after the lease. An invocation that
 * finds a live lease waits for the owner (it usually finishes first, leaving the step done) and
 * takes over if the lease lapses, within its own deadline.
 *
 * The window left: an owner that crashes, or runs into its deadline, after the service accepted
 * the effect and before the step is marked done: the next owner does the effect again
 * (at-least-once, never lost; that window is one DynamoDB write wide).
 */
export interface ClaimOptions {
  /** Epoch ms (wall clock) at which this invocation ends: its lease, and the deadline of its effects and waits. */
  deadline: number;
}

/** How the effect went for this invocation. */
export type ClaimOutcome =
  /** This invocation claimed and ran it. */
  | 'ran'
  /** Done before (by this or another invocation); not run again. */
  | 'done'
  /** Another invocation holds a live lease that outlasted this invocation's wait: left to it. */
  | 'held';

/** Time kept back before the deadline: to answer Cognito and to write the done marker. */
export const DEADLINE_RESERVE_MS = 400;
const POLL_MS = 50;

const leaseOf = (step: string) => `lease:${step}`;
const ownerOf = (step: string) => `owner:${step}`;

/**
 * Runs `effect` once per `step` of `item` across every invocation. The effect receives a signal
 * that aborts before this invocation's lease ends; pass it to every call the effect makes. A
 * failing effect releases its claim (the next invocation, or a waiting one, runs it again) and
 * the error propagates.
 */
export async function runOnce(
  item: ItemKey,
  step: string,
  effect: (signal: AbortSignal) => Promise<unknown>,
  options: ClaimOptions,
): Promise<ClaimOutcome> {
  const now = Date.now;
  const owner = randomUUID();
  for (;;) {
    if (await claim(item, step, owner, options.deadline, now())) {
      await runClaimed(item, step, owner, effect, options.deadline - now() - DEADLINE_RESERVE_MS);
      await markDone(item, step, now());
      return 'ran';
    }
    if (isDone(await readItem(item), step)) return 'done';
    if (now() + POLL_MS >= options.deadline - DEADLINE_RESERVE_MS) return 'held';
    await new Promise((resume) => setTimeout(resume, POLL_MS));
  }
}

async function runClaimed(
  item: ItemKey,
  step: string,
  owner: string,
  effect: (signal: AbortSignal) => Promise<unknown>,
  budgetMs: number,
) {
  try {
    await effect(AbortSignal.timeout(Math.max(budgetMs, 1)));
  } catch (error) {
    await release(item, step, owner).catch(() => undefined);
    throw error;
  }
}

/** The claim: the step not done, and no lease, or a lapsed one. */
async function claim(item: ItemKey, step: string, owner: string, leaseUntil: number, now: number) {
  return conditionalWrite(
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: item,
        UpdateExpression: 'SET #lease = :until, #owner = :owner',
        ConditionExpression:
          'attribute_not_exists(#done) AND (attribute_not_exists(#lease) OR #lease <= :now)',
        ExpressionAttributeNames: { '#done': step, '#lease': leaseOf(step), '#owner': ownerOf(step) },
        ExpressionAttributeValues: { ':until': leaseUntil, ':owner': owner, ':now': now },
      }),
    ),
  );
}

async function markDone(item: ItemKey, step: string, now: number) {
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: item,
      UpdateExpression: 'SET #done = if_not_exists(#done, :at) REMOVE #lease, #owner',
      ExpressionAttributeNames: { '#done': step, '#lease': leaseOf(step), '#owner': ownerOf(step) },
      ExpressionAttributeValues: { ':at': new Date(now).toISOString() },
    }),
  );
}

/** Gives a failed effect back, only if this invocation still holds it. */
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

/** True when `step` of a read item is done. */
export function isDone(state: Record<string, unknown> | undefined, step: string): boolean {
  return state !== undefined && Object.hasOwn(state, step);
}

/**
 * A stable digest of an event, its identity when it carries no id of its own: Cognito's retries of
 * one call send the same payload.
 */
export function eventDigest(event: unknown): string {
  return createHash('sha256').update(JSON.stringify(event)).digest('base64url');
}

import { createHash } from 'node:crypto';
import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DeleteCommand, PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { CALL_LIMITS } from '../aws/clients.js';
import type { CognitoSender } from '../aws/cognito.js';
import { SINGLE_ATTEMPT_LIMITS } from '../aws/ses.js';
import { sendTemplatedEmail } from '../mail/send.js';
import type { EffectPolicy, ItemKey } from '../storage/claims.js';
import { conditionalWrite, isConditionalFailure, readItem } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, tableName } from '../storage/table.js';

/**
 * The onboarding outbox: the durable record of post confirmation's effects (default groups, the
 * welcome mail, the password-changed mail) that are not settled yet.
 *
 * Before the first effect of an item runs, post confirmation writes one entry for it, once (a put
 * conditional on its absence), describing every effect fully (the group and pool, the mail's
 * kind, address and values, all taken from what Cognito sent: the user's attributes, never the
 * client's metadata). The effects themselves are claimed on their own item (`storage/claims.ts`),
 * so post confirmation, Cognito's retries of it and the sweeper share one claim per effect. Whoever
 * sees every effect of an item settled deletes its entry; the onboarding sweeper
 * (`./sweeper.ts`, every minute) runs what an entry still has pending once it is due.
 */

/** One effect, described well enough for the sweeper to run it without the event. */
const effectSpecSchema = v.variant('type', [
  v.strictObject({
    step: v.pipe(v.string(), v.startsWith('group:')),
    type: v.literal('group'),
    userPoolId: v.pipe(v.string(), v.minLength(1), v.maxLength(55)),
    userName: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
    group: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  }),
  v.strictObject({
    step: v.picklist(['welcomeSentAt', 'notifiedAt']),
    type: v.literal('mail'),
    kind: v.picklist(['welcome', 'password-changed']),
    to: v.pipe(v.string(), v.minLength(3), v.maxLength(320)),
    locale: v.optional(v.pipe(v.string(), v.maxLength(35))),
    values: v.record(v.string(), v.string()),
  }),
]);

export type EffectSpec = v.InferOutput<typeof effectSpecSchema>;

const entrySchema = v.object({
  pk: v.string(),
  sk: v.string(),
  itemPk: v.pipe(v.string(), v.startsWith('USER#')),
  itemSk: v.string(),
  effects: v.pipe(v.array(effectSpecSchema), v.minLength(1), v.maxLength(50)),
  dueAt: v.number(),
  sweeps: v.optional(v.number()),
});

export type OutboxEntry = v.InferOutput<typeof entrySchema>;

/** An entry as the sweeper reads it: checked, or the reason it is unreadable. */
export function parseEntry(raw: Record<string, unknown>): OutboxEntry | { unreadable: string } {
  const result = v.safeParse(entrySchema, raw);
  if (result.success) return result.output;
  const issue = result.issues[0];
  // What was expected, never what was found: an entry holds addresses and names, and this goes to the log.
  return { unreadable: `${v.getDotPath(issue) ?? '(entry)'}: expected ${issue.expected}` };
}

/** Shard partitions of the outbox: sign-ups spread over them; the sweeper Queries each. */
export const OUTBOX_SHARDS = 4;

/** How long after it is opened an entry waits for the sweeper: post confirmation and Cognito's retries go first. */
export const SWEEP_GRACE_MS = 30_000;

/** How long a password-changed mail of unknown outcome waits before it is sent again: past Cognito's retries. */
const RESEND_QUARANTINE_MS = 60_000;

/**
 * The policy of each effect (see `storage/claims.ts`):
 * - a group membership is idempotent (adding a member twice is a no-op): retried whatever the
 *   outcome, and worth starting with little time left;
 * - the welcome mail is at most once: a mail whose outcome is unknown is closed and counted,
 *   never resent (a duplicate is what the user sees; a missing welcome blocks nothing);
 * - the password-changed mail is at least once: a security notice whose loss could hide an
 *   account takeover, while a second copy harms no one; resent after a quarantine.
 * A mail starts only with a whole SES attempt (its 3 s request timeout) left, so that the deadline
 * never cuts a send SES would have answered.
 */
export function policyOf(spec: EffectSpec): EffectPolicy {
  if (spec.type === 'group')
    return { minimumBudgetMs: 300, unknownOutcome: 'at-least-once', quarantineMs: 0 };
  if (spec.kind === 'welcome') {
    return {
      minimumBudgetMs: SINGLE_ATTEMPT_LIMITS.requestTimeoutMs,
      unknownOutcome: 'at-most-once',
      quarantineMs: 0,
    };
  }
  return {
    minimumBudgetMs: CALL_LIMITS.ses.requestTimeoutMs,
    unknownOutcome: 'at-least-once',
    quarantineMs: RESEND_QUARANTINE_MS,
  };
}

/** The metric dimension of an effect: `group`, `welcome` or `password-changed`. */
export const effectName = (spec: EffectSpec): string => (spec.type === 'group' ? 'group' : spec.kind);

/** Runs one effect, within `signal`. */
export async function perform(spec: EffectSpec, signal: AbortSignal, cognito: () => CognitoSender) {
  if (spec.type === 'group') {
    await cognito().send(
      new AdminAddUserToGroupCommand({
        UserPoolId: spec.userPoolId,
        Username: spec.userName,
        GroupName: spec.group,
      }),
      { abortSignal: signal },
    );
    return;
  }
  await sendTemplatedEmail({
    kind: spec.kind,
    to: spec.to,
    ...(spec.locale ? { locale: spec.locale } : {}),
    values: spec.values,
    signal,
    singleAttempt: policyOf(spec).unknownOutcome === 'at-most-once',
  });
}

/** The entry of the effects claimed on `item`. */
export function entryKey(item: ItemKey): ItemKey {
  const digest = createHash('sha256').update(`${item.pk}\n${item.sk}`).digest();
  return { pk: keys.outbox(digest[0]! % OUTBOX_SHARDS), sk: keys.outboxEntry(item.pk, item.sk) };
}

/**
 * Writes the entry of `item`'s effects, once, and returns the effects it holds: these, or those of
 * the invocation that wrote it first (a retry of the event runs what was recorded, never a variant).
 */
export async function openEntry(item: ItemKey, effects: EffectSpec[], now: number): Promise<EffectSpec[]> {
  if (await putEntry(item, effects, now, now + SWEEP_GRACE_MS)) return effects;
  const stored = await readItem(entryKey(item));
  const entry = stored ? parseEntry(stored) : undefined;
  // Deleted meanwhile (every effect settled), or unreadable (the sweeper reports it): these then.
  if (!entry || 'unreadable' in entry) return effects;
  const steps = new Set(effects.map((spec) => spec.step));
  return entry.effects.filter((spec) => steps.has(spec.step));
}

/** Puts `item`'s entry, due at `dueAt`, unless one stands: true when this call wrote it. */
export function putEntry(item: ItemKey, effects: EffectSpec[], now: number, dueAt: number): Promise<boolean> {
  return conditionalWrite(
    documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...entryKey(item), itemPk: item.pk, itemSk: item.sk, effects, dueAt, createdAt: now },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** Deletes the entry once every effect of `item` is settled. */
export async function closeEntry(item: ItemKey): Promise<void> {
  await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: entryKey(item) }));
}

/** Sets when the sweeper looks at an entry next, and counts the sweep. */
export async function postponeEntry(entry: ItemKey, dueAt: number): Promise<void> {
  await documentClient()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: entry.pk, sk: entry.sk },
        UpdateExpression: 'SET dueAt = :due ADD sweeps :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':due': dueAt, ':one': 1 },
      }),
    )
    .catch((error: unknown) => {
      // Deleted meanwhile (another sweep, or post confirmation finished it): nothing to postpone.
      if (!isConditionalFailure(error)) throw error;
    });
}

/** Up to `limit` entries of one shard that are due at `now` (raw: the sweeper parses each). */
export async function dueEntries(
  shard: number,
  now: number,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const due: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: documentClient() },
    {
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'dueAt <= :now',
      ExpressionAttributeValues: { ':pk': keys.outbox(shard), ':now': now },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    due.push(...(page.Items ?? []));
    if (due.length >= limit) break;
  }
  return due.slice(0, limit);
}

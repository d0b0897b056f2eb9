import { BatchGetCommand, DeleteCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../logging/index.js';
import { recipientName } from '../mail/recipient.js';
import type { CloseReason, ItemKey } from '../storage/claims.js';
import { conditionalWrite, readItem } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';
import { type EffectSpec, entryKey, putEntry } from './outbox.js';

/**
 * The operator's resend of a welcome mail the outbox closed: of unknown outcome (SES may or may not
 * have sent it, and the outbox sends a welcome at most once, `./outbox.ts`) or after every attempt
 * failed. Nothing resends it by itself; `npm run onboarding -- resend-welcome <user>` does, once.
 *
 * - When post confirmation (or the sweeper) closes a welcome, it lists the user under
 *   `WELCOME#closed` / `USER#<sub>` (the reason and the time, never the address), for
 *   `npm run onboarding -- closed-welcomes`; kept `LIST_DAYS`.
 * - A resend is queued as an outbox entry of its own item (`USER#<sub>` / `ONBOARDING#welcome-resend`),
 *   due at once: the onboarding sweeper sends it within a minute, through the same claim and
 *   at-most-once policy as the first welcome, with the stage's own mail settings and role. The
 *   mail goes to the address and name of the user's profile (what Cognito sent at sign-up).
 * - Once: a second request finds the resend sent, closed or queued and queues nothing, unless
 *   forced (`force`), which forgets a settled resend (never one a sweep is running) and queues it
 *   again.
 */
export const LIST_DAYS = 90;

/** Why a user's welcome was closed, as the outbox closed it. */
export type ClosedReason = CloseReason;

/** Where an operator's resend of a user's welcome stands. */
export type ResendState =
  | { status: 'none' }
  | { status: 'queued' }
  | { status: 'sending' }
  | { status: 'sent'; at: string }
  | { status: 'closed'; reason: string };

/** A user whose welcome the outbox closed. */
export interface ClosedWelcome {
  sub: string;
  userName?: string;
  closedAt: number;
  reason: string;
  resend: ResendState;
}

const WELCOME_STEP = 'welcomeSentAt';
const resendItem = (sub: string): ItemKey => ({ pk: keys.user(sub), sk: keys.welcomeResend() });
const onboardingItem = (sub: string): ItemKey => ({ pk: keys.user(sub), sk: keys.onboarding() });
const profileItem = (sub: string): ItemKey => ({ pk: keys.user(sub), sk: keys.profile() });
const subOf = (userPk: string) => userPk.slice(keys.user('').length);

/**
 * Lists the user of a closed welcome (the first closing stands; a later one of the same user, from
 * a concurrent invocation, changes nothing). Only the sign-up's own welcome: a resend closed again
 * shows on its own item.
 */
export async function recordClosedWelcome(item: ItemKey, reason: ClosedReason, now: number): Promise<void> {
  if (item.sk !== keys.onboarding()) return;
  // An UpdateItem (the sweeper's role has no PutItem), each attribute set only if absent.
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.closedWelcomes(), sk: item.pk },
      UpdateExpression:
        'SET closedAt = if_not_exists(closedAt, :now), reason = if_not_exists(reason, :reason), expiresAt = if_not_exists(expiresAt, :expiresAt)',
      ExpressionAttributeValues: {
        ':now': now,
        ':reason': reason,
        ':expiresAt': nowSeconds(now) + LIST_DAYS * 86_400,
      },
    }),
  );
}

/** Every listed user with a closed welcome, oldest first, with where a resend stands. */
export async function closedWelcomes(now = Date.now()): Promise<ClosedWelcome[]> {
  const listed: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: documentClient() },
    {
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.closedWelcomes() },
    },
  );
  for await (const page of pages) {
    listed.push(...(page.Items ?? []).filter((item) => Number(item.expiresAt) > nowSeconds(now)));
  }
  const rows: ClosedWelcome[] = [];
  // BatchGetItem takes 100 keys: 33 users' profile, resend item and resend entry at a time.
  for (let at = 0; at < listed.length; at += 33) {
    const batch = listed.slice(at, at + 33).map((item) => subOf(String(item.sk)));
    const found = await getAll(
      batch.flatMap((sub) => [profileItem(sub), resendItem(sub), entryKey(resendItem(sub))]),
    );
    for (const [index, sub] of batch.entries()) {
      const item = listed[at + index]!;
      const userName = found.get(keyOf(profileItem(sub)))?.userName;
      rows.push({
        sub,
        ...(typeof userName === 'string' ? { userName } : {}),
        closedAt: Number(item.closedAt),
        reason: String(item.reason),
        resend: resendState(
          found.get(keyOf(resendItem(sub))),
          found.has(keyOf(entryKey(resendItem(sub)))),
          now,
        ),
      });
    }
  }
  return rows.sort((a, b) => a.closedAt - b.closedAt);
}

const keyOf = (item: ItemKey) => `${item.pk}\n${item.sk}`;

async function getAll(items: ItemKey[]): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let wanted: ItemKey[] = items;
  for (let round = 0; round < 3 && wanted.length > 0; round++) {
    const { Responses, UnprocessedKeys } = await documentClient().send(
      new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: wanted, ConsistentRead: true } } }),
    );
    for (const item of Responses?.[tableName()] ?? []) found.set(keyOf(item as ItemKey), item);
    wanted = (UnprocessedKeys?.[tableName()]?.Keys ?? []) as ItemKey[];
  }
  if (wanted.length > 0) throw new Error('closed welcomes could not be read (keys left unprocessed)');
  return found;
}

function resendState(state: Record<string, unknown> | undefined, queued: boolean, now: number): ResendState {
  const sent = state?.[WELCOME_STEP];
  if (typeof sent === 'string') return { status: 'sent', at: sent };
  const closed = state?.[`closed:${WELCOME_STEP}`];
  if (typeof closed === 'string') return { status: 'closed', reason: closed };
  if (Number(state?.[`lease:${WELCOME_STEP}`] ?? 0) > now) return { status: 'sending' };
  return queued ? { status: 'queued' } : { status: 'none' };
}

/** What a resend request did. */
export type ResendResult =
  /** Queued: the sweeper sends it within a minute. */
  | { status: 'queued'; sub: string }
  /** Nothing done: the resend is sent, closed, queued or being sent already (force to send again). */
  | { status: 'already'; sub: string; resend: ResendState }
  /** Nothing done: this user's welcome is not closed (sent, still run by the outbox, or never recorded). */
  | { status: 'not-closed'; sub: string; welcome: 'sent' | 'pending' | 'unknown user' }
  /** Nothing done: the user's profile holds no address to send it to. */
  | { status: 'no-address'; sub: string };

/**
 * Queues one resend of the closed welcome of `user` (a listed userName or a `sub`), unless one was
 * sent, closed or queued already; `force` forgets a settled resend and queues it again.
 */
export async function queueWelcomeResend(
  user: string,
  options: { force?: boolean; now?: number } = {},
): Promise<ResendResult> {
  const now = options.now ?? Date.now();
  const sub = await resolveSub(user, now);
  const [welcome, resend, queued, profile] = await Promise.all([
    readItem(onboardingItem(sub)),
    readItem(resendItem(sub)),
    readItem(entryKey(resendItem(sub))),
    readItem(profileItem(sub)),
  ]);
  if (typeof welcome?.[WELCOME_STEP] === 'string') return { status: 'not-closed', sub, welcome: 'sent' };
  if (typeof welcome?.[`closed:${WELCOME_STEP}`] !== 'string')
    return { status: 'not-closed', sub, welcome: welcome || profile ? 'pending' : 'unknown user' };
  const state = resendState(resend, queued !== undefined, now);
  const settled = state.status === 'sent' || state.status === 'closed';
  if (state.status !== 'none' && !(settled && options.force))
    return { status: 'already', sub, resend: state };
  const to = typeof profile?.email === 'string' ? profile.email : '';
  if (!to) return { status: 'no-address', sub };
  if (settled && !(await forget(sub, now))) return { status: 'already', sub, resend: { status: 'sending' } };
  const spec: EffectSpec = {
    step: WELCOME_STEP,
    type: 'mail',
    kind: 'welcome',
    to,
    ...(typeof profile?.locale === 'string' ? { locale: profile.locale } : {}),
    values: { name: recipientName(profile as Record<string, string>) ?? '' },
  };
  if (!(await putEntry(resendItem(sub), [spec], now, now)))
    return { status: 'already', sub, resend: { status: 'queued' } };
  logger.info('welcome mail resend queued', { user: keys.user(sub), forced: settled });
  return { status: 'queued', sub };
}

/** A listed userName (or sub), else `user` taken for a sub (a welcome closed before the list existed). */
async function resolveSub(user: string, now: number): Promise<string> {
  const listed = await closedWelcomes(now);
  return listed.find((row) => row.userName === user || row.sub === user)?.sub ?? user;
}

/** Forgets a settled resend so that it can run again: never while a sweep holds its claim. */
async function forget(sub: string, now: number): Promise<boolean> {
  return conditionalWrite(
    documentClient().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: resendItem(sub),
        ConditionExpression: 'attribute_not_exists(#lease) OR #lease <= :now',
        ExpressionAttributeNames: { '#lease': `lease:${WELCOME_STEP}` },
        ExpressionAttributeValues: { ':now': now },
      }),
    ),
  );
}

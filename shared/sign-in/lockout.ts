import { BatchGetCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../logging/index.js';
import { countMetric, METRIC } from '../observability/metrics.js';
import { UNFAMILIAR_LOCKOUT_EVENT } from '../risk/contract.js';
import { conditionalWrite, isConditionalFailure } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, nowSeconds, tableName } from '../storage/table.js';
import type { VerifiedOrigin } from './origin.js';

/**
 * Lockout after too many sign-in attempts without a success, that a stranger cannot turn into a
 * weapon ("smart lockout", as Microsoft Entra ID does it).
 *
 * Cognito calls no trigger when a password is wrong, so every attempt is counted when it starts
 * (pre authentication, migrate user, and each wrong custom-auth answer) and a success clears the
 * count (post authentication). Attempts are counted on one of two sides: `familiar` when the
 * attempt's verified origin (a signed context, see `origin.ts`) is a device or network the user
 * signed in from before, `unfamiliar` otherwise. Each side has its own counter and its own lock,
 * so a stranger's failures lock only the unfamiliar side while the user keeps signing in from
 * their own device or network.
 *
 * Everything lives in the partition of the attempt's identity (`identityKey`): `sub` for a
 * known user, the lower-cased name otherwise, in separate key spaces. Counters are fixed windows
 * (`FAILED#<side>#<windowStart>`, an atomic ADD, so concurrent attempts each get their own count)
 * read as a sliding window: the previous window's count weighs in by the share of it that still
 * lies within one window of now, so a burst across a window boundary gets no second allowance.
 */
export interface LockoutPolicy {
  lockoutMaxAttempts: number;
  lockoutWindowSeconds: number;
  lockoutDurationSeconds: number;
  /** How long a familiar place stays familiar after the last sign-in from it (days). */
  deviceRetentionDays: number;
}

export type LockoutSide = 'familiar' | 'unfamiliar';
const SIDES: readonly LockoutSide[] = ['familiar', 'unfamiliar'];
const DAY_MS = 86_400_000;
/** BatchGetItem may leave keys unprocessed under throttling: asked again this many times. */
const BATCH_ATTEMPTS = 3;

/** What one attempt's lockout looks like before it is counted. */
export interface LockState {
  subject: string;
  side: LockoutSide;
  /** The side of this attempt is locked: refuse without counting. */
  locked: boolean;
  /** Attempts counted on this side in the previous window (the sliding count's tail). */
  previousAttempts: number;
}

/** The events that carry a user: Cognito's sign-in and migration triggers. */
export interface LockoutIdentity {
  userName: string;
  request: { userAttributes?: Record<string, string> | null; userNotFound?: boolean };
}

/**
 * The partition key of the attempt's identity (`IDENTITY#sub#<sub>` / `IDENTITY#name#<name>`). A
 * known user is their `sub`; an unknown user (or one Cognito does not have yet, as in migration)
 * is the lower-cased name. A name equal to a victim's `sub` lands in the `name` key space and
 * never counts on the victim's lockout.
 */
export function identityKey(event: LockoutIdentity): string {
  const sub = event.request.userNotFound === true ? undefined : event.request.userAttributes?.sub;
  return sub ? keys.identity('sub', sub) : keys.identity('name', event.userName.toLowerCase());
}

/** Start of the fixed window holding `now`, epoch milliseconds. */
export function windowStart(now: number, policy: Pick<LockoutPolicy, 'lockoutWindowSeconds'>): number {
  const size = policy.lockoutWindowSeconds * 1000;
  return Math.floor(now / size) * size;
}

const windowSize = (policy: LockoutPolicy) => policy.lockoutWindowSeconds * 1000;

function placeKeys(origin: VerifiedOrigin): string[] {
  return [
    ...(origin.deviceId ? [keys.knownPlace('device', origin.deviceId)] : []),
    ...(origin.network ? [keys.knownPlace('network', origin.network)] : []),
  ];
}

/**
 * One read (BatchGetItem) tells the side of this attempt (is its verified device or network a
 * known place?), whether that side is locked, and the previous window's count. `originHolds`
 * (the claim of the context's use at this stage, sent alongside: `claimContextUse`) false means
 * the context is replayed: the attempt is unfamiliar, whatever places it names.
 */
export async function readLockState(
  subject: string,
  origin: VerifiedOrigin,
  policy: LockoutPolicy,
  now = Date.now(),
  originHolds: Promise<boolean> = Promise.resolve(true),
): Promise<LockState> {
  const previous = windowStart(now, policy) - windowSize(policy);
  const sortKeys = [
    ...SIDES.map((side) => keys.lockedSide(side)),
    ...SIDES.map((side) => keys.failedAttempts(side, previous)),
    ...placeKeys(origin),
  ];
  const [items, holds] = await Promise.all([batchGet(subject, sortKeys, now), originHolds]);
  const known = holds && placeKeys(origin).some((sk) => items.has(sk));
  const side: LockoutSide = known ? 'familiar' : 'unfamiliar';
  const lockedUntil = Number(items.get(keys.lockedSide(side))?.lockedUntil ?? 0);
  return {
    subject,
    side,
    locked: lockedUntil > now,
    previousAttempts: Number(items.get(keys.failedAttempts(side, previous))?.attempts ?? 0),
  };
}

async function batchGet(
  pk: string,
  sortKeys: string[],
  now: number,
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let wanted = sortKeys.map((sk) => ({ pk, sk }));
  for (let round = 0; round < BATCH_ATTEMPTS && wanted.length > 0; round++) {
    const { Responses, UnprocessedKeys } = await documentClient().send(
      new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: wanted } } }),
    );
    for (const item of Responses?.[tableName()] ?? []) {
      if (!isExpired(item, now)) found.set(String(item.sk), item);
    }
    wanted = (UnprocessedKeys?.[tableName()]?.Keys ?? []) as typeof wanted;
  }
  if (wanted.length > 0) throw new Error('lockout state could not be read (keys left unprocessed)');
  return found;
}

/**
 * Counts one failed (or not yet proven) attempt on its side and locks that side when the sliding
 * count passes the limit. Returns true when this attempt is over the limit (the caller refuses it).
 *
 * `attemptId` (`attemptIdOf`: the nonce of the attempt's own signed context and its stage, never a
 * replayed one) makes the count once per attempt: it joins the window's `attemptIds` set in the same atomic write, which
 * is refused when the set holds it already, so Cognito's retry of an invocation that counted
 * before it ran out of time counts nothing more. Such a retry is not over the limit by its own
 * count: the lock, if the first call set one, is what `readLockState` found.
 */
export async function countFailure(
  state: LockState,
  policy: LockoutPolicy,
  now = Date.now(),
  attemptId?: string,
): Promise<boolean> {
  const start = windowStart(now, policy);
  const size = windowSize(policy);
  let attempts: number;
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: state.subject, sk: keys.failedAttempts(state.side, start) },
        // The item outlives its window by one more: it is the next window's sliding tail.
        UpdateExpression: `ADD attempts :one${attemptId ? ', attemptIds :ids' : ''} SET expiresAt = if_not_exists(expiresAt, :expiresAt)`,
        ...(attemptId ? { ConditionExpression: 'NOT contains(attemptIds, :id)' } : {}),
        ExpressionAttributeValues: {
          ':one': 1,
          ':expiresAt': nowSeconds(start + 2 * size) + 60,
          ...(attemptId ? { ':ids': new Set([attemptId]), ':id': attemptId } : {}),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    attempts = Number(Attributes?.attempts ?? 0);
  } catch (error) {
    if (attemptId && isConditionalFailure(error)) return false;
    throw error;
  }
  const tail = state.previousAttempts * (1 - (now - start) / size);
  if (attempts + tail <= policy.lockoutMaxAttempts) return false;
  // The lock lasts until this window has left the sliding count, so stale counts cannot re-lock at once.
  await lock(state, Math.max(now + policy.lockoutDurationSeconds * 1000, start + 2 * size), now);
  return true;
}

/** Writes the lock unless a live one exists (concurrent lockers must not extend each other's). */
async function lock(state: LockState, lockedUntil: number, now: number): Promise<void> {
  const locked = await conditionalWrite(
    documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          pk: state.subject,
          sk: keys.lockedSide(state.side),
          lockedUntil,
          expiresAt: nowSeconds(lockedUntil) + 1,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR lockedUntil <= :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    ),
  );
  if (!locked) return;
  await signalLock(state, lockedUntil, now);
}

/**
 * The lock of the unfamiliar side is what an attack looks like: a warning in the logs, and for a
 * known user a `SECURITY#<time>#unfamiliar-lockout` item in their partition, which the risk
 * engine's one history Query reads (signal `unfamiliar-lockout`: for a day, an attempt from a
 * network the user never signed in from scores higher).
 */
async function signalLock(state: LockState, lockedUntil: number, now: number): Promise<void> {
  const sub = subOf(state.subject);
  const log = state.side === 'unfamiliar' ? logger.warn.bind(logger) : logger.info.bind(logger);
  log('sign-in locked', { lockout: { side: state.side, knownUser: sub !== undefined, lockedUntil } });
  // Stage-wide (what the surge alarm watches) and by side (unfamiliar: what an attack looks like).
  countMetric(METRIC.lockouts, {}, { side: state.side });
  if (state.side !== 'unfamiliar' || sub === undefined) return;
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        pk: keys.user(sub),
        sk: keys.securityEvent(new Date(now).toISOString(), UNFAMILIAR_LOCKOUT_EVENT),
        at: now,
        lockedUntil,
        expiresAt: nowSeconds(lockedUntil) + 30 * 86_400,
      },
    }),
  );
}

/** The `sub` of a known user's identity key, else undefined. */
function subOf(subject: string): string | undefined {
  const prefix = keys.identity('sub', '');
  return subject.startsWith(prefix) ? subject.slice(prefix.length) : undefined;
}

/**
 * After a success (the password or challenge proven): resets the counters of the success's side
 * in this window and the one before, and remembers its verified device and network as familiar.
 * The other side keeps its count: a user's success does not hand a stranger a fresh allowance.
 */
export async function clearAttempts(
  subject: string,
  origin: VerifiedOrigin,
  policy: LockoutPolicy,
  now = Date.now(),
): Promise<void> {
  const state = await readLockState(subject, origin, policy, now);
  const start = windowStart(now, policy);
  const expiresAt = nowSeconds(now + policy.deviceRetentionDays * DAY_MS);
  await Promise.all([
    ...[start, start - windowSize(policy)].map((window) => resetWindow(subject, state.side, window)),
    ...placeKeys(origin).map((sk) =>
      documentClient().send(
        new PutCommand({ TableName: tableName(), Item: { pk: subject, sk, lastSeen: now, expiresAt } }),
      ),
    ),
  ]);
}

async function resetWindow(subject: string, side: LockoutSide, window: number): Promise<void> {
  await conditionalWrite(
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: subject, sk: keys.failedAttempts(side, window) },
        UpdateExpression: 'SET attempts = :zero',
        ConditionExpression: 'attribute_exists(pk) AND attempts > :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    ),
  );
}

/** Attempts counted on `side` in the window of `now` (0 when none). */
export async function attemptsInWindow(
  subject: string,
  side: LockoutSide,
  policy: LockoutPolicy,
  now = Date.now(),
): Promise<number> {
  const items = await batchGet(subject, [keys.failedAttempts(side, windowStart(now, policy))], now);
  return Number(items.values().next().value?.attempts ?? 0);
}

/** What an operator sees of a user's lockout, per side and overall. */
export interface LockoutState {
  /** The latest lock of either side (epoch milliseconds); absent when neither is locked. */
  lockedUntil?: number;
  /** Attempts without a success counted in the current window, both sides. */
  attemptsInWindow: number;
  maxAttempts: number;
  sides: Record<LockoutSide, { lockedUntil?: number; attemptsInWindow: number }>;
}

/** A known user's lockout as it stands at `now` (one BatchGetItem). */
export async function lockoutState(
  sub: string,
  policy: LockoutPolicy,
  now = Date.now(),
): Promise<LockoutState> {
  const subject = keys.identity('sub', sub);
  const start = windowStart(now, policy);
  const items = await batchGet(
    subject,
    SIDES.flatMap((side) => [keys.lockedSide(side), keys.failedAttempts(side, start)]),
    now,
  );
  const sides = {} as LockoutState['sides'];
  for (const side of SIDES) {
    const until = Number(items.get(keys.lockedSide(side))?.lockedUntil ?? 0);
    sides[side] = {
      ...(until > now ? { lockedUntil: until } : {}),
      attemptsInWindow: Number(items.get(keys.failedAttempts(side, start))?.attempts ?? 0),
    };
  }
  const lockedUntil = Math.max(0, ...SIDES.map((side) => sides[side].lockedUntil ?? 0));
  return {
    ...(lockedUntil > 0 ? { lockedUntil } : {}),
    attemptsInWindow: sides.familiar.attemptsInWindow + sides.unfamiliar.attemptsInWindow,
    maxAttempts: policy.lockoutMaxAttempts,
    sides,
  };
}

/**
 * An operator's unlock of a known user: both sides' locks go and their attempts of this window
 * and the one before are reset, so the next attempt is not the one over the limit again.
 */
export async function unlock(sub: string, policy: LockoutPolicy, now = Date.now()): Promise<void> {
  const subject = keys.identity('sub', sub);
  const start = windowStart(now, policy);
  await Promise.all(
    SIDES.flatMap((side) => [
      documentClient().send(
        new DeleteCommand({ TableName: tableName(), Key: { pk: subject, sk: keys.lockedSide(side) } }),
      ),
      resetWindow(subject, side, start),
      resetWindow(subject, side, start - windowSize(policy)),
    ]),
  );
}

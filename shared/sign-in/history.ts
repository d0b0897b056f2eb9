import { createHash } from 'node:crypto';
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { invocationDeadline } from '../aws/deadline.js';
import type { SignInAttempt, VerifiedContext } from '../risk/contract.js';
import { conditionalWrite, type ItemKey, isConditionalFailure, putOnce, readItem } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, isExpired, nowSeconds, tableName } from '../storage/table.js';

const DAY_MS = 86_400_000;
/** A client timestamp further than this from now is not trusted to identify the sign-in. */
const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;
/** Without an id from the app, retries within this bucket collapse into one record. */
const FALLBACK_BUCKET_MS = 60_000;
/** How many surplus records one sign-in deletes at most (keeps post authentication short). */
const TRIM_BATCH = 20;

/**
 * One SIGNIN# item (pk `USER#<id>`, sk `SIGNIN#<iso>#<id>`). The risk engine reads these with one
 * Query on the user's partition: the attribute names are a contract.
 */
export interface SignInRecord {
  /** Epoch milliseconds. */
  at: number;
  clientId: string;
  deviceKey?: string;
  deviceId?: string;
  ip?: string;
  userAgent?: string;
  country?: string;
  latitude?: number;
  longitude?: number;
  outcome: 'success';
  expiresAt: number;
}

/**
 * The identity of one sign-in, the same for every retry of the trigger: a hash of userName,
 * clientId and the first of: the nonce of the sign-in's own signed context (`contextNonce`, claimed
 * once per stage, so no other sign-in can present it: see `context-use.ts`); else, from the app's
 * unsigned metadata, `requestId`, or `timestamp` (when within five minutes of now); else the minute
 * the sign-in happened in. `keyTime` (the app's timestamp, else now) orders the record; retries
 * reuse the key the first call chose (see recordSignIn).
 *
 * Without a signed context the app's fields are claims: a client that sends another sign-in's
 * `requestId` merges its success into that record. Nothing else tells two sign-ins apart there
 * (Cognito's event carries no id of its own); with a context, the claim is never read.
 */
export function signInIdentity(
  attempt: SignInAttempt,
  contextNonce?: string,
): { id: string; keyTime: number } {
  const { requestId, timestamp } = attempt.metadata;
  const clientTime = parseTimestamp(timestamp);
  const trustedTime =
    clientTime !== undefined && Math.abs(clientTime - attempt.at) <= TIMESTAMP_TOLERANCE_MS
      ? clientTime
      : undefined;
  const bucket = Math.floor(attempt.at / FALLBACK_BUCKET_MS) * FALLBACK_BUCKET_MS;
  const discriminator = contextNonce
    ? `context:${contextNonce}`
    : requestId
      ? `request:${requestId}`
      : trustedTime !== undefined
        ? `time:${trustedTime}`
        : `minute:${bucket}`;
  const id = createHash('sha256')
    .update(`${attempt.userName}\n${attempt.clientId}\n${discriminator}`)
    .digest('base64url')
    .slice(0, 22);
  return { id, keyTime: trustedTime ?? attempt.at };
}

/** Epoch milliseconds from epoch seconds, epoch milliseconds or an ISO 8601 string. */
export function parseTimestamp(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d{9,13}$/.test(value)) {
    const n = Number(value);
    return n < 1e12 ? n * 1000 : n;
  }
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** The device a verified context names: Cognito's device key when remembered devices are on, else the app's device id. */
export function deviceKeyOf(context: VerifiedContext): string | undefined {
  return context.deviceKey ?? context.deviceId;
}

export interface HistoryPolicy {
  historyLimit: number;
  historyRetentionDays: number;
  deviceRetentionDays: number;
}

/**
 * What a call of post authentication is to do after the record (`recordSignIn`):
 * - `first`: it wrote the record, and holds its unfinished steps (learning, the mail);
 * - `resume`: Cognito's retry (or a concurrent call) found the record with the learning not marked
 *   done and no live lease on it, and took it over: it does the steps not marked done;
 * - `done`: the learning is done (a true duplicate), or another call holds it: nothing more.
 * `at` is the sign-in's time as the first call recorded it, so that a resumed learning counts in
 * the same windows; `id` is the sign-in's identity (`signInIdentity`).
 */
export type RecordedSignIn =
  | { kind: 'first' | 'resume'; key: ItemKey; id: string; at: number }
  | { kind: 'done'; id: string };

/** How long the first call holds the steps without a deadline of its own (Cognito waits 5 s). */
const STEPS_LEASE_MS = 5_000;

/**
 * Writes the sign-in record once, and tells the caller which steps after it are its to do (see
 * `RecordedSignIn`). `contextNonce` is the nonce of the sign-in's own signed context, if any (see
 * `signInIdentity`). The record holds only facts verified for this sign-in (`context`, from its
 * own signed context): what an earlier, unauthenticated attempt claimed never becomes a success.
 *
 * Two single conditional writes, no transaction: a marker `SIGNIN_ID#<id>` claims the record's
 * sort key first (a retry reads the key the first call chose, even a minute later), then the
 * record is put under that key only if absent. Whichever call wins the second write is "first".
 *
 * The steps after the record are claimed on the record itself, before they run (`stepsLease`, epoch
 * ms on the wall clock: the invocation's deadline): the first call's lease comes with the record's
 * put; a call that finds the record takes a lapsed lease over with one conditional UpdateItem,
 * only while `learnedAt` is absent. `finishSteps` marks what was done and drops the lease. So the
 * first, successful call costs no write more for the claim, and a retry of a call that died after
 * the record does what it left undone (the learning may run again when the first call died after
 * learning and before marking it: the IP's pay-back is once per sign-in by itself; the mail is
 * claimed before it is sent, and so sent at most once).
 */
export async function recordSignIn(
  attempt: SignInAttempt,
  context: VerifiedContext,
  policy: HistoryPolicy,
  contextNonce?: string,
): Promise<RecordedSignIn> {
  const { id, keyTime } = signInIdentity(attempt, contextNonce);
  const expiresAt = nowSeconds(attempt.at + policy.historyRetentionDays * DAY_MS);
  // The marker only has to outlive Cognito's retries: a day is plenty.
  const markerExpiresAt = nowSeconds(attempt.at + DAY_MS);
  const proposedSk = keys.signIn(new Date(keyTime).toISOString(), id);
  const sk = await claimRecordKey(attempt.userId, id, proposedSk, markerExpiresAt);
  const record: SignInRecord = {
    at: attempt.at,
    clientId: attempt.clientId,
    deviceKey: deviceKeyOf(context),
    deviceId: context.deviceId,
    ip: context.ip,
    userAgent: context.userAgent,
    country: context.country,
    latitude: context.latitude,
    longitude: context.longitude,
    outcome: 'success',
    expiresAt,
  };
  const key = { pk: keys.user(attempt.userId), sk };
  if (await putOnce({ ...key, ...record, stepsLease: stepsLeaseUntil() }))
    return { kind: 'first', key, id, at: attempt.at };
  const found = await takeOverSteps(key);
  return found ? { kind: 'resume', key, id, at: found.at } : { kind: 'done', id };
}

/** Until when a call holds the steps: its invocation's deadline (Cognito retries only after it). */
function stepsLeaseUntil(): number {
  return invocationDeadline() ?? Date.now() + STEPS_LEASE_MS;
}

/** Takes the record's unfinished steps over (learning not done, no live lease); the record's time, else undefined. */
async function takeOverSteps(key: ItemKey): Promise<{ at: number } | undefined> {
  try {
    const { Attributes } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET stepsLease = :until',
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(learnedAt) AND (attribute_not_exists(stepsLease) OR stepsLease <= :now)',
        ExpressionAttributeValues: { ':until': stepsLeaseUntil(), ':now': Date.now() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return typeof Attributes?.at === 'number' ? { at: Attributes.at } : undefined;
  } catch (error) {
    if (isConditionalFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Marks on the record what this call did and drops its lease: `learned` (the risk engine learned
 * from the sign-in), and claims the mail (`notifiedAt`) when it is to send one. True when the mail
 * is this call's to send (claimed now, never before): a mail is sent at most once per sign-in.
 */
export async function finishSteps(
  key: ItemKey,
  done: { learned: boolean; notify: boolean },
): Promise<boolean> {
  const mark = (notify: boolean) => {
    const sets = [...(done.learned ? ['learnedAt = :now'] : []), ...(notify ? ['notifiedAt = :now'] : [])];
    return conditionalWrite(
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: key,
          UpdateExpression: `${sets.length ? `SET ${sets.join(', ')} ` : ''}REMOVE stepsLease`,
          ConditionExpression: `attribute_exists(pk)${notify ? ' AND attribute_not_exists(notifiedAt)' : ''}`,
          ...(sets.length ? { ExpressionAttributeValues: { ':now': Date.now() } } : {}),
        }),
      ),
    );
  };
  if (await mark(done.notify)) return done.notify;
  // The mail was claimed before (by a call that then died): mark the learning alone.
  if (done.notify) await mark(false);
  return false;
}

/** The sort key of this sign-in's record: the one a previous call claimed, else `proposed`. */
async function claimRecordKey(
  userId: string,
  id: string,
  proposed: string,
  expiresAt: number,
): Promise<string> {
  const marker = { pk: keys.user(userId), sk: keys.signInMarker(id) };
  if (await putOnce({ ...marker, recordSk: proposed, expiresAt })) return proposed;
  // Strongly consistent: a stale miss on a retry would write a second record (and learn twice).
  const item = await readItem(marker);
  return typeof item?.recordSk === 'string' ? item.recordSk : proposed;
}

/** Keeps the device registry (verified devices only): first seen once, last seen on every sign-in. */
export async function touchDevice(
  attempt: SignInAttempt,
  context: VerifiedContext,
  policy: HistoryPolicy,
): Promise<void> {
  const deviceKey = deviceKeyOf(context);
  if (!deviceKey) return;
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.user(attempt.userId), sk: keys.device(deviceKey) },
      UpdateExpression:
        'SET firstSeen = if_not_exists(firstSeen, :at), lastSeen = :at, expiresAt = :expiresAt, lastClientId = :clientId' +
        (context.userAgent ? ', userAgent = :userAgent' : ''),
      ExpressionAttributeValues: {
        ':at': attempt.at,
        ':expiresAt': nowSeconds(attempt.at + policy.deviceRetentionDays * DAY_MS),
        ':clientId': attempt.clientId,
        ...(context.userAgent ? { ':userAgent': context.userAgent } : {}),
      },
    }),
  );
}

/** Deletes the oldest records beyond the limit (a few per sign-in, so the history stays bounded). */
export async function trimHistory(userId: string, policy: HistoryPolicy): Promise<number> {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.user(userId), ':prefix': keys.signInPrefix() },
      ProjectionExpression: 'pk, sk',
      ScanIndexForward: false,
      Limit: policy.historyLimit + TRIM_BATCH,
    }),
  );
  const surplus = Items.slice(policy.historyLimit);
  await Promise.all(
    surplus.map((item) =>
      documentClient().send(new DeleteCommand({ TableName: tableName(), Key: { pk: item.pk, sk: item.sk } })),
    ),
  );
  return surplus.length;
}

/** Sets the profile's last sign-in, only on a profile that exists (sign-up owns its creation). */
export async function markLastSignIn(userId: string, at: number): Promise<void> {
  await conditionalWrite(
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.user(userId), sk: keys.profile() },
        UpdateExpression: 'SET lastSignInAt = :at',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(lastSignInAt) OR lastSignInAt < :at)',
        ExpressionAttributeValues: { ':at': at },
      }),
    ),
  );
}

/** A sign-in record as operators read it: the record and its id (the last part of its sort key). */
export type SignInEntry = SignInRecord & { id: string };

/** A device of the registry post authentication keeps. */
export interface DeviceEntry {
  deviceKey: string;
  firstSeen?: number;
  lastSeen?: number;
  userAgent?: string;
  lastClientId?: string;
}

/** The user's newest sign-in records (at most `limit`), newest first, expired ones left out. */
export async function readSignIns(userId: string, limit: number, now = Date.now()): Promise<SignInEntry[]> {
  const items = await queryPrefix(userId, keys.signInPrefix(), limit);
  return (
    items
      .filter((item) => !isExpired(item, now))
      // The steps' bookkeeping (`recordSignIn`) is no part of the record operators read.
      .map(({ pk, sk, stepsLease, learnedAt, notifiedAt, ...record }) => ({
        ...(record as SignInRecord),
        id: String(sk).split('#').at(-1) ?? '',
      }))
  );
}

/** The user's device registry, most recently seen first. */
export async function readDevices(userId: string, limit: number, now = Date.now()): Promise<DeviceEntry[]> {
  const items = await queryPrefix(userId, keys.devicePrefix(), limit);
  return items
    .filter((item) => !isExpired(item, now))
    .map((item) => ({
      deviceKey: String(item.sk).slice(keys.devicePrefix().length),
      ...(typeof item.firstSeen === 'number' ? { firstSeen: item.firstSeen } : {}),
      ...(typeof item.lastSeen === 'number' ? { lastSeen: item.lastSeen } : {}),
      ...(typeof item.userAgent === 'string' ? { userAgent: item.userAgent } : {}),
      ...(typeof item.lastClientId === 'string' ? { lastClientId: item.lastClientId } : {}),
    }))
    .sort((a, b) => (b.lastSeen ?? 0) - (a.lastSeen ?? 0));
}

async function queryPrefix(userId: string, prefix: string, limit: number) {
  const { Items = [] } = await documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.user(userId), ':prefix': prefix },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return Items;
}

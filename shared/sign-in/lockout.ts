import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';
import { getItem } from './profile.js';

/**
 * Lockout after too many sign-in attempts without a success.
 *
 * Cognito calls no trigger when a password is wrong, so every attempt is counted when it starts
 * (pre authentication, and each wrong custom-auth answer) and the counter is cleared when a
 * sign-in succeeds (post authentication). Counters live in fixed windows (`FAILED#<windowStart>`)
 * and are incremented with an atomic ADD, so concurrent attempts each get their own count.
 */
export interface LockoutPolicy {
  lockoutMaxAttempts: number;
  lockoutWindowSeconds: number;
  lockoutDurationSeconds: number;
}

/** The LOCKOUT item of a user. */
interface LockoutRecord {
  /** Epoch milliseconds until which every attempt is refused. */
  lockedUntil: number;
}

/** Start of the fixed window holding `now`, epoch milliseconds. */
export function windowStart(now: number, policy: LockoutPolicy): number {
  const size = policy.lockoutWindowSeconds * 1000;
  return Math.floor(now / size) * size;
}

/** True while the user is locked out. */
export async function isLockedOut(userId: string, now = Date.now()): Promise<boolean> {
  const lock = await getItem<LockoutRecord>(keys.user(userId), keys.lockout());
  return lock !== undefined && lock.lockedUntil > now;
}

/**
 * Counts one attempt in the current window and locks the user when the count passes the limit.
 * Returns true when this attempt is over the limit (the caller refuses it).
 */
export async function countAttempt(
  userId: string,
  policy: LockoutPolicy,
  now = Date.now(),
): Promise<boolean> {
  const start = windowStart(now, policy);
  const windowEnd = start + policy.lockoutWindowSeconds * 1000;
  const { Attributes } = await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: keys.user(userId), sk: keys.failedAttempts(start) },
      UpdateExpression: 'ADD attempts :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
      ExpressionAttributeValues: {
        ':one': 1,
        ':expiresAt': nowSeconds(windowEnd) + 60,
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const attempts = Number(Attributes?.attempts ?? 0);
  if (attempts <= policy.lockoutMaxAttempts) return false;
  // The lock outlasts the window it was triggered in, so the stale count cannot re-lock at once.
  await lock(userId, Math.max(now + policy.lockoutDurationSeconds * 1000, windowEnd), now);
  return true;
}

/** Writes the lock unless a live one exists (concurrent lockers must not extend each other's). */
async function lock(userId: string, lockedUntil: number, now: number): Promise<void> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          pk: keys.user(userId),
          sk: keys.lockout(),
          lockedUntil,
          expiresAt: nowSeconds(lockedUntil) + 1,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR lockedUntil <= :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * After a success: resets the attempts of this window and of the one before (the sign-in may
 * straddle them).
 */
export async function clearAttempts(userId: string, policy: LockoutPolicy, now = Date.now()): Promise<void> {
  const start = windowStart(now, policy);
  const previous = start - policy.lockoutWindowSeconds * 1000;
  await Promise.all([start, previous].map((window) => resetWindow(userId, window)));
}

async function resetWindow(userId: string, window: number): Promise<void> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.user(userId), sk: keys.failedAttempts(window) },
        UpdateExpression: 'SET attempts = :zero',
        ConditionExpression: 'attribute_exists(pk) AND attempts > :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** Attempts counted in the window of `now` (0 when none). */
export async function attemptsInWindow(
  userId: string,
  policy: LockoutPolicy,
  now = Date.now(),
): Promise<number> {
  const item = await getItem<{ attempts?: number }>(
    keys.user(userId),
    keys.failedAttempts(windowStart(now, policy)),
  );
  return Number(item?.attempts ?? 0);
}

/** What an operator sees of a user's lockout. */
export interface LockoutState {
  /** Epoch milliseconds until which sign-ins are refused; absent when not locked. */
  lockedUntil?: number;
  /** Attempts without a success counted in the current window. */
  attemptsInWindow: number;
  maxAttempts: number;
}

/** The lockout as it stands at `now` (two GetItems). */
export async function lockoutState(
  userId: string,
  policy: LockoutPolicy,
  now = Date.now(),
): Promise<LockoutState> {
  const [lock, attempts] = await Promise.all([
    getItem<LockoutRecord>(keys.user(userId), keys.lockout()),
    attemptsInWindow(userId, policy, now),
  ]);
  const locked = lock !== undefined && lock.lockedUntil > now;
  return {
    ...(locked ? { lockedUntil: lock.lockedUntil } : {}),
    attemptsInWindow: attempts,
    maxAttempts: policy.lockoutMaxAttempts,
  };
}

/**
 * An operator's unlock: the lock goes and the attempts of this window (and the one before) are
 * reset, so the user's next attempt is not the one over the limit again.
 */
export async function unlock(userId: string, policy: LockoutPolicy, now = Date.now()): Promise<void> {
  await Promise.all([
    documentClient().send(
      new DeleteCommand({ TableName: tableName(), Key: { pk: keys.user(userId), sk: keys.lockout() } }),
    ),
    clearAttempts(userId, policy, now),
  ]);
}

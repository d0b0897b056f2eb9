import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PostConfirmationEvent } from '../events/index.js';
import { eventDigest, isSettled } from '../storage/claims.js';
import { type ItemKey, isConditionalFailure, putOnce, readItem } from '../storage/items.js';
import { keys } from '../storage/keys.js';
import { documentClient, nowSeconds, TTL_ATTRIBUTE, tableName } from '../storage/table.js';
import type { OnboardingDependencies } from './dependencies.js';
import { runEffects } from './effects.js';
import { type EffectSpec, openEntry } from './outbox.js';

/** One password reset as the table knows it: its id and when its first invocation ran. */
interface PasswordReset {
  resetId: string;
  openedAt: number;
}

/**
 * ConfirmForgotPassword: every reset gets its own `SECURITY#<time>#password-changed#<reset id>`
 * record and its own `password-changed` mail, each once across the invocations of that reset.
 *
 * The event carries no id, and two resets of one user send byte-identical events; what tells a
 * retry from a new reset is that Cognito repeats a call only while the first has not answered
 * (three attempts of 5 s). So the reset's identity is a digest of the event plus the retry
 * window: an identical event within `retryWindowSeconds` of the reset's first invocation is
 * that reset again, a later one is a new reset.
 */
export async function recordPasswordReset(
  event: PostConfirmationEvent,
  userId: string,
  deps: OnboardingDependencies,
) {
  const reset = await openReset(userId, event, deps);
  const record = {
    pk: keys.user(userId),
    sk: keys.securityEvent(isoTime(reset.openedAt), 'password-changed', reset.resetId),
  };
  const firstRecord = await writeRecord(record, reset, event.request.clientMetadata?.ip);
  const { email, locale, given_name } = event.request.userAttributes;
  if (!deps.settings.notifyPasswordChanged || !email) return;
  // A retry of the reset reads whether the notice is settled; the invocation that wrote the record knows.
  if (!firstRecord && isSettled(await readItem(record), 'notifiedAt')) return;
  const notice: EffectSpec = {
    step: 'notifiedAt',
    type: 'mail',
    kind: 'password-changed',
    to: email,
    ...(locale ? { locale } : {}),
    values: { name: given_name ?? '', time: isoTime(reset.openedAt) },
  };
  const recorded = await openEntry(record, [notice], deps.now());
  if (recorded.length > 0) await runEffects(record, recorded, deps);
}

/**
 * The reset this invocation belongs to: a new one (a conditional write that succeeds only when
 * no reset of this event is open within the window), or the open one it lost the write to.
 */
async function openReset(
  userId: string,
  event: PostConfirmationEvent,
  deps: OnboardingDependencies,
): Promise<PasswordReset> {
  const now = deps.now();
  const windowMs = deps.settings.retryWindowSeconds * 1000;
  const key = { pk: keys.user(userId), sk: keys.passwordReset(eventDigest({ ...event, response: {} })) };
  const fresh = { resetId: randomUUID(), openedAt: now };
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'SET resetId = :id, openedAt = :now, #ttl = :expires',
        ConditionExpression: 'attribute_not_exists(openedAt) OR openedAt <= :cutoff',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':id': fresh.resetId,
          ':now': now,
          ':cutoff': now - windowMs,
          ':expires': nowSeconds(now + windowMs) + 1,
        },
      }),
    );
    return fresh;
  } catch (error) {
    if (!isConditionalFailure(error)) throw error;
    const open = await readItem(key);
    return { resetId: String(open?.resetId), openedAt: Number(open?.openedAt) };
  }
}

/** The record of one reset: a put conditional on its absence, so each reset has exactly one. True when this call wrote it. */
async function writeRecord(record: ItemKey, reset: PasswordReset, ip: string | undefined) {
  const at = isoTime(reset.openedAt);
  return putOnce({ ...record, kind: 'password-changed', at, resetId: reset.resetId, ...(ip ? { ip } : {}) });
}

const isoTime = (epochMs: number) => new Date(epochMs).toISOString();

import { describeError } from '../errors/index.js';
import type { PostAuthenticationEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import { recipientName } from '../mail/recipient.js';
import { sendTemplatedEmail } from '../mail/send.js';
import type { RiskHooks, SignInAttempt, VerifiedContext } from '../risk/contract.js';
import type { ItemKey } from '../storage/items.js';
import { cognitoGroups, type GroupSource } from '../users/groups.js';
import { refuseByAccountState } from './account-state.js';
import { buildAttempt } from './context.js';
import { type ContextUse, claimContextUse, recordAnswer } from './context-use.js';
import { finishSteps, markLastSignIn, recordSignIn, touchDevice, trimHistory } from './history.js';
import { clearAttempts, identityKey } from './lockout.js';
import { type VerifiedOrigin, verifiedOrigin } from './origin.js';
import type { SignInSettings } from './settings.js';

/**
 * Post authentication: first the refusals that depend on the account (suspension, the app
 * client's rule), now that the password or challenge is proven; then records the sign-in (once
 * per sign-in, however often Cognito retries),
 * keeps the device registry and the profile's last sign-in, clears the failed-attempt counter,
 * and lets the risk engine learn, mailing the user when it says so.
 *
 * Only facts verified for this sign-in are recorded: the context of its own ClientMetadata when
 * its signature holds (the risk engine's `verify`). Without one (USER_PASSWORD_AUTH and managed login
 * pass none here) the record keeps the time and the app client, and no device: nothing an
 * earlier attempt left (it needed only the username) is taken as this success's, nor a context
 * another sign-in used already (a replay: `context-use.ts`).
 */
export async function postAuthentication(
  event: PostAuthenticationEvent,
  settings: SignInSettings,
  risk: RiskHooks,
  now = Date.now(),
  groupsOf: GroupSource = cognitoGroups(),
): Promise<PostAuthenticationEvent> {
  const asked = buildAttempt(event, now);
  await refuseByAccountState(event, asked.userId, settings, groupsOf);
  // The lockout's familiar places come from this sign-in's own signed context only.
  const signed = verifiedOrigin(event, asked.metadata, now);
  const use = await useOf(signed, now, event);
  const replayed = use.kind === 'replay';
  // A replayed context (another sign-in's, captured) is no context: the success is recorded as
  // one without (time and client), never as a retry of the sign-in it was captured from.
  const attempt = replayed ? { ...asked, metadata: {} } : asked;
  const origin = replayed ? {} : signed;
  const context = await verifiedContextOf(risk, attempt);
  // Keyed on the context's nonce when there is one (claimed once: a client cannot steer it).
  const recorded = await recordSignIn(attempt, context, settings, origin.nonce);
  const ours = recorded.kind !== 'done';
  await Promise.all([
    touchDevice(attempt, context, settings),
    markLastSignIn(attempt.userId, now),
    clearAttempts(identityKey(event), origin, settings, now),
    ours ? trimHistory(attempt.userId, settings) : Promise.resolve(0),
  ]);
  // Learning and notifying happen once per sign-in: by the call that wrote the record, or by the
  // retry that finds them not done (the first call died after the record). A true duplicate
  // (learning done, or held by a live call) stops here.
  if (ours) {
    const learner = replayed ? { ...asked, contextReplayed: true } : attempt;
    // The sign-in's own time and id: a resumed learning counts in the first call's windows, and
    // pays the IP back once per sign-in however often it runs.
    await learnAndNotify(
      risk,
      { ...learner, at: recorded.at, attemptId: recorded.id },
      context,
      recorded.key,
      use,
    );
  } else {
    await recordAnswer(use, 'recorded');
  }
  return event;
}

/**
 * This sign-in's use of its context (Cognito's retry of an invocation that did not answer in time
 * is the same use). A store failure counts as a replay: the success is recorded without the
 * context's facts, not refused.
 */
async function useOf(
  origin: VerifiedOrigin,
  now: number,
  event: PostAuthenticationEvent,
): Promise<ContextUse> {
  try {
    return await claimContextUse(origin, 'post-authentication', now, event);
  } catch (error) {
    logger.warn('sign-in context use not claimed', { error: describeError(error) });
    return { kind: 'replay' };
  }
}

/** A context that cannot be verified (engine failing included) gives no facts, not a failed sign-in. */
async function verifiedContextOf(risk: RiskHooks, attempt: SignInAttempt): Promise<VerifiedContext> {
  try {
    return await risk.verify(attempt);
  } catch (error) {
    logger.warn('sign-in context not verified', { error: describeError(error) });
    return {};
  }
}

/**
 * Neither learning nor a notification may cost the user a sign-in that already succeeded. Marks
 * what was done on the record (`finishSteps`) and answers the context's use last: with no mail to
 * send, both in one round trip; a mail is claimed on the record before it is sent (at most once).
 */
async function learnAndNotify(
  risk: RiskHooks,
  attempt: SignInAttempt,
  context: VerifiedContext,
  record: ItemKey,
  use: ContextUse,
): Promise<void> {
  let learned: Awaited<ReturnType<RiskHooks['learn']>>;
  try {
    learned = await risk.learn(attempt);
  } catch (error) {
    logger.warn('risk engine could not learn from the sign-in', { error: describeError(error) });
    learned = { unfinished: true };
  }
  const { notify } = learned;
  const to = attempt.userAttributes.email;
  const done = { learned: learned.unfinished !== true, notify: notify !== undefined && Boolean(to) };
  // Answered in time: a later use of the context here is a replay, not Cognito's retry.
  if (!done.notify || !notify || !to) {
    await Promise.all([finish(record, done), recordAnswer(use, 'recorded')]);
    return;
  }
  if (await finish(record, done)) {
    try {
      await sendTemplatedEmail({
        kind: notify === 'new-device' ? 'new-device' : 'risk-notification',
        to,
        locale: attempt.userAttributes.locale,
        values: notificationValues(attempt, context),
      });
    } catch (error) {
      logger.warn('sign-in notification not sent', { kind: notify, error: describeError(error) });
    }
  }
  await recordAnswer(use, 'recorded');
}

/**
 * Marks the steps on the record; true when the mail is this call's to send. A store failure leaves
 * the lease to lapse (Cognito's retry then learns again: the IP's pay-back is once per sign-in by
 * itself) and sends no mail.
 */
async function finish(record: ItemKey, done: { learned: boolean; notify: boolean }): Promise<boolean> {
  try {
    return await finishSteps(record, done);
  } catch (error) {
    logger.warn('sign-in steps not marked', { error: describeError(error) });
    return false;
  }
}

/** Control characters and bidirectional overrides: a line break in a value could forge lines of the mail. */
const UNPRINTABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]+/gu;

/** A value fit for one line of a mail: unprintable characters become spaces, at most 200 characters. */
export function mailSafe(value: string): string {
  return value.replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** What the mail tells: only verified facts of this sign-in, each made safe for a line of text. */
export function notificationValues(attempt: SignInAttempt, context: VerifiedContext): Record<string, string> {
  const values: Record<string, string> = { time: new Date(attempt.at).toISOString() };
  const name = recipientName(attempt.userAttributes);
  const facts = { name, device: context.userAgent, location: context.country, ip: context.ip };
  for (const [key, value] of Object.entries(facts)) {
    const safe = value ? mailSafe(value) : '';
    if (safe) values[key] = safe;
  }
  return values;
}

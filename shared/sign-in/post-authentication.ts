import type { PostAuthenticationEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import { sendTemplatedEmail } from '../mail/send.js';
import { describeError } from '../middleware/index.js';
import { riskHooks, type SignInAttempt } from '../risk/hooks.js';
import { refuseByAccountState } from './account-state.js';
import { buildAttempt, hasLocationContext } from './context.js';
import { cognitoGroups, type GroupSource } from './groups.js';
import { markLastSignIn, recordSignIn, touchDevice, trimHistory } from './history.js';
import { clearAttempts, identityKey, lastAttemptContext } from './lockout.js';
import { verifiedOrigin } from './origin.js';
import type { SignInSettings } from './settings.js';

/**
 * Post authentication: first the refusals that depend on the account (suspension, the app
 * client's rule), now that the password or challenge is proven; then records the sign-in (once
 * per sign-in, however often Cognito retries),
 * keeps the device registry and the profile's last sign-in, clears the failed-attempt counter,
 * and lets the risk engine learn, mailing the user when it says so.
 */
export async function postAuthentication(
  event: PostAuthenticationEvent,
  settings: SignInSettings,
  now = Date.now(),
  groupsOf: GroupSource = cognitoGroups(),
): Promise<PostAuthenticationEvent> {
  const attempt = buildAttempt(event, now);
  await refuseByAccountState(event, attempt.userId, settings, groupsOf);
  // Only this sign-in's own verified context makes a place familiar, never one kept from an
  // earlier, unproven attempt.
  const origin = verifiedOrigin(attempt.metadata, attempt.userName, now);
  const subject = identityKey(event);
  // InitiateAuth passes its ClientMetadata to pre authentication only: without a challenge
  // (USER_PASSWORD_AUTH, managed login) this trigger sees none, so it takes what pre authentication kept.
  if (!hasLocationContext(attempt.metadata)) {
    const kept = await lastAttemptContext(subject, settings, now);
    if (kept) attempt.metadata = { ...kept, ...attempt.metadata };
  }
  const firstTime = await recordSignIn(attempt, settings);
  await Promise.all([
    touchDevice(attempt, settings),
    markLastSignIn(attempt.userId, now),
    clearAttempts(subject, origin, settings, now),
    firstTime ? trimHistory(attempt.userId, settings) : Promise.resolve(0),
  ]);
  // Learning and notifying happen once per sign-in: a retry finds the record and stops here.
  if (firstTime) await learnAndNotify(attempt);
  return event;
}

/** Neither learning nor a notification may cost the user a sign-in that already succeeded. */
async function learnAndNotify(attempt: SignInAttempt): Promise<void> {
  let notify: 'new-device' | 'high-risk' | undefined;
  try {
    ({ notify } = await riskHooks().learn(attempt));
  } catch (error) {
    logger.warn('risk engine could not learn from the sign-in', { error: describeError(error) });
    return;
  }
  const to = attempt.userAttributes.email;
  if (!notify || !to) return;
  try {
    await sendTemplatedEmail({
      kind: notify === 'new-device' ? 'new-device' : 'risk-notification',
      to,
      locale: attempt.userAttributes.locale,
      values: notificationValues(attempt),
    });
  } catch (error) {
    logger.warn('sign-in notification not sent', { kind: notify, error: describeError(error) });
  }
}

function notificationValues(attempt: SignInAttempt): Record<string, string> {
  const m = attempt.metadata;
  const values: Record<string, string> = { time: new Date(attempt.at).toISOString() };
  const name = attempt.userAttributes.given_name ?? attempt.userAttributes.name;
  if (name) values.name = name;
  if (m.userAgent) values.device = m.userAgent;
  if (m.country) values.location = m.country;
  if (m.ip) values.ip = m.ip;
  return values;
}

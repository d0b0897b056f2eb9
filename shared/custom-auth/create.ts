import { randomInt } from 'node:crypto';
import { deadlineSignal } from '../aws/deadline.js';
import { failedCallOutcome } from '../aws/outcome.js';
import type { CreateAuthChallengeEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import { renderBranded } from '../mail/branding.js';
import type { MessageKind } from '../mail/kinds.js';
import { recipientName } from '../mail/recipient.js';
import { type OutgoingEmail, sendEmail } from '../mail/ses.js';
import { mailSettings } from '../mail/settings.js';
import { countMetric, METRIC } from '../observability/metrics.js';
import { identityKey } from '../sign-in/lockout.js';
import { nowSeconds } from '../storage/table.js';
import { readChallenge, saveChallenge } from './challenges.js';
import { codeDigest, generateCode, newChallengeId } from './codes.js';
import { DeliveryTimings, pause, timed } from './delivery-timing.js';
import { magicLinkKey, magicLinksConfigured, signWithCurrentKey } from './link-secret.js';
import type { CustomAuthSettings } from './settings.js';
import { type ChallengeKind, challengeId, challengeKind } from './state-machine.js';

/** The ClientMetadata keys an app sends with RespondToAuthChallenge to choose the passwordless method. */
export const SIGN_IN_METHOD_KEY = 'signInMethod';
/** `yes` when the app holds a magic link already and only needs a challenge to answer with it. */
export const HAS_MAGIC_LINK_KEY = 'hasMagicLink';

type Response = CreateAuthChallengeEvent['response'];

/** This container's measured delivery times (see delivery-timing.ts). */
const containerTimings = new DeliveryTimings();

/**
 * What the challenge tells the app about where the code went: the medium, never the address. A
 * masked address would be a known user's real one and a made-up one for an unknown user, and
 * the trigger cannot see what a known user typed when Cognito resolved an alias: nothing derived
 * from the account or the typed name can be made to look the same for both.
 */
const DESTINATION = 'email';

/**
 * Create auth challenge: the first passwordless challenge only collects the app's ClientMetadata
 * (`PROVIDE_AUTH_PARAMETERS`); then an emailed code, a magic link, or the step-up code after a
 * password. A retry of a wrong answer reuses the live challenge, so no second mail goes out; a
 * code or link is handed to SES at most once, and one SES may have taken stands (`mailChallenge`).
 * An unknown user (or one without a verified email) gets a decoy: the same answer, the same
 * store calls (its challenge is saved and read back like a real one, in its own identity
 * partition), no mail, and a pause drawn from measured delivery times instead.
 */
export async function createAuthChallenge(
  event: CreateAuthChallengeEvent,
  settings: CustomAuthSettings,
  now = Date.now(),
  timings: DeliveryTimings = containerTimings,
): Promise<CreateAuthChallengeEvent> {
  if (event.request.challengeName !== 'CUSTOM_CHALLENGE') return event;
  await respond(event, settings, now, timings);
  // Which step of the conversation verify auth challenge judges (Cognito keeps it from the app):
  // each step claims its own use of the sign-in context (see sign-in/context-use.ts).
  const secret = event.response.privateChallengeParameters;
  if (secret) secret.step = String(event.request.session.length);
  return event;
}

async function respond(
  event: CreateAuthChallengeEvent,
  settings: CustomAuthSettings,
  now: number,
  timings: DeliveryTimings,
): Promise<CreateAuthChallengeEvent> {
  const session = event.request.session;
  const afterPassword = session[0]?.challengeName === 'SRP_A';
  if (!afterPassword && session.length === 0) {
    setResponse(
      event.response,
      { step: 'provide-auth-parameters' },
      { kind: 'provide-auth-parameters' },
      'PROVIDE_AUTH_PARAMETERS',
    );
    return event;
  }
  const metadata = event.request.clientMetadata ?? {};
  const last = session[session.length - 1];
  const lastKind = challengeKind(last?.challengeMetadata);
  // A retry keeps the method of the challenge it retries (the app need not resend its metadata).
  const kind: ChallengeKind = afterPassword
    ? 'STEP_UP'
    : lastKind === 'EMAIL_CODE' || lastKind === 'MAGIC_LINK'
      ? lastKind
      : metadata[SIGN_IN_METHOD_KEY] === 'magic-link' && magicLinksConfigured(settings)
        ? 'MAGIC_LINK'
        : 'EMAIL_CODE';
  const previousId = lastKind === kind ? challengeId(last?.challengeMetadata) : undefined;
  const recipient = deliverableEmail(event);
  const identity = identityKey(event);

  if (kind === 'MAGIC_LINK') {
    const id =
      previousId ?? (await sendMagicLink(event, settings, identity, recipient, metadata, now, timings));
    setResponse(
      event.response,
      { method: 'magic-link', destination: DESTINATION },
      { kind: 'magic-link' },
      `MAGIC_LINK:${id}`,
    );
    return event;
  }

  // Known or not, a retry reads its challenge back (a decoy's was saved like a real one).
  const reused = previousId ? await readChallenge(identity, previousId, now) : undefined;
  if (previousId && reused?.kind === 'code' && reused.codeDigest) {
    setResponse(
      event.response,
      codePublic,
      codePrivate(previousId, reused.codeDigest, reused.expiresAt),
      `${kind}:${previousId}`,
    );
    return event;
  }
  const id = newChallengeId();
  const code = generateCode(settings.codeLength);
  const digest = codeDigest(id, code);
  const expiresAt = nowSeconds(now) + settings.codeTtlSeconds;
  await Promise.all([
    saveChallenge(identity, id, { kind: 'code', codeDigest: digest, expiresAt }),
    timings.exchange(now),
  ]);
  if (recipient) {
    await mailChallenge(timings, {
      kind: 'authentication-code',
      to: recipient,
      locale: event.request.userAttributes.locale,
      values: { code, minutes: String(Math.ceil(settings.codeTtlSeconds / 60)), ...nameOf(event) },
    });
  } else {
    await pause(timings);
  }
  setResponse(event.response, codePublic, codePrivate(id, digest, expiresAt), `${kind}:${id}`);
  return event;
}

/** Sends a fresh link unless the app already holds one; returns the challenge id the metadata names. */
async function sendMagicLink(
  event: CreateAuthChallengeEvent,
  settings: CustomAuthSettings,
  identity: string,
  recipient: string | undefined,
  metadata: Record<string, string>,
  now: number,
  timings: DeliveryTimings,
): Promise<string> {
  if (metadata[HAS_MAGIC_LINK_KEY] === 'yes') return 'presented';
  const id = newChallengeId();
  const expiresAt = nowSeconds(now) + settings.magicLinkTtlSeconds;
  await Promise.all([saveChallenge(identity, id, { kind: 'magic-link', expiresAt }), timings.exchange(now)]);
  const key = magicLinksConfigured(settings) ? await magicLinkKey(settings) : undefined;
  if (!recipient || !key || !settings.magicLinkUrl) {
    await pause(timings);
    return id;
  }
  const token = signWithCurrentKey({ u: identity, c: id, e: expiresAt }, key);
  const link = new URL(settings.magicLinkUrl);
  // The fragment never reaches a server's access log.
  link.hash = `token=${token}`;
  await mailChallenge(timings, {
    kind: 'magic-link',
    to: recipient,
    locale: event.request.userAttributes.locale,
    values: {
      link: link.toString(),
      minutes: String(Math.ceil(settings.magicLinkTtlSeconds / 60)),
      ...nameOf(event),
    },
  });
  return id;
}

/** A sign-in code or link to mail. */
interface ChallengeMail {
  kind: Extract<MessageKind, 'authentication-code' | 'magic-link'>;
  to: string;
  locale: string | undefined;
  values: Record<string, string>;
}

/** The longest pause before the one attempt more that a refused send gets (full jitter, as the SDK's first backoff). */
const REFUSED_RETRY_PAUSE_MS = 100;

/**
 * Mails a sign-in code or link at most once, timed for the decoys. SES takes no idempotency key
 * and cannot be asked whether it accepted a message, so an attempt whose outcome is unknown (timed
 * out waiting for SES's answer, reset mid-call, cut by the deadline after it left:
 * `shared/aws/outcome.ts`) is never repeated: each attempt is one SES call without the SDK's retry,
 * and only an attempt SES certainly did not act on (it refused: throttling, a 5xx; or was never
 * reached) gets one more. Such a mail may have reached the user, so the challenge stands, expecting
 * that code or link: failing instead would leave the user a delivered code that nothing accepts,
 * and their next sign-in would mail another. Counted (`DeliveryOutcomeUnknown`) and logged as an
 * error; a user who got nothing starts the sign-in again. A refused send throws (the generic
 * message): the user starts again, and nothing was mailed.
 */
async function mailChallenge(timings: DeliveryTimings, mail: ChallengeMail): Promise<void> {
  const settings = mailSettings();
  // Rendered before anything is handed over: a failure here certainly sent nothing.
  const message = renderBranded(mail.kind, settings, { locale: mail.locale, values: mail.values });
  const outgoing: OutgoingEmail = {
    from: settings.fromAddress,
    to: mail.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
  };
  try {
    // Only a send SES answered is a delivery time a decoy may imitate.
    await timed(timings, () => handOver(outgoing));
  } catch (error) {
    if (failedCallOutcome(error) === 'not-done') throw error;
    countMetric(METRIC.deliveryOutcomeUnknown, { channel: 'email' });
    logger.error('sign-in mail outcome unknown: the challenge stands, not resent (at most once)', {
      kind: mail.kind,
      error: (error as Error).name,
    });
  }
}

/** One SES attempt; one more only after an attempt SES certainly did not act on, while time is left. */
async function handOver(mail: OutgoingEmail): Promise<void> {
  try {
    await sendEmail(mail, undefined, true);
  } catch (error) {
    if (failedCallOutcome(error) === 'unknown') throw error;
    await new Promise((resolve) => setTimeout(resolve, randomInt(0, REFUSED_RETRY_PAUSE_MS + 1)));
    // A second attempt the deadline aborts before it leaves would look like an unknown outcome.
    if (deadlineSignal()?.aborted) throw error;
    await sendEmail(mail, undefined, true);
  }
}

/** Codes and links go only to a verified address of a known user. */
function deliverableEmail(event: CreateAuthChallengeEvent): string | undefined {
  const { userAttributes, userNotFound } = event.request;
  if (userNotFound === true || userAttributes.email_verified !== 'true') return undefined;
  return userAttributes.email || undefined;
}

function nameOf(event: CreateAuthChallengeEvent): Record<string, string> {
  const name = recipientName(event.request.userAttributes);
  return name ? { name } : {};
}

const codePublic = { method: 'code', destination: DESTINATION };
const codePrivate = (id: string, digest: string, expiresAt: number) => ({
  kind: 'code',
  challengeId: id,
  codeDigest: digest,
  expiresAt: String(expiresAt),
});

function setResponse(
  response: Response,
  publicParameters: Record<string, string>,
  privateParameters: Record<string, string>,
  challengeMetadata: string,
): void {
  response.publicChallengeParameters = publicParameters;
  response.privateChallengeParameters = privateParameters;
  response.challengeMetadata = challengeMetadata;
}

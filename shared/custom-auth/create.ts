import type { CreateAuthChallengeEvent } from '../events/index.js';
import { sendTemplatedEmail } from '../mail/send.js';
import { userKey } from '../storage/keys.js';
import { nowSeconds } from '../storage/table.js';
import { readChallenge, saveChallenge } from './challenges.js';
import { codeDigest, generateCode, maskEmail, newChallengeId } from './codes.js';
import { magicLinkKey, magicLinksConfigured, signWithCurrentKey } from './link-secret.js';
import type { CustomAuthSettings } from './settings.js';
import { type ChallengeKind, challengeId, challengeKind } from './state-machine.js';

/** The ClientMetadata keys an app sends with RespondToAuthChallenge to choose the passwordless method. */
export const SIGN_IN_METHOD_KEY = 'signInMethod';
/** `yes` when the app holds a magic link already and only needs a challenge to answer with it. */
export const HAS_MAGIC_LINK_KEY = 'hasMagicLink';

type Response = CreateAuthChallengeEvent['response'];

/**
 * Create auth challenge: the first passwordless challenge only collects the app's ClientMetadata
 * (`PROVIDE_AUTH_PARAMETERS`); then an emailed code, a magic link, or the step-up code after a
 * password. A retry of a wrong answer reuses the live challenge, so no second mail goes out.
 * An unknown user (or one without a verified email) gets a decoy: the same answer, no mail.
 */
export async function createAuthChallenge(
  event: CreateAuthChallengeEvent,
  settings: CustomAuthSettings,
  now = Date.now(),
): Promise<CreateAuthChallengeEvent> {
  if (event.request.challengeName !== 'CUSTOM_CHALLENGE') return event;
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
  const destination = maskEmail(recipient ?? (event.userName.includes('@') ? event.userName : undefined));
  const userId = userKey(event.request.userAttributes, event.userName);

  if (kind === 'MAGIC_LINK') {
    const id = previousId ?? (await sendMagicLink(event, settings, userId, recipient, metadata, now));
    setResponse(
      event.response,
      { method: 'magic-link', destination },
      { kind: 'magic-link' },
      `MAGIC_LINK:${id}`,
    );
    return event;
  }

  if (previousId && !recipient) {
    // A decoy's retry: like a real retry, no new mail and no wait; the answer stays unknowable.
    const digest = codeDigest(previousId, newChallengeId());
    const expiresAt = nowSeconds(now) + settings.codeTtlSeconds;
    setResponse(
      event.response,
      codePublic(destination),
      codePrivate(previousId, digest, expiresAt),
      `${kind}:${previousId}`,
    );
    return event;
  }
  const reused = previousId ? await readChallenge(userId, previousId, now) : undefined;
  if (previousId && reused?.kind === 'code' && reused.codeDigest) {
    setResponse(
      event.response,
      codePublic(destination),
      codePrivate(previousId, reused.codeDigest, reused.expiresAt),
      `${kind}:${previousId}`,
    );
    return event;
  }
  const id = newChallengeId();
  const code = generateCode(settings.codeLength);
  const digest = codeDigest(id, code);
  const expiresAt = nowSeconds(now) + settings.codeTtlSeconds;
  if (recipient) {
    await timedDelivery(async () => {
      await saveChallenge(userId, id, { kind: 'code', codeDigest: digest, expiresAt });
      await sendTemplatedEmail({
        kind: 'authentication-code',
        to: recipient,
        locale: event.request.userAttributes.locale,
        values: { code, minutes: String(Math.ceil(settings.codeTtlSeconds / 60)), ...nameOf(event) },
      });
    });
  } else {
    await decoyDelay();
  }
  setResponse(event.response, codePublic(destination), codePrivate(id, digest, expiresAt), `${kind}:${id}`);
  return event;
}

/** Sends a fresh link unless the app already holds one; returns the challenge id the metadata names. */
async function sendMagicLink(
  event: CreateAuthChallengeEvent,
  settings: CustomAuthSettings,
  userId: string,
  recipient: string | undefined,
  metadata: Record<string, string>,
  now: number,
): Promise<string> {
  if (metadata[HAS_MAGIC_LINK_KEY] === 'yes') return 'presented';
  const id = newChallengeId();
  const key = magicLinksConfigured(settings) ? await magicLinkKey(settings) : undefined;
  if (!recipient || !key || !settings.magicLinkUrl) {
    await decoyDelay();
    return id;
  }
  const started = performance.now();
  const expiresAt = nowSeconds(now) + settings.magicLinkTtlSeconds;
  await saveChallenge(userId, id, { kind: 'magic-link', expiresAt });
  const token = signWithCurrentKey({ u: userId, c: id, e: expiresAt }, key);
  const link = new URL(settings.magicLinkUrl);
  // The fragment never reaches a server's access log.
  link.hash = `token=${token}`;
  await sendTemplatedEmail({
    kind: 'magic-link',
    to: recipient,
    locale: event.request.userAttributes.locale,
    values: {
      link: link.toString(),
      minutes: String(Math.ceil(settings.magicLinkTtlSeconds / 60)),
      ...nameOf(event),
    },
  });
  learnDeliveryTime(performance.now() - started);
  return id;
}

/**
 * A decoy (unknown user, no verified address) sends nothing, so it would answer faster than a
 * real challenge and tell who exists. It waits about as long as this container's recent
 * deliveries took (an exponentially weighted average; a guess before the first one).
 */
let typicalDeliveryMs = 80;

function learnDeliveryTime(ms: number): void {
  typicalDeliveryMs = 0.8 * typicalDeliveryMs + 0.2 * Math.min(ms, 1500);
}

async function timedDelivery(deliver: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await deliver();
  learnDeliveryTime(performance.now() - started);
}

function decoyDelay(): Promise<void> {
  return new Promise((done) => setTimeout(done, typicalDeliveryMs));
}

/** Codes and links go only to a verified address of a known user. */
function deliverableEmail(event: CreateAuthChallengeEvent): string | undefined {
  const { userAttributes, userNotFound } = event.request;
  if (userNotFound === true || userAttributes.email_verified !== 'true') return undefined;
  return userAttributes.email || undefined;
}

function nameOf(event: CreateAuthChallengeEvent): Record<string, string> {
  const name = event.request.userAttributes.given_name ?? event.request.userAttributes.name;
  return name ? { name } : {};
}

const codePublic = (destination: string) => ({ method: 'code', destination });
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

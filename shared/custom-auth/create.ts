import type { CreateAuthChallengeEvent } from '../events/index.js';
import { sendTemplatedEmail } from '../mail/send.js';
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
 * password. A retry of a wrong answer reuses the live challenge, so no second mail goes out.
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
    await timed(timings, () =>
      sendTemplatedEmail({
        kind: 'authentication-code',
        to: recipient,
        locale: event.request.userAttributes.locale,
        values: { code, minutes: String(Math.ceil(settings.codeTtlSeconds / 60)), ...nameOf(event) },
      }),
    );
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
  await timed(timings, () =>
    sendTemplatedEmail({
      kind: 'magic-link',
      to: recipient,
      locale: event.request.userAttributes.locale,
      values: {
        link: link.toString(),
        minutes: String(Math.ceil(settings.magicLinkTtlSeconds / 60)),
        ...nameOf(event),
      },
    }),
  );
  return id;
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

import { withReserve } from '../aws/deadline.js';
import type { StringMap } from '../events/common.js';
import { logger } from '../logging/index.js';
import type { MessageKind } from '../mail/kinds.js';
import { codeLink } from '../mail/recipient.js';
import type { MailSettings } from '../mail/settings.js';
import { countMetric, METRIC } from '../observability/metrics.js';
import type { CodeDecrypter } from './decrypt.js';
import { eventDigest, type SentMarkers } from './sent-marker.js';

/** What became of one sender invocation; the function logs it and tests assert it. */
export type SendOutcome = 'sent' | 'duplicate' | 'undeliverable';

/** A send that failed for a reason a later retry may not have (throttling, outage); Lambda retries it. */
export class DeliveryError extends Error {
  constructor(channel: 'email' | 'sms', cause: unknown) {
    super(`${channel} delivery failed`, { cause });
    this.name = 'DeliveryError';
  }
}

/** Why nothing can be sent for this event, whatever the retries: logged, then the invocation ends. */
export class UndeliverableError extends Error {
  constructor(
    readonly reason: string,
    cause?: unknown,
  ) {
    super(reason, { cause });
    this.name = 'UndeliverableError';
  }
}

/** What both senders share. */
export interface SenderDependencies {
  decrypt: CodeDecrypter;
  markers: SentMarkers;
  mail: MailSettings;
}

/** Time kept back from the send before the invocation's deadline: to write or release the marker. */
export const MARKER_RESERVE_MS = 400;

/**
 * The idempotent skeleton of a send: claim the event's marker, prepare and send (cut
 * `MARKER_RESERVE_MS` before the invocation's deadline), then make the marker final, or release it
 * when nothing was sent, so that a retry (Lambda's own, after a `DeliveryError`) can.
 * Logs name the outcome and the error class, never the code, the address or the message.
 */
export async function deliverOnce(
  event: unknown,
  markers: SentMarkers,
  channel: 'email' | 'sms',
  send: () => Promise<string | undefined>,
): Promise<SendOutcome> {
  const digest = eventDigest(event);
  if (!(await markers.claim(digest))) {
    logger.info('already sent: duplicate invocation skipped');
    return 'duplicate';
  }
  let messageId: string | undefined;
  try {
    messageId = await withReserve(MARKER_RESERVE_MS, send);
  } catch (error) {
    await markers.release(digest).catch((releaseError: unknown) => {
      logger.error('sent-marker could not be released', { error: errorName(releaseError) });
    });
    if (error instanceof UndeliverableError) {
      logger.warn('message not sent', { reason: error.reason, error: errorName(error.cause) });
      countMetric(METRIC.deliveryFailed, { channel });
      return 'undeliverable';
    }
    countMetric(METRIC.deliveryFailed, { channel });
    logger.error('delivery failed', {
      error: errorName(error instanceof DeliveryError ? error.cause : error),
    });
    throw error;
  }
  logger.info('message sent', { messageId });
  countMetric(METRIC.delivered, { channel });
  // Sent: a marker left as a lease would only let a duplicate delivery send again after it lapses.
  await markers.sent(digest).catch((markError: unknown) => {
    logger.warn('sent-marker not made final', { error: errorName(markError) });
  });
  return 'sent';
}

/** Decrypts the event's code; an undecryptable code is undeliverable (a retry has the same bytes). */
export async function decryptCode(
  decrypt: CodeDecrypter,
  encrypted: string | null | undefined,
): Promise<string> {
  if (!encrypted) throw new UndeliverableError('no code in the event');
  try {
    return await decrypt(encrypted);
  } catch (error) {
    throw new UndeliverableError('code could not be decrypted', error);
  }
}

/** The values of a code message: the code, the greeting name, the username to sign in with, a link. */
export function codeMessageValues(
  kind: MessageKind,
  userName: string,
  attributes: StringMap,
  code: string,
  mail: MailSettings,
): Record<string, string | undefined> {
  const linkBase = kind === 'forgot-password' ? mail.resetUrl : mail.confirmUrl;
  const linked = kind !== 'authentication-code' && kind !== 'admin-invitation';
  return {
    code,
    name: attributes.given_name || attributes.name || undefined,
    username: signInName(userName, attributes),
    link: kind === 'admin-invitation' ? mail.appUrl : linked ? codeLink(linkBase, userName, code) : undefined,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Pools with email or phone as username give the `sub` as userName; show what the user types. */
function signInName(userName: string, attributes: StringMap): string {
  if (!UUID.test(userName)) return userName;
  return attributes.email || attributes.phone_number || userName;
}

/** An error's class name only: messages of SDK errors may quote request content. */
export function errorName(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? error.name : typeof error;
}

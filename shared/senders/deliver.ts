import { withReserve } from '../aws/deadline.js';
import { failedCallOutcome } from '../aws/outcome.js';
import { DeliveryError, UnavailableError, UndeliverableError } from '../errors/index.js';
import type { StringMap } from '../events/common.js';
import { logger } from '../logging/index.js';
import type { MessageKind } from '../mail/kinds.js';
import { codeLink, recipientName } from '../mail/recipient.js';
import type { MailSettings } from '../mail/settings.js';
import { countMetric, METRIC } from '../observability/metrics.js';
import type { CodeDecrypter } from './decrypt.js';
import { eventDigest, type SentMarkers } from './sent-marker.js';

/**
 * What became of one sender invocation; the function logs it and tests assert it.
 * `outcome-unknown`: the provider may have accepted the message but its answer never came (see
 * `deliverOnce`): not resent.
 */
export type SendOutcome = 'sent' | 'duplicate' | 'undeliverable' | 'outcome-unknown';

/** What both senders share. */
export interface SenderDependencies {
  decrypt: CodeDecrypter;
  markers: SentMarkers;
  mail: MailSettings;
}

/** Time kept back from the send before the invocation's deadline: to write or release the marker. */
export const MARKER_RESERVE_MS = 400;

/**
 * The idempotent skeleton of a send: claim the event's marker, `prepare` the message (decrypt the
 * code, look up the user, render) and `handOver` it to the provider (SES, SNS: one attempt, no SDK
 * retry), both cut `MARKER_RESERVE_MS` before the invocation's deadline, then make the marker final.
 *
 * A failure that certainly sent nothing (any failure before the hand-over; a hand-over the
 * provider refused, or that never connected) releases the marker and is thrown (`DeliveryError`),
 * so that Lambda's asynchronous retry sends. A hand-over whose outcome is unknown (aborted at the
 * deadline, timed out waiting for the answer, a connection reset mid-call: `shared/aws/outcome.ts`)
 * may have been accepted: SES and SNS take no idempotency key and cannot be asked, so the marker is
 * closed as `outcomeUnknownAt` and the message is never resent (at most once, as the welcome mail):
 * counted apart (`DeliveryOutcomeUnknown`), logged as an error, not thrown (a retry could only skip it).
 * The user's remedy is Cognito's "resend code", a new event. Logs name the outcome and the error
 * class, never the code, the address or the message.
 */
export async function deliverOnce<M>(
  event: unknown,
  markers: SentMarkers,
  channel: 'email' | 'sms',
  prepare: () => Promise<M>,
  handOver: (message: M) => Promise<string | undefined>,
): Promise<SendOutcome> {
  const digest = eventDigest(event);
  if (!(await markers.claim(digest))) {
    logger.info('already sent: duplicate invocation skipped');
    return 'duplicate';
  }
  let messageId: string | undefined;
  let handedOver = false;
  try {
    messageId = await withReserve(MARKER_RESERVE_MS, async () => {
      const message = await prepare();
      handedOver = true;
      try {
        return await handOver(message);
      } catch (error) {
        throw new DeliveryError(channel, error);
      }
    });
  } catch (error) {
    if (handedOver && failedCallOutcome((error as Error).cause) === 'unknown') {
      return closeUnknown(markers, digest, channel, (error as Error).cause);
    }
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

/** A hand-over of unknown outcome: the marker closed so that no retry resends it (see `deliverOnce`). */
async function closeUnknown(
  markers: SentMarkers,
  digest: string,
  channel: 'email' | 'sms',
  cause: unknown,
): Promise<SendOutcome> {
  // Not a failure: nothing retries it and the on-failure queue never holds it.
  countMetric(METRIC.deliveryOutcomeUnknown, { channel });
  logger.error('message outcome unknown: not resent (at most once)', { error: errorName(cause) });
  // If the table fails too, the lease lapses and Lambda's retry sends again (a possible duplicate).
  await markers.unknown(digest).catch((markError: unknown) => {
    logger.error('sent-marker not closed: a retry may send again', { error: errorName(markError) });
  });
  return 'outcome-unknown';
}

/**
 * Decrypts the event's code; an undecryptable code is undeliverable (a retry has the same bytes).
 * KMS unavailable (`UnavailableError`: throttled, down, slow past the deadline) is thrown as it is:
 * the sender releases its marker and throws, and Lambda's retry decrypts again.
 */
export async function decryptCode(
  decrypt: CodeDecrypter,
  encrypted: string | null | undefined,
): Promise<string> {
  if (!encrypted) throw new UndeliverableError('no code in the event');
  try {
    return await decrypt(encrypted);
  } catch (error) {
    if (error instanceof UnavailableError) throw error;
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
    name: recipientName(attributes),
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

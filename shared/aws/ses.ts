import { SESv2Client } from '@aws-sdk/client-sesv2';
import { runtimeSettings } from '../config/runtime.js';
import { CALL_LIMITS, clientOptions, withDeadline } from './clients.js';

const clients: Partial<Record<'retried' | 'single', SESv2Client>> = {};

/** The limits of an at-most-once send: one attempt of SES's usual length. */
export const SINGLE_ATTEMPT_LIMITS = { ...CALL_LIMITS.ses, maxAttempts: 1 };

/**
 * The SES v2 client, created on first use: only functions that mail pay for it (`SES_ENDPOINT`
 * locally). `singleAttempt` gives the client of at-most-once sends (the welcome mail): the SDK's
 * own retry of an attempt that timed out waiting for its answer would resend a mail SES may
 * already have accepted, so such a send makes one attempt and its caller decides what a failure
 * means (`shared/aws/outcome.ts`).
 */
export function sesClient(options: { singleAttempt?: boolean } = {}): SESv2Client {
  const which = options.singleAttempt ? 'single' : 'retried';
  const limits = options.singleAttempt ? SINGLE_ATTEMPT_LIMITS : CALL_LIMITS.ses;
  clients[which] ??= withDeadline(new SESv2Client(clientOptions(limits, runtimeSettings().sesEndpoint)));
  return clients[which];
}

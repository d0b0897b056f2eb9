/**
 * What a failed AWS call means for the effect it carried: `not-done` when the service cannot have
 * acted on it (it answered with an error, or no connection was ever made), `unknown` when the
 * request may have reached the service and been acted on while its answer was lost (aborted at a
 * deadline, timed out waiting for the answer, a connection reset mid-call). SES has no idempotency
 * key and no way to ask whether it accepted a message, so an `unknown` send can only be resent at
 * the price of a possible duplicate.
 */
export type CallOutcome = 'not-done' | 'unknown';

/** Node errors that happen before a request is written: nothing reached the service. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function failedCallOutcome(error: unknown): CallOutcome {
  if (!(error instanceof Error)) return 'unknown';
  const answered = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  // The service answered (throttling, a 5xx, a refusal): it says it did not do it.
  if (typeof answered === 'number' && answered >= 400) return 'not-done';
  if (NOT_CONNECTED.has(String((error as { code?: unknown }).code))) return 'not-done';
  // @smithy/node-http-handler's connection timeout: the socket never connected.
  if (error.name === 'TimeoutError' && error.message.includes('did not establish a connection'))
    return 'not-done';
  return 'unknown';
}

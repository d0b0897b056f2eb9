import { runtimeSettings } from '../config/runtime.js';
import { deadlineSignal } from './deadline.js';

/**
 * What every AWS client of Gatehouse is built with (one file per service beside this one, so a
 * bundle holds only the clients its function uses). The SDK's defaults are 3 attempts and no
 * request timeout at all: one hung connection would hold a trigger past Cognito's 5 seconds.
 * Here a connection must open within `connectionTimeoutMs`, one attempt must be answered within
 * `requestTimeoutMs`, and a call is attempted `maxAttempts` times (the SDK's standard retry, with
 * its backoff and throttling handling). Whatever these leave, the invocation's deadline
 * (`./deadline.ts`) cuts: every `send` is given its signal.
 */
export interface CallLimits {
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
}

/**
 * Per service, sized for a 5-second budget. DynamoDB answers in milliseconds and throttles in
 * bursts: short attempts, three of them. SES and Cognito take longer on a bad day: one attempt
 * may use most of the budget, and the deadline cuts the second. SNS is only the custom SMS
 * sender's, which must not publish twice: one attempt (SNS takes no idempotency key for a text, so
 * the SDK's retry of an attempt SNS accepted but answered late would text twice; a failure is
 * retried by Lambda, see `shared/senders/deliver.ts`). KMS and Secrets Manager answer in
 * milliseconds (and Secrets Manager is cached).
 */
export const CALL_LIMITS = {
  dynamodb: { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 3 },
  ses: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2 },
  sns: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 1 },
  cognito: { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2 },
  kms: { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 2 },
  secretsManager: { connectionTimeoutMs: 500, requestTimeoutMs: 1_000, maxAttempts: 2 },
} as const satisfies Record<string, CallLimits>;

/** The constructor options of a client: region, limits and the local endpoint when one is set. */
export function clientOptions(limits: CallLimits, endpoint?: string) {
  return {
    region: runtimeSettings().region,
    maxAttempts: limits.maxAttempts,
    requestHandler: {
      connectionTimeout: limits.connectionTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Without it, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    },
    ...(endpoint ? { endpoint } : {}),
  };
}

/** The options argument of an SDK v3 `send`, of which the deadline uses `abortSignal`. */
interface SendOptions {
  abortSignal?: AbortSignal;
}

type Sends = { send(command: never, options?: SendOptions): Promise<unknown> };

/**
 * Makes every `send` of `client` carry the invocation's deadline as its `abortSignal`, or the
 * earlier of it and the caller's own signal (a claim's lease). The SDK then aborts the request in
 * flight and its retry backoff alike. Outside an invocation nothing changes.
 */
export function withDeadline<C extends Sends>(client: C): C {
  const send = client.send.bind(client) as (command: unknown, options?: SendOptions) => Promise<unknown>;
  client.send = ((command: unknown, options?: SendOptions) => {
    const deadline = deadlineSignal();
    const own = options?.abortSignal;
    const signal = own && deadline ? AbortSignal.any([own, deadline]) : (own ?? deadline);
    return send(command, signal ? { ...options, abortSignal: signal } : options);
  }) as C['send'];
  return client;
}

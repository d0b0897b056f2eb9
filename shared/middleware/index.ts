import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withInvocationDeadline } from '../aws/deadline.js';
import { runtimeSettings } from '../config/runtime.js';
import { GENERIC_USER_MESSAGE, InvalidEventError, UserFacingError } from '../errors/index.js';
import { eventSummary, logger } from '../logging/index.js';
import { emitMetrics, METRIC, MetricUnit } from '../observability/metrics.js';

/**
 * The one middy chain every user-pool trigger goes through:
 * 1. context: a structured log context (function, request id, triggerSource), no event body;
 * 2. parse: the runtime parser of the trigger, so the core receives a typed, checked event;
 * 3. error policy: a `UserFacingError` reaches Cognito as it is; anything else is logged with
 *    its cause and becomes a generic message (Cognito shows thrown messages to users);
 * 4. the core runs under the invocation's deadline (`shared/aws/deadline.ts`): every outside call
 *    ends before Cognito stops waiting, and the core's own policy decides what that means.
 */
export interface TriggerOptions<E, R> {
  /** Function name for logs, e.g. `pre-sign-up`. */
  name: string;
  /** Checks the incoming event and names the first bad field. */
  parse: (input: unknown) => E;
  /** The trigger's logic; returns what Cognito receives (usually the event). */
  core: (event: E, context: Context) => Promise<R>;
  /** Further middlewares, run after the log context and under the error policy (e.g. reading a key). */
  use?: middy.MiddlewareObj<unknown, unknown>[];
}

export function triggerHandler<E, R>(options: TriggerOptions<E, R>) {
  runtimeSettings(); // validated at cold start: a bad setting fails here, naming it
  return middy<unknown, R>()
    .use(logContext(options.name))
    .use(triggerErrorPolicy())
    .use(options.use ?? [])
    .handler((input, context) =>
      withInvocationDeadline(context, () => options.core(options.parse(input), context)),
    );
}

/**
 * Adds the invocation's identity to every log line and logs one outcome line per invocation, the
 * last one, after the same outcome as metrics (shared/observability): Succeeded, Refused (by code)
 * or Failed, and the Duration, each by function.
 */
export function logContext(functionName: string): middy.MiddlewareObj<unknown, unknown> {
  let started = 0;
  return {
    before: (request) => {
      started = performance.now();
      logger.resetKeys();
      logger.appendKeys({
        function: functionName,
        requestId: request.context.awsRequestId,
        ...eventSummary(request.event),
      });
    },
    after: () => {
      const durationMs = Math.round(performance.now() - started);
      outcomeMetrics(functionName, durationMs);
      logger.info('completed', { outcome: 'ok', durationMs });
    },
    onError: (request) => {
      const error = request.error;
      const outcome = error instanceof UserFacingError ? 'rejected' : 'failed';
      const durationMs = Math.round(performance.now() - started);
      outcomeMetrics(functionName, durationMs, error);
      logger.info('completed', { outcome, durationMs });
    },
  };
}

/** Succeeded, Refused (by function, and by function and code: the alarm watches the first) or Failed; and Duration. */
function outcomeMetrics(functionName: string, durationMs: number, error?: unknown): void {
  const byFunction = { function: functionName };
  const duration = { name: METRIC.duration, value: durationMs, unit: MetricUnit.Milliseconds };
  if (error instanceof UserFacingError) {
    emitMetrics([{ name: METRIC.refused }, duration], [byFunction]);
    emitMetrics([{ name: METRIC.refused }], [{ ...byFunction, code: error.code }]);
  } else {
    emitMetrics([{ name: error === undefined ? METRIC.succeeded : METRIC.failed }, duration], [byFunction]);
  }
}

/** Only deliberate messages reach the user; everything else is generic, and logged with its cause. */
export function triggerErrorPolicy(): middy.MiddlewareObj<unknown, unknown> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof UserFacingError) {
        logger.info('rejected', { code: error.code });
        return;
      }
      if (error instanceof InvalidEventError) {
        logger.error('invalid event', { path: error.path, problem: error.message });
      } else {
        logger.error('unexpected failure', { error: describeError(error) });
      }
      request.error = new Error(GENERIC_USER_MESSAGE, { cause: error });
    },
  };
}

/** Name, message and cause chain of an error, without stack frames from the event's content. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...(error.cause !== undefined ? { cause: describeError(error.cause) } : {}),
  };
}

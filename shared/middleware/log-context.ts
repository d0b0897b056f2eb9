import type middy from '@middy/core';
import { UserFacingError } from '../errors/index.js';
import { eventSummary, logger } from '../logging/index.js';
import { emitMetrics, METRIC, MetricUnit } from '../observability/metrics.js';

/*
 * Kept apart from ./index.ts, which runs middy itself: a chain that does not (the authorizer's,
 * shared/authorizer/handler.ts) takes this middleware without bundling @middy/core, whose module
 * loads Node's streams for response streaming at every cold start.
 */

/**
 * Adds the invocation's identity to every log line and logs one outcome line per invocation, the
 * last one, after the same outcome as metrics (shared/observability): Succeeded, Refused (by code)
 * or Failed, and the Duration, each by function.
 */
export function logContext(functionName: string): middy.MiddlewareObj<unknown, unknown> {
  let started = 0;
  return {
    before: (request) => {
      started = monotonicMs();
      logger.resetKeys();
      logger.appendKeys({
        function: functionName,
        requestId: request.context.awsRequestId,
        ...eventSummary(request.event),
      });
    },
    after: () => {
      const durationMs = Math.round(monotonicMs() - started);
      outcomeMetrics(functionName, durationMs);
      logger.info('completed', { outcome: 'ok', durationMs });
    },
    onError: (request) => {
      const error = request.error;
      const outcome = error instanceof UserFacingError ? 'rejected' : 'failed';
      const durationMs = Math.round(monotonicMs() - started);
      outcomeMetrics(functionName, durationMs, error);
      logger.info('completed', { outcome, durationMs });
    },
  };
}

/**
 * Milliseconds on the monotonic clock, from `process.hrtime`: the `performance` global would load
 * Node's perf_hooks at the first invocation, about 1 ms of every cold start, for the same clock.
 */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
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

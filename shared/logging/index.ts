import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs (Powertools). Never pass a whole event: log the summary
 * `eventSummary()` gives, plus fields you chose. `redact()` is the second line of defence for
 * fields whose names say they hold a secret.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'gatehouse' });

const SECRET_KEY = /pass(word)?|secret|token|code|answer|privateChallenge|authorization|cookie|signature/i;

/** A copy of `value` with every field whose name suggests a secret replaced by `[redacted]`. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(field, depth + 1);
  }
  return copy;
}

/** The fields of a trigger event that are safe and useful in every log line. */
export function eventSummary(event: unknown): Record<string, unknown> {
  if (event === null || typeof event !== 'object') return { eventType: typeof event };
  const e = event as Record<string, unknown>;
  const caller = e.callerContext as Record<string, unknown> | undefined;
  return Object.fromEntries(
    Object.entries({
      triggerSource: e.triggerSource,
      version: e.version,
      userPoolId: e.userPoolId,
      clientId: caller?.clientId,
      authorizerType: e.type,
      routeKey: e.routeKey,
    }).filter(([, v]) => typeof v === 'string'),
  );
}

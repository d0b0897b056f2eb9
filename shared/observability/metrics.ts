import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as MetricUnitValue } from '@aws-lambda-powertools/metrics/types';

/**
 * Operational metrics as CloudWatch embedded metric format (EMF) lines, through Powertools
 * Metrics: each metric is one JSON line on stdout that CloudWatch Logs turns into a metric, so no
 * API call, no permission and no latency are added to a trigger's 5-second budget.
 *
 * Namespace `POWERTOOLS_METRICS_NAMESPACE` (serverless.yml: `Gatehouse/<stage>`, so stages never
 * mix), default dimension `service`. The names below are a contract: the alarms and the dashboard
 * of serverless.yml and the README's "Operate" section name them.
 */
export const METRIC = {
  /** An invocation that returned (dimensions: function). */
  succeeded: 'Succeeded',
  /** A deliberate refusal: the user-facing message Cognito shows, the authorizer's 401 (function; function, code). */
  refused: 'Refused',
  /** An unexpected failure: a generic message, or a 500 (function). */
  failed: 'Failed',
  /** The handler's own time, milliseconds (function). */
  duration: 'Duration',
  /** A risk decision (level, action; action). */
  riskDecision: 'RiskDecision',
  /** A lockout begun by failed sign-ins (no further dimension). */
  lockouts: 'Lockouts',
  /** A message a custom sender delivered (channel). */
  delivered: 'Delivered',
  /**
   * A message a custom sender certainly did not deliver (channel): refused by SES / SNS or never
   * handed over (thrown: Lambda retries it, then the on-failure queue holds it), or undeliverable
   * (no address, a code that cannot be decrypted: logged and dropped, no retry could help).
   */
  deliveryFailed: 'DeliveryFailed',
  /**
   * A message handed to SES / SNS whose answer never came (timed out, reset mid-call, cut by the
   * deadline after it left): maybe delivered, so never resent, neither by Lambda's retry nor by the
   * on-failure queue (channel). The user's remedy is a new code (Cognito's resend, or starting the
   * custom sign-in again for create auth challenge's code or link).
   */
  deliveryOutcomeUnknown: 'DeliveryOutcomeUnknown',
  /** Authorizer answers: allowed, denied (403), unauthorized (401), and verified-token cache hits. */
  allowed: 'Allowed',
  denied: 'Denied',
  unauthorized: 'Unauthorized',
  tokenCacheHits: 'TokenCacheHits',
  /** Onboarding effects post confirmation left to the sweeper: too little time, or a failure (effect). */
  onboardingEffectDeferred: 'OnboardingEffectDeferred',
  /** Onboarding effects whose outcome is unknown (a send aborted or timed out after it left; effect). */
  onboardingEffectUnknown: 'OnboardingEffectOutcomeUnknown',
  /** Onboarding effects the sweeper completed (effect). */
  onboardingEffectSwept: 'OnboardingEffectSwept',
  /** Onboarding effects given up after every attempt failed: alarmed (effect). */
  onboardingEffectAbandoned: 'OnboardingEffectAbandoned',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Namespace when `POWERTOOLS_METRICS_NAMESPACE` is not set (local runs and tests). */
export const DEFAULT_METRICS_NAMESPACE = 'Gatehouse';

const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'gatehouse',
});

type Dimensions = Record<string, string>;

/** One value of one metric. */
export interface MetricValue {
  name: MetricName;
  value?: number;
  unit?: MetricUnitValue;
}

/**
 * Emits the given metrics now, once under each dimension set (plus `service`): one EMF line per
 * set, each feeding its own series, so that one call feeds both a detailed view (by code) and the
 * aggregate an alarm watches (by function). Lines rather than one line with several sets: EMF
 * keys are shared by every set of a line, and Powertools warns when two sets name the same key.
 * Synchronous from the first call to the flush, so invocations never mix their dimensions.
 * Metrics never fail the caller: a problem emitting is swallowed.
 */
export function emitMetrics(values: MetricValue[], dimensionSets: Dimensions[] = [{}]): void {
  for (const set of dimensionSets.length > 0 ? dimensionSets : [{}]) {
    try {
      for (const [key, dimension] of Object.entries(set)) metrics.addDimension(key, dimension);
      for (const { name, value = 1, unit = MetricUnit.Count } of values) metrics.addMetric(name, unit, value);
      metrics.publishStoredMetrics();
    } catch {
      // An observation must never turn a sign-in into a failure.
      metrics.clearDimensions();
      metrics.clearMetrics();
    }
  }
}

/** Counts one occurrence of `name`, under these dimension sets (none: by `service` alone, stage-wide). */
export function countMetric(name: MetricName, ...dimensionSets: Dimensions[]): void {
  emitMetrics([{ name }], dimensionSets);
}

export { MetricUnit };

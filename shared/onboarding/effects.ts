import { logger } from '../logging/index.js';
import { countMetric, METRIC } from '../observability/metrics.js';
import { type ClaimOutcome, type ItemKey, runOnce } from '../storage/claims.js';
import type { OnboardingDependencies } from './dependencies.js';
import { closeEntry, type EffectSpec, effectName, perform, policyOf } from './outbox.js';
import { type ClosedReason, recordClosedWelcome } from './welcome-resend.js';

/** Who runs the effects: post confirmation (the trigger and Cognito's retries of it) or the sweeper. */
export type Runner = 'post-confirmation' | 'sweeper';

/** One effect's outcome in this invocation. */
export interface EffectResult {
  spec: EffectSpec;
  outcome: ClaimOutcome;
}

/** True when the effect will not run again: done, closed or given up. */
export function isSettledOutcome(outcome: ClaimOutcome): boolean {
  return (
    outcome.status === 'ran' ||
    outcome.status === 'done' ||
    outcome.status === 'abandoned' ||
    (outcome.status === 'unknown' && outcome.closed)
  );
}

/**
 * Runs each effect once across invocations (claimed on `item` before it runs, see
 * `storage/claims.ts` and each effect's policy in `./outbox.ts`), side by side, and reports each
 * outcome (log and metrics). When every effect is settled the item's outbox entry is deleted; any
 * other outcome leaves it to the onboarding sweeper. With `blockOnFailure`, post confirmation fails
 * on the first failed effect, after the others finished.
 */
export async function runEffects(
  item: ItemKey,
  specs: EffectSpec[],
  deps: OnboardingDependencies,
  runner: Runner = 'post-confirmation',
): Promise<EffectResult[]> {
  const settled = await Promise.allSettled(
    specs.map((spec) =>
      runOnce(item, spec.step, (signal) => perform(spec, signal, deps.cognito), {
        deadline: deps.deadline,
        maxAttempts: deps.settings.maxAttempts,
        policy: policyOf(spec),
      }),
    ),
  );
  const results: EffectResult[] = settled.map((result, index) => ({
    spec: specs[index]!,
    // The table failed around the effect: its claim lapses, and the sweeper takes it from there.
    outcome:
      result.status === 'fulfilled'
        ? result.value
        : ({ status: 'failed', error: result.reason } as ClaimOutcome),
  }));
  for (const result of results) report(item, result, runner);
  await listClosedWelcome(item, results, deps.now());
  if (results.every((result) => isSettledOutcome(result.outcome))) {
    await closeEntry(item).catch((error: unknown) => {
      logger.warn('onboarding outbox entry left for the sweeper', { error: (error as Error).name });
    });
  }
  const failed = results.find((result) => result.outcome.status === 'failed');
  if (failed && runner === 'post-confirmation' && deps.settings.blockOnFailure) {
    throw (failed.outcome as { error: unknown }).error;
  }
  return results;
}

/**
 * A welcome closed here (outcome unknown, or out of attempts) goes on the operator's resend list
 * (`./welcome-resend.ts`): nothing else ever sends it. A failure to list it is logged (the operator
 * can still resend it by `sub`), never raised over the effects' outcome.
 */
async function listClosedWelcome(item: ItemKey, results: EffectResult[], now: number): Promise<void> {
  const reasons = results.flatMap(({ spec, outcome }): ClosedReason[] => {
    if (spec.type !== 'mail' || spec.kind !== 'welcome') return [];
    if (outcome.status === 'unknown' && outcome.closed) return ['outcome-unknown'];
    return outcome.status === 'abandoned' ? ['attempts-exhausted'] : [];
  });
  if (reasons.length === 0) return;
  await recordClosedWelcome(item, reasons[0]!, now).catch((error: unknown) => {
    logger.error('closed welcome mail not listed for a resend', {
      item: item.pk,
      error: (error as Error).name,
    });
  });
}

/**
 * One line and the metrics of an effect that did not simply run (a run is the expected case). Each
 * metric is counted stage-wide (the alarm's series) and by effect.
 */
function report(item: ItemKey, { spec, outcome }: EffectResult, runner: Runner) {
  const effect = effectName(spec);
  const fields = { step: spec.step, effect, item: item.pk, runner };
  switch (outcome.status) {
    case 'ran':
      if (runner === 'sweeper') {
        countMetric(METRIC.onboardingEffectSwept, {}, { effect });
        logger.info('onboarding effect completed by the sweeper', fields);
      }
      return;
    case 'done':
      return;
    case 'held':
      logger.info('onboarding effect left to the invocation that holds it', fields);
      return;
    case 'deferred':
      if (runner === 'post-confirmation') countMetric(METRIC.onboardingEffectDeferred, {}, { effect });
      logger.info('onboarding effect deferred to the sweeper: too little time left to start it', fields);
      return;
    case 'failed':
      if (runner === 'post-confirmation') countMetric(METRIC.onboardingEffectDeferred, {}, { effect });
      logger.warn('onboarding effect failed; the sweeper runs it again', {
        ...fields,
        error: (outcome.error as Error)?.name,
      });
      return;
    case 'unknown':
      countMetric(METRIC.onboardingEffectUnknown, {}, { effect });
      logger.warn(
        outcome.closed
          ? 'onboarding effect outcome unknown; not resent (at most once)'
          : 'onboarding effect outcome unknown; the sweeper runs it again after a pause (at least once)',
        { ...fields, error: (outcome.error as Error | undefined)?.name ?? 'lease lapsed' },
      );
      return;
    case 'abandoned':
      countMetric(METRIC.onboardingEffectAbandoned, {}, { effect });
      logger.error('onboarding effect abandoned: every attempt failed', {
        ...fields,
        attempts: outcome.attempts,
      });
      return;
  }
}

import { logger } from '../logging/index.js';
import { type ClaimOutcome, type ItemKey, runOnce } from '../storage/claims.js';
import type { OnboardingDependencies } from './dependencies.js';

/** One side effect of post confirmation: its step name and the work, given a deadline signal. */
export type Effect = [step: string, run: (signal: AbortSignal) => Promise<unknown>];

/**
 * Runs each effect once across invocations (claimed on `item` before it runs, see
 * `storage/claims.ts`), side by side. A failed effect is logged and released for the next
 * invocation; with `blockOnFailure` the first failure fails this invocation too, after the others
 * finished.
 */
export async function runEffects(item: ItemKey, effects: Effect[], deps: OnboardingDependencies) {
  const outcomes = await Promise.allSettled(
    effects.map(([step, run]) => runOnce(item, step, run, { deadline: deps.deadline })),
  );
  let firstFailure: unknown;
  for (const [index, outcome] of outcomes.entries()) {
    const step = effects[index]![0];
    if (outcome.status === 'fulfilled') {
      logHeld(step, outcome.value);
      continue;
    }
    logger.warn('onboarding step failed; it runs again on the next invocation', {
      step,
      error: (outcome.reason as Error).name,
    });
    firstFailure ??= outcome.reason;
  }
  if (firstFailure !== undefined && deps.settings.blockOnFailure) throw firstFailure;
}

function logHeld(step: string, outcome: ClaimOutcome) {
  if (outcome === 'held') {
    logger.info('onboarding step left to the invocation that holds it', { step });
  }
}

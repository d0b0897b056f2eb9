/**
 * Where the sign-in triggers ask the adaptive-risk engine, and what it answers. The triggers
 * (pre/post authentication, define auth challenge, pre token generation) call `riskHooks()`;
 * by default that is the engine configured from the risk settings (`RISK_MODE` and the rest),
 * built at the first call so that a function that never asks pays nothing. `noRiskEngine`
 * (allow, no step-up, no notification) is kept for tests.
 */

import type { RiskHooks } from './contract.js';

let hooks: RiskHooks | undefined;

/** The hooks the triggers call: the configured engine unless `useRiskHooks` chose others. */
export function riskHooks(): RiskHooks {
  hooks ??= lazyDefaultEngine();
  return hooks;
}

/** For tests and for wiring another engine at cold start. */
export function useRiskHooks(next: RiskHooks): void {
  hooks = next;
}

/** Back to the configured engine, built afresh (reading the settings again) at its next call. */
export function useDefaultRiskEngine(): void {
  hooks = undefined;
}

/** The engine's code and settings load at the first assessment, not at import. */
function lazyDefaultEngine(): RiskHooks {
  let engine: Promise<RiskHooks> | undefined;
  const load = () => {
    engine ??= import('./configured-engine.js').then((module) => module.defaultRiskEngine());
    return engine;
  };
  return {
    assess: async (attempt) => (await load()).assess(attempt),
    learn: async (attempt) => (await load()).learn(attempt),
    verify: async (attempt) => (await load()).verify(attempt),
  };
}

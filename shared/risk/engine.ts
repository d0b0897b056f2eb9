import type { RiskAction, RiskDecision, RiskLevel, RiskReason } from './hooks.js';
import { inCidr } from './ip.js';
import type { EvaluationInput } from './model.js';
import type { RiskConfig } from './settings.js';
import { SIGNALS } from './signals.js';

/**
 * The engine: pure and deterministic. The same attempt, history and settings always give the
 * same score, level, action and reasons (in the fixed order of `SIGNALS`).
 */
export function evaluateRisk(input: EvaluationInput, config: RiskConfig): RiskDecision {
  const { ip } = input.attempt;
  const blocked = ip !== undefined && config.blockedRanges.some((cidr) => inCidr(ip, cidr));
  if (!blocked && ip !== undefined && config.allowedRanges.some((cidr) => inCidr(ip, cidr))) {
    return decide(0, [{ signal: 'allowed-range', points: 0 }], config);
  }
  const reasons = SIGNALS.flatMap((signal) => signal(input, config));
  const total = reasons.reduce((sum, r) => sum + r.points, 0);
  return decide(Math.max(0, Math.min(100, total)), reasons, config);
}

/**
 * The history could not be read: never silently low. The configured level (default medium),
 * with its threshold as the score and an explicit reason.
 */
export function unavailableDecision(config: RiskConfig, detail: string): RiskDecision {
  const level = config.unavailableLevel;
  const score = level === 'high' ? config.highThreshold : level === 'medium' ? config.mediumThreshold : 0;
  return withAction(level, score, [{ signal: 'assessment-unavailable', points: score, detail }], config);
}

/** The level of a score under the configured thresholds. */
export function levelOf(
  score: number,
  config: Pick<RiskConfig, 'mediumThreshold' | 'highThreshold'>,
): RiskLevel {
  if (score >= config.highThreshold) return 'high';
  if (score >= config.mediumThreshold) return 'medium';
  return 'low';
}

function decide(score: number, reasons: RiskReason[], config: RiskConfig): RiskDecision {
  return withAction(levelOf(score, config), score, reasons, config);
}

/** In enforce mode the level's action; in audit mode `allow`, with the action enforcement would take. */
export function withAction(
  level: RiskLevel,
  score: number,
  reasons: RiskReason[],
  config: RiskConfig,
): RiskDecision {
  const action: RiskAction = config.actions[level];
  if (config.mode === 'enforce') return { level, score, action, reasons };
  return { level, score, action: 'allow', wouldTake: action, reasons };
}

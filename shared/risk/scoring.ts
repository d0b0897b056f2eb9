import { inCidr } from './ip.js';
import type { AttemptFacts, EvaluationInput } from './model.js';
import type { RiskConfig } from './settings.js';
import { SIGNALS } from './signals.js';
import type { RiskAction, RiskDecision, RiskLevel, RiskReason } from './types.js';

/**
 * Scoring, pure and deterministic (no I/O: `./engine.ts` reads and writes around it). The same
 * attempt, history and settings always give the same score, level, action and reasons (in the
 * fixed order of `SIGNALS`).
 */
export function evaluateRisk(input: EvaluationInput, config: RiskConfig): RiskDecision {
  if (inAllowedRange(input.attempt, config)) {
    return decide(0, [{ signal: 'allowed-range', points: 0 }], config);
  }
  const reasons = SIGNALS.flatMap((signal) => signal(input, config));
  const total = reasons.reduce((sum, r) => sum + r.points, 0);
  return decide(Math.max(0, Math.min(100, total)), reasons, config);
}

/** True when the attempt's IP is in a blocked range (a believed IP; claiming one only hurts the claimer). */
export function inBlockedRange({ ip }: AttemptFacts, config: RiskConfig): boolean {
  return ip !== undefined && config.blockedRanges.some((cidr) => inCidr(ip, cidr));
}

/**
 * An allowed range lets an attempt skip every other signal, so only a signed IP gets in: an
 * unsigned claim, even where unsigned contexts are accepted, never does. A blocked range wins.
 */
function inAllowedRange(attempt: AttemptFacts, config: RiskConfig): boolean {
  const { ip } = attempt;
  return (
    attempt.signature === 'valid' &&
    ip !== undefined &&
    !inBlockedRange(attempt, config) &&
    config.allowedRanges.some((cidr) => inCidr(ip, cidr))
  );
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

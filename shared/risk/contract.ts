/**
 * The risk engine's public contract: the one file of shared/risk that other features and the
 * functions import (`test/architecture/import-graph.test.ts` holds them to it). Everything else in
 * shared/risk is the engine's own.
 *
 * - The types and constants of an assessment (`./types.ts`): the attempt, the decision, the
 *   context fields, `RiskHooks` (what a trigger asks) and `noRiskEngine`.
 * - The engine: `configuredRiskEngine()`, built once at a function's module scope and passed to
 *   the sign-in features that ask it (pre and post authentication, define auth challenge), as
 *   their settings are; never a global.
 * - The signed sign-in context, which the context endpoint signs and the triggers verify.
 * - What other features read of the engine's settings, facts and records: the context's
 *   signature settings, the verified facts of a context (sign-up's per-IP limit), the IP
 *   helpers every per-IP limit shares, the assessment log and the operator's feedback (console,
 *   risk-feedback function).
 */

export {
  type DailyLevels,
  dayOf,
  type LoggedAssessment,
  readAssessmentLog,
  readDailyLevels,
} from './assessment-log.js';
export { configuredRiskEngine } from './configured-engine.js';
export {
  contextFields,
  identitiesOf,
  MAX_FIELD_LENGTH,
  NONCE_PATTERN,
  normaliseUsername,
  signContext,
  verifyContext,
} from './context.js';
export { contextKeyRefresh, contextKeys } from './context-key.js';
export type { RiskEngine } from './engine.js';
export { verifiedContext } from './facts.js';
export { applyRiskFeedback, parseRiskFeedbackEvent } from './feedback.js';
export { ipBucket, networkOf, parseIp } from './ip.js';
export { loadRiskConfig, type RiskConfig, riskSettingSpecs } from './settings.js';
export * from './types.js';

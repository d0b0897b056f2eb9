import { triggerHandler } from '../shared/middleware/index.js';
import { applyRiskFeedback, loadRiskConfig, parseRiskFeedbackEvent } from '../shared/risk/contract.js';

const { stateDays } = loadRiskConfig();

/**
 * Operator feedback on a risk event (invoked directly, e.g. by `npm run risk-feedback` or
 * `aws lambda invoke`): `{userId, verdict: "valid" | "invalid", eventId? | deviceId? | ip?}`.
 * `valid` trusts the event's device and network for that user in later scores; `invalid`
 * distrusts them. Answers what it recorded.
 */
export const handler = triggerHandler({
  name: 'risk-feedback',
  parse: parseRiskFeedbackEvent,
  core: (event) => applyRiskFeedback(event, stateDays),
});

import type { PreAuthenticationEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import type { RiskHooks, SignInAttempt } from '../risk/contract.js';
import { type DenialCode, deny } from './account-state.js';
import { buildAttempt } from './context.js';
import {
  attemptIdOf,
  type ContextUse,
  claimContextUse,
  earlierOutcome,
  holds,
  recordAnswer,
} from './context-use.js';
import { countFailure, identityKey, type LockState, readLockState } from './lockout.js';
import { verifiedOrigin } from './origin.js';
import type { SignInSettings } from './settings.js';

export { SIGN_IN_DENIED_MESSAGE, SIGN_IN_LOCKED_MESSAGE } from './account-state.js';

/** What pre authentication decided for an attempt (kept on the context's claim for Cognito's retries). */
type PreAuthenticationOutcome = 'allowed' | Extract<DenialCode, 'SIGN_IN_LOCKED' | 'SIGN_IN_RISK_BLOCKED'>;
const OUTCOMES: readonly string[] = ['allowed', 'SIGN_IN_LOCKED', 'SIGN_IN_RISK_BLOCKED'];
const isOutcome = (value: string | undefined): value is PreAuthenticationOutcome =>
  value !== undefined && OUTCOMES.includes(value);

/**
 * Pre authentication: the lockout (every attempt counts, known user or not, on the familiar or
 * unfamiliar side of its verified origin), then the verdict of the risk engine it is given. It runs before the
 * password is checked, so it does exactly the same work for a known and an unknown user and
 * refuses nothing that depends on the account: suspension and the app client's rules wait for
 * post authentication (see `account-state.ts`). A signed context serves one InitiateAuth: used
 * again, it is a replay; Cognito's retry of an invocation that did not answer in time is the same
 * attempt, given the same decision and counted once (`context-use.ts`).
 */
export async function preAuthentication(
  event: PreAuthenticationEvent,
  settings: SignInSettings,
  risk: RiskHooks,
  now = Date.now(),
): Promise<PreAuthenticationEvent> {
  const attempt = buildAttempt(event, now);
  const origin = verifiedOrigin(event, attempt.metadata, now);
  // The context's use at this stage, claimed beside the lockout read (no round trip more).
  const claim = claimContextUse(origin, 'pre-authentication', now, event);
  const state = await readLockState(identityKey(event), origin, settings, now, claim.then(holds));
  const use = await claim;
  // A retry whose first call decided (too late for Cognito) gets that decision again.
  const earlier = earlierOutcome(use);
  const outcome = isOutcome(earlier) ? earlier : await decide(attempt, state, use, settings, risk, now);
  await recordAnswer(use, outcome);
  if (outcome !== 'allowed') deny(outcome);
  return event;
}

/**
 * The lockout, then the risk engine's verdict. Unknown users too: credential stuffing tries names
 * that do not exist, and only then does the per-IP count see them. A replayed context is believed
 * no more than a forged one, and counted each time; a retry (its first call ran out of time before
 * deciding) counts only what its first call did not.
 */
async function decide(
  attempt: SignInAttempt,
  state: LockState,
  use: ContextUse,
  settings: SignInSettings,
  risk: RiskHooks,
  now: number,
): Promise<PreAuthenticationOutcome> {
  if (state.locked) return 'SIGN_IN_LOCKED';
  if (await countFailure(state, settings, now, attemptIdOf(use))) return 'SIGN_IN_LOCKED';
  const asked =
    use.kind === 'replay'
      ? { ...attempt, contextReplayed: true }
      : use.kind === 'retry'
        ? { ...attempt, retried: true }
        : attempt;
  const decision = await risk.assess(asked);
  if (decision.action !== 'block') return 'allowed';
  logger.info('risk engine blocked the sign-in', { riskLevel: decision.level, riskScore: decision.score });
  return 'SIGN_IN_RISK_BLOCKED';
}

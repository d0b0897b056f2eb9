import type { PreAuthenticationEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import { riskHooks, type SignInAttempt } from '../risk/hooks.js';
import { deny } from './account-state.js';
import { buildAttempt } from './context.js';
import { useContextOnce } from './context-use.js';
import { countFailure, identityKey, readLockState } from './lockout.js';
import { verifiedOrigin } from './origin.js';
import type { SignInSettings } from './settings.js';

export { SIGN_IN_DENIED_MESSAGE, SIGN_IN_LOCKED_MESSAGE } from './account-state.js';

/**
 * Pre authentication: the lockout (every attempt counts, known user or not, on the familiar or
 * unfamiliar side of its verified origin), then the risk engine's verdict. It runs before the
 * password is checked, so it does exactly the same work for a known and an unknown user and
 * refuses nothing that depends on the account: suspension and the app client's rules wait for
 * post authentication (see `account-state.ts`). A signed context serves one InitiateAuth: used
 * again, it is a replay (`context-use.ts`).
 */
export async function preAuthentication(
  event: PreAuthenticationEvent,
  settings: SignInSettings,
  now = Date.now(),
): Promise<PreAuthenticationEvent> {
  const attempt = buildAttempt(event, now);
  const origin = verifiedOrigin(event, attempt.metadata, now);
  // The context's one use at this stage, claimed beside the lockout read (no round trip more).
  const firstUse = useContextOnce(origin, 'pre-authentication', now);
  const state = await readLockState(identityKey(event), origin, settings, now, firstUse);
  if (state.locked) deny('SIGN_IN_LOCKED');
  if (await countFailure(state, settings, now)) deny('SIGN_IN_LOCKED');
  // Unknown users too: credential stuffing tries names that do not exist, and only then does the
  // per-IP count see them. A replayed context is believed no more than a forged one.
  return refuseOnRiskBlock(event, (await firstUse) ? attempt : { ...attempt, contextReplayed: true });
}

/** The risk engine's verdict, last: a block gets the same message as every other refusal. */
async function refuseOnRiskBlock(
  event: PreAuthenticationEvent,
  attempt: SignInAttempt,
): Promise<PreAuthenticationEvent> {
  const decision = await riskHooks().assess(attempt);
  if (decision.action === 'block') {
    logger.info('risk engine blocked the sign-in', { riskLevel: decision.level, riskScore: decision.score });
    deny('SIGN_IN_RISK_BLOCKED');
  }
  return event;
}

import type { DefineAuthChallengeEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import type { RiskHooks } from '../risk/contract.js';
import { buildAttempt } from '../sign-in/context.js';
import { useContextOnce } from '../sign-in/context-use.js';
import { identityKey, type LockoutPolicy, readLockState } from '../sign-in/lockout.js';
import { verifiedOrigin } from '../sign-in/origin.js';
import { cognitoGroups, type GroupSource, mergedGroups } from '../users/groups.js';
import { readProfile } from '../users/profile.js';
import type { CustomAuthSettings } from './settings.js';
import { type DefineDecision, nextStep } from './state-machine.js';

/** What the step-up policy says after a right password. */
export type StepUpVerdict = 'step-up' | 'none' | 'block';

/**
 * The step-up policy: the configured always / never / per-group rule, then the risk engine
 * (`step-up` asks for the emailed code, `block` fails the sign-in).
 */
export async function stepUpVerdict(
  event: DefineAuthChallengeEvent,
  settings: CustomAuthSettings,
  risk: RiskHooks,
  groupsOf: GroupSource = cognitoGroups(),
): Promise<StepUpVerdict> {
  const attempt = buildAttempt(event);
  if (settings.stepUpPolicy === 'always') return 'step-up';
  if (settings.stepUpPolicy === 'groups' && settings.stepUpGroups.length > 0) {
    const [profile, cognito] = await Promise.all([
      readProfile(attempt.userId),
      groupsOf(event.userPoolId, event.userName),
    ]);
    const groups = mergedGroups(profile, cognito);
    if (groups.some((group) => settings.stepUpGroups.includes(group))) return 'step-up';
  }
  // The risk engine counts a sign-in once (pre authentication) and answers its decision here, once
  // per context (a replayed one finds it taken: step-up).
  const decision = await risk.assess({ ...attempt, phase: 'define-auth-challenge' });
  if (decision.action === 'block') return 'block';
  return decision.action === 'step-up' ? 'step-up' : 'none';
}

/**
 * Define auth challenge: runs the state machine and answers Cognito. A session whose lockout side
 * is locked fails at its next step, whenever it was opened: a lock ends every conversation.
 */
export async function defineAuthChallenge(
  event: DefineAuthChallengeEvent,
  settings: CustomAuthSettings,
  lockout: LockoutPolicy,
  risk: RiskHooks,
  groupsOf: GroupSource = cognitoGroups(),
  now = Date.now(),
): Promise<DefineAuthChallengeEvent> {
  const userNotFound = event.request.userNotFound === true;
  const origin = verifiedOrigin(event, event.request.clientMetadata ?? {}, now);
  const firstUse = useContextOnce(origin, `define#${event.request.session.length}`, now);
  const { locked } = await readLockState(identityKey(event), origin, lockout, now, firstUse);
  let decision: DefineDecision = locked
    ? { action: 'fail', reason: 'locked' }
    : nextStep(event.request.session, { userNotFound, maxAnswers: settings.maxAnswers });
  if (decision.action === 'decide-step-up') {
    const verdict = await stepUpVerdict(event, settings, risk, groupsOf);
    decision =
      verdict === 'block'
        ? { action: 'fail', reason: 'out-of-order' }
        : verdict === 'step-up'
          ? { action: 'challenge', challengeName: 'CUSTOM_CHALLENGE' }
          : { action: 'issue-tokens' };
    if (verdict !== 'none') logger.info('step-up policy', { verdict });
  }
  const response = event.response;
  response.issueTokens = decision.action === 'issue-tokens';
  response.failAuthentication = decision.action === 'fail';
  if (decision.action === 'challenge') response.challengeName = decision.challengeName;
  if (decision.action === 'fail') logger.info('custom authentication failed', { reason: decision.reason });
  return event;
}

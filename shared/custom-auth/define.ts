import type { DefineAuthChallengeEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import type { RiskHooks } from '../risk/contract.js';
import { buildAttempt } from '../sign-in/context.js';
import {
  attemptIdOf,
  type ContextUse,
  claimContextUse,
  earlierOutcome,
  holds,
  recordAnswer,
} from '../sign-in/context-use.js';
import { identityKey, type LockoutPolicy, readLockState } from '../sign-in/lockout.js';
import { verifiedOrigin } from '../sign-in/origin.js';
import { cognitoGroups, type GroupSource, mergedGroups } from '../users/groups.js';
import { readProfile } from '../users/profile.js';
import type { CustomAuthSettings } from './settings.js';
import { type DefineDecision, FAIL_REASONS, nextStep } from './state-machine.js';

/** What the step-up policy says after a right password. */
export type StepUpVerdict = 'step-up' | 'none' | 'block';

/**
 * The step-up policy: the configured always / never / per-group rule, then the risk engine
 * (`step-up` asks for the emailed code, `block` fails the sign-in). `use` is this call's use of
 * its context: the engine's decision is given to its attempt (Cognito's retries of this call
 * included), and a replayed context is believed in nothing.
 */
export async function stepUpVerdict(
  event: DefineAuthChallengeEvent,
  settings: CustomAuthSettings,
  risk: RiskHooks,
  use: ContextUse,
  groupsOf: GroupSource = cognitoGroups(),
  now = Date.now(),
): Promise<StepUpVerdict> {
  const attempt = buildAttempt(event, now);
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
  // per context and attempt: Cognito's retry of the call that took it gets it again; a replayed
  // context (believed in nothing) or another attempt finds none: step-up.
  const attemptId = attemptIdOf(use);
  const decision = await risk.assess({
    ...attempt,
    phase: 'define-auth-challenge',
    ...(use.kind === 'replay' ? { contextReplayed: true } : {}),
    ...(attemptId ? { attemptId } : {}),
  });
  if (decision.action === 'block') return 'block';
  return decision.action === 'step-up' ? 'step-up' : 'none';
}

/**
 * Define auth challenge: runs the state machine and answers Cognito. A session whose lockout side
 * is locked fails at its next step, whenever it was opened: a lock ends every conversation.
 * Cognito's retry of a define that did not answer in time (the same event: `context-use.ts`) gets
 * the first call's decision when it was recorded, else decides again: the risk engine gives its
 * decision once per sign-in and attempt, so a retry of a call that died after asking it gets the
 * same answer, never a step-up the first call did not ask for.
 */
export async function defineAuthChallenge(
  event: DefineAuthChallengeEvent,
  settings: CustomAuthSettings,
  lockout: LockoutPolicy,
  risk: RiskHooks,
  groupsOf: GroupSource = cognitoGroups(),
  now = Date.now(),
): Promise<DefineAuthChallengeEvent> {
  const origin = verifiedOrigin(event, event.request.clientMetadata ?? {}, now);
  const claim = claimContextUse(origin, `define#${event.request.session.length}`, now, event);
  const { locked } = await readLockState(identityKey(event), origin, lockout, now, claim.then(holds));
  const use: ContextUse = await claim;
  const decision =
    decodeDecision(earlierOutcome(use)) ?? (await decide(event, locked, use, settings, risk, groupsOf, now));
  await recordAnswer(use, encodeDecision(decision));
  const response = event.response;
  response.issueTokens = decision.action === 'issue-tokens';
  response.failAuthentication = decision.action === 'fail';
  if (decision.action === 'challenge') response.challengeName = decision.challengeName;
  if (decision.action === 'fail') logger.info('custom authentication failed', { reason: decision.reason });
  return event;
}

/** The decision Cognito gets: tokens, a challenge or a failure (never `decide-step-up`). */
type Answer = Exclude<DefineDecision, { action: 'decide-step-up' }>;

async function decide(
  event: DefineAuthChallengeEvent,
  locked: boolean,
  use: ContextUse,
  settings: CustomAuthSettings,
  risk: RiskHooks,
  groupsOf: GroupSource,
  now: number,
): Promise<Answer> {
  if (locked) return { action: 'fail', reason: 'locked' };
  const userNotFound = event.request.userNotFound === true;
  const decision = nextStep(event.request.session, { userNotFound, maxAnswers: settings.maxAnswers });
  if (decision.action !== 'decide-step-up') return decision;
  const verdict = await stepUpVerdict(event, settings, risk, use, groupsOf, now);
  if (verdict !== 'none') logger.info('step-up policy', { verdict });
  if (verdict === 'block') return { action: 'fail', reason: 'out-of-order' };
  return verdict === 'step-up'
    ? { action: 'challenge', challengeName: 'CUSTOM_CHALLENGE' }
    : { action: 'issue-tokens' };
}

/** The decision as kept on the context's claim: `issue-tokens`, `challenge:<name>`, `fail:<reason>`. */
function encodeDecision(decision: Answer): string {
  if (decision.action === 'challenge') return `challenge:${decision.challengeName}`;
  if (decision.action === 'fail') return `fail:${decision.reason}`;
  return decision.action;
}

/** A kept decision read back; anything else (none, or not one of ours) is no decision. */
function decodeDecision(kept: string | undefined): Answer | undefined {
  if (kept === 'issue-tokens') return { action: 'issue-tokens' };
  const [action, detail] = kept?.split(':', 2) ?? [];
  if (action === 'challenge' && (detail === 'CUSTOM_CHALLENGE' || detail === 'PASSWORD_VERIFIER'))
    return { action, challengeName: detail };
  const reason = FAIL_REASONS.find((known) => known === detail);
  return action === 'fail' && reason ? { action, reason } : undefined;
}

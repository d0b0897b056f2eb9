import { UserFacingError } from '../errors/index.js';
import type { PreAuthenticationEvent } from '../events/index.js';
import { logger } from '../logging/index.js';
import { riskHooks, type SignInAttempt } from '../risk/hooks.js';
import { buildAttempt } from './context.js';
import { cognitoGroups, type GroupSource } from './groups.js';
import { countAttempt, isLockedOut } from './lockout.js';
import { readProfile, readTenant, stringList } from './profile.js';
import type { ClientRule, SignInSettings } from './settings.js';

/**
 * Messages a user sees when pre authentication refuses. Deliberately few and vague: the check
 * runs before the password, so a message must not tell a stranger whether an account exists,
 * is suspended, or what the risk engine thought. Unknown users are counted and locked exactly
 * like known ones, so the lockout message reveals nothing either.
 */
export const SIGN_IN_LOCKED_MESSAGE = 'Too many sign-in attempts. Please try again later.';
export const SIGN_IN_DENIED_MESSAGE =
  'Sign-in is not possible with these details. Contact your administrator if this persists.';

/** Why a sign-in was refused: the stable code logs and apps see; the message stays vague. */
export type DenialCode =
  | 'SIGN_IN_LOCKED'
  | 'SIGN_IN_USER_SUSPENDED'
  | 'SIGN_IN_TENANT_SUSPENDED'
  | 'SIGN_IN_CLIENT_NOT_ALLOWED'
  | 'SIGN_IN_RISK_BLOCKED';

function deny(code: DenialCode): never {
  throw new UserFacingError(
    code,
    code === 'SIGN_IN_LOCKED' ? SIGN_IN_LOCKED_MESSAGE : SIGN_IN_DENIED_MESSAGE,
  );
}

/**
 * Pre authentication: lockout first (every attempt counts, known user or not), then suspension of
 * the user and of their tenant, the app client's rules, and finally the risk engine's verdict.
 */
export async function preAuthentication(
  event: PreAuthenticationEvent,
  settings: SignInSettings,
  now = Date.now(),
  groupsOf: GroupSource = cognitoGroups(),
): Promise<PreAuthenticationEvent> {
  const attempt = buildAttempt(event, now);
  const [locked, profile] = await Promise.all([
    isLockedOut(attempt.userId, now),
    attempt.userNotFound ? Promise.resolve(undefined) : readProfile(attempt.userId),
  ]);
  if (locked) deny('SIGN_IN_LOCKED');
  if (await countAttempt(attempt.userId, settings, now)) deny('SIGN_IN_LOCKED');
  // An unknown user is refused by Cognito itself, but the risk engine still sees the attempt:
  // credential stuffing tries names that do not exist, and only then does the per-IP count see them.
  if (attempt.userNotFound) return refuseOnRiskBlock(event, attempt);

  if (profile?.suspended === true) deny('SIGN_IN_USER_SUSPENDED');
  if (profile?.tenantId && (await readTenant(profile.tenantId))?.suspended === true)
    deny('SIGN_IN_TENANT_SUSPENDED');
  const rule = settings.clientRules[attempt.clientId];
  if (rule) {
    // Cognito does not tell this trigger the user's groups: ask it only when the rule needs them.
    const groups = rule.allowedGroups
      ? [...stringList(profile?.groups), ...(await groupsOf(event.userPoolId, event.userName))]
      : [];
    if (!clientAllows(rule, attempt.userAttributes, groups)) deny('SIGN_IN_CLIENT_NOT_ALLOWED');
  }

  return refuseOnRiskBlock(event, attempt);
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

/** True when the user satisfies every condition the app client's rule sets. */
export function clientAllows(
  rule: ClientRule,
  userAttributes: Record<string, string>,
  groups: string[],
): boolean {
  if (rule.allowedGroups && !rule.allowedGroups.some((group) => groups.includes(group))) return false;
  for (const [name, value] of Object.entries(rule.requiredAttributes ?? {})) {
    if (userAttributes[name] !== value) return false;
  }
  return true;
}

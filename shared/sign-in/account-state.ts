import { rejection, userFacingMessages } from '../errors/index.js';
import { type GroupSource, mergedGroups } from '../users/groups.js';
import { readProfile, readTenant } from '../users/profile.js';
import type { SignInEventLike } from './context.js';
import type { ClientRule, SignInSettings } from './settings.js';

/**
 * Messages a user sees when a sign-in is refused (from the registry in shared/errors). Deliberately
 * few and vague: they must not tell a stranger whether an account exists, is suspended, or what
 * the risk engine thought.
 */
export const SIGN_IN_LOCKED_MESSAGE = userFacingMessages.SIGN_IN_LOCKED;
export const SIGN_IN_DENIED_MESSAGE = userFacingMessages.SIGN_IN_RISK_BLOCKED;

/** Why a sign-in was refused: the stable code logs and apps see; the message stays vague. */
export type DenialCode =
  | 'SIGN_IN_LOCKED'
  | 'SIGN_IN_USER_SUSPENDED'
  | 'SIGN_IN_TENANT_SUSPENDED'
  | 'SIGN_IN_CLIENT_NOT_ALLOWED'
  | 'SIGN_IN_RISK_BLOCKED';

export function deny(code: DenialCode): never {
  throw rejection(code);
}

/**
 * Refusals that tell something about the account (its suspension, its tenant's, the app client's
 * rule). They run in post authentication, after Cognito has proven the password or the challenge:
 * before that, a stranger would learn from them that the account exists (an unknown user gets
 * Cognito's own "Incorrect username or password."). Post authentication failing makes Cognito
 * fail the sign-in before any token is issued.
 */
export async function refuseByAccountState(
  event: SignInEventLike,
  userId: string,
  settings: Pick<SignInSettings, 'clientRules'>,
  groupsOf: GroupSource,
): Promise<void> {
  const profile = await readProfile(userId);
  if (profile?.suspended === true) deny('SIGN_IN_USER_SUSPENDED');
  if (profile?.tenantId && (await readTenant(profile.tenantId))?.suspended === true)
    deny('SIGN_IN_TENANT_SUSPENDED');
  const rule = settings.clientRules[event.callerContext.clientId];
  if (!rule) return;
  // Cognito does not tell this trigger the user's groups: ask it only when the rule needs them.
  const groups = rule.allowedGroups
    ? mergedGroups(profile, await groupsOf(event.userPoolId, event.userName))
    : [];
  if (!clientAllows(rule, event.request.userAttributes ?? {}, groups)) deny('SIGN_IN_CLIENT_NOT_ALLOWED');
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

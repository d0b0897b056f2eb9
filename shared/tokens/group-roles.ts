import type { GroupConfiguration, GroupOverrideDetails } from '../events/index.js';
import type { GroupRoles } from './settings.js';

/**
 * The group override of a user's tokens: which groups, IAM roles (`cognito:roles`) and preferred
 * role (`cognito:preferred_role`) they carry, for an identity pool's role mapping.
 *
 * The roles come from group membership only (Cognito's `groupConfiguration`, which only an
 * administrator changes), never from attributes, client metadata or the profile. Precedence:
 * 1. `tokens.groupRoles` roles of the user's groups, in the order of the configuration (not the
 *    order of the user's groups, not Cognito's group precedence); the first is the preferred role;
 * 2. then Cognito's own roles (each group's `RoleArn`), and Cognito's preferred role (chosen by
 *    group precedence) only when no configured group applies;
 * 3. when the app client's `groups` filter removed a group, Cognito's own roles and preferred
 *    role are dropped: Cognito does not say which group gave which role, and a role of a group the
 *    client does not see must not reach its tokens.
 * Returns undefined when the tokens would say what Cognito already put in them.
 */
export function groupOverride(
  groups: readonly string[],
  cognito: GroupConfiguration | undefined,
  groupsFiltered: boolean,
  groupRoles: GroupRoles,
): GroupOverrideDetails | undefined {
  const member = new Set(groups);
  const mapped = groupRoles.filter((entry) => member.has(entry.group)).map((entry) => entry.roleArn);
  const cognitoRoles = groupsFiltered ? [] : (cognito?.iamRolesToOverride ?? []);
  const cognitoPreferred = groupsFiltered ? undefined : (cognito?.preferredRole ?? undefined);
  const roles = [...new Set([...mapped, ...cognitoRoles])];
  const preferredRole = mapped[0] ?? cognitoPreferred;

  const unchanged =
    !groupsFiltered &&
    sameList(roles, cognito?.iamRolesToOverride ?? []) &&
    preferredRole === (cognito?.preferredRole ?? undefined);
  if (unchanged) return undefined;
  return {
    groupsToOverride: [...groups],
    iamRolesToOverride: roles,
    ...(preferredRole ? { preferredRole } : {}),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

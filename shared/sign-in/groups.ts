import { AdminListGroupsForUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { type CognitoSender, cognitoClient } from '../aws/cognito.js';

/** Where a trigger that is not told a user's groups (pre authentication, define auth challenge) learns them. */
export type GroupSource = (userPoolId: string, userName: string) => Promise<string[]>;

/** At most this many pages of 60 groups: a user in more groups than that is not a sign-in's business. */
const MAX_PAGES = 3;

/**
 * The user's Cognito groups (AdminListGroupsForUser), the source of truth for group rules. Only
 * called when a rule needs groups, so other sign-ins pay nothing for it.
 */
export function cognitoGroups(cognito: () => CognitoSender = cognitoClient): GroupSource {
  return async (userPoolId, userName) => {
    const groups: string[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await cognito().send(
        new AdminListGroupsForUserCommand({
          UserPoolId: userPoolId,
          Username: userName,
          Limit: 60,
          NextToken: nextToken,
        }),
      );
      for (const group of result.Groups ?? []) if (group.GroupName) groups.push(group.GroupName);
      nextToken = result.NextToken;
      if (!nextToken) break;
    }
    return groups;
  };
}

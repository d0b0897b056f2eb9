import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoSender } from '../aws/cognito.js';
import type { StringMap } from '../events/common.js';

/**
 * The attributes of a user by username (AdminGetUser). The account-takeover notification carries
 * notification fields instead of the user's attributes, so its recipient is looked up.
 */
export async function userAttributes(
  userPoolId: string,
  username: string,
  cognito: CognitoSender,
): Promise<StringMap> {
  const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
  return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name ?? '', a.Value ?? '']));
}

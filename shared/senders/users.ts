import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { StringMap } from '../events/common.js';
import { senderSettings } from './settings.js';

let client: CognitoIdentityProviderClient | undefined;

/** The Cognito client, created on first use (only the account-takeover mail needs it). */
export function cognitoClient(region: string): CognitoIdentityProviderClient {
  if (!client) {
    const { cognitoEndpoint } = senderSettings();
    client = new CognitoIdentityProviderClient({
      region,
      maxAttempts: 2,
      ...(cognitoEndpoint ? { endpoint: cognitoEndpoint } : {}),
    });
  }
  return client;
}

/**
 * The attributes of a user by username (AdminGetUser). The account-takeover notification carries
 * notification fields instead of the user's attributes, so its recipient is looked up.
 */
export async function userAttributes(
  userPoolId: string,
  username: string,
  cognito: CognitoIdentityProviderClient,
): Promise<StringMap> {
  const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }));
  return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name ?? '', a.Value ?? '']));
}

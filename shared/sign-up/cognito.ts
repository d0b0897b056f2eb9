import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { runtimeSettings } from '../config/runtime.js';
import { signUpSettings } from './settings.js';

/** The calls of the Cognito client that pre sign-up and post confirmation make. */
export type CognitoSender = Pick<CognitoIdentityProviderClient, 'send'>;

let client: CognitoIdentityProviderClient | undefined;

/** The Cognito user-pools client, created on first use: only the paths that call Cognito pay for it. */
export function cognitoClient(): CognitoIdentityProviderClient {
  if (!client) {
    const { region } = runtimeSettings();
    const endpoint = signUpSettings().cognitoEndpoint;
    client = new CognitoIdentityProviderClient({ region, ...(endpoint ? { endpoint } : {}) });
  }
  return client;
}

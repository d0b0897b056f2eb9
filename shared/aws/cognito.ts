import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { runtimeSettings } from '../config/runtime.js';
import { CALL_LIMITS, clientOptions, withDeadline } from './clients.js';

/** The calls of the Cognito client that functions make; tests pass their own. */
export type CognitoSender = Pick<CognitoIdentityProviderClient, 'send'>;

let client: CognitoIdentityProviderClient | undefined;

/**
 * The one Cognito user-pools client (pre sign-up's linking, post confirmation's groups, the
 * senders' user lookup, the console), created on first use: only the paths that call Cognito pay
 * for it. `COGNITO_ENDPOINT` points it at cognito-local.
 */
export function cognitoClient(): CognitoIdentityProviderClient {
  client ??= withDeadline(
    new CognitoIdentityProviderClient(clientOptions(CALL_LIMITS.cognito, runtimeSettings().cognitoEndpoint)),
  );
  return client;
}

import { GlobalSignOutCommand, NotAuthorizedException } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { recordSignOut } from '../authorizer/revoke.js';
import { type CognitoSender, cognitoClient } from '../aws/cognito.js';
import type { AuthorizerContext } from '../events/index.js';
import { logger } from '../logging/index.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';

/**
 * `POST /sign-out` behind the authorizer: signs the caller out everywhere.
 *
 * 1. Gatehouse's record first (`USER#<sub>` / `SIGNED_OUT_AT`, the item the authorizer reads when
 *    `AUTHORIZER_REVOCATION` is on): every token of the user issued until now is refused by the
 *    API, this one included.
 * 2. Then Cognito's GlobalSignOut with the caller's own access token: refresh tokens stop working,
 *    and Cognito refuses the access token for its own user operations.
 *
 * The order makes a failure safe: if Cognito fails, the API already refuses the tokens and the
 * answer says what is left (the refresh tokens); the caller can try again.
 */
export type SignOutEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;

export interface SignOutDependencies {
  /** Records the sign-out time of `sub` (epoch seconds) for the authorizer. */
  recordSignOut(sub: string, at: number): Promise<void>;
  /** Cognito's GlobalSignOut, authorized by the access token itself. */
  globalSignOut(accessToken: string): Promise<void>;
  now?: () => number;
}

/** What the caller learns: when it was signed out, and whether Cognito revoked its refresh tokens. */
export interface SignOutAnswer {
  signedOutAt: number;
  refreshTokensRevoked: boolean;
}

const json = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

const refused = (statusCode: number, error: string, message: string) => json(statusCode, { error, message });

/** The bearer token of the request (the one the authorizer verified), or undefined. */
function bearerToken(event: SignOutEvent): string | undefined {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/**
 * Cognito's `sub` is a UUID. A context whose `sub` is anything else was not made by the authorizer
 * from a pool's token (a misconfigured route, another authorizer): refused before it becomes a key.
 */
const COGNITO_SUB = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function signOut(
  event: SignOutEvent,
  deps: SignOutDependencies,
): Promise<APIGatewayProxyResultV2> {
  const caller = event.requestContext.authorizer?.lambda;
  const token = bearerToken(event);
  // Only reachable without the authorizer (a misconfigured route): never sign anyone out then.
  if (!caller || typeof caller.sub !== 'string' || !COGNITO_SUB.test(caller.sub) || !token) {
    return refused(401, 'SIGN_OUT_UNAUTHENTICATED', 'Sign in first.');
  }
  if (caller.tokenUse !== 'access') {
    return refused(400, 'SIGN_OUT_NEEDS_ACCESS_TOKEN', 'Sign out with your access token, not your ID token.');
  }
  const signedOutAt = nowSeconds(deps.now?.() ?? Date.now());
  await deps.recordSignOut(caller.sub, signedOutAt);
  try {
    await deps.globalSignOut(token);
  } catch (error) {
    // Cognito refuses a token it already revoked (a second sign-out) or one without the
    // aws.cognito.signin.user.admin scope (e.g. from the hosted UI without it): nothing a retry fixes.
    if (error instanceof NotAuthorizedException) {
      logger.info('signed out; Cognito refused the token for GlobalSignOut', { error: error.name });
      return json(200, { signedOutAt, refreshTokensRevoked: false } satisfies SignOutAnswer);
    }
    logger.error('signed out of the API; Cognito GlobalSignOut failed', {
      error: error instanceof Error ? error.name : typeof error,
    });
    return refused(
      502,
      'SIGN_OUT_COGNITO_FAILED',
      'The API now refuses your tokens, but Cognito could not revoke your refresh token: try again.',
    );
  }
  logger.info('signed out', { signedOutAt });
  return json(200, { signedOutAt, refreshTokensRevoked: true } satisfies SignOutAnswer);
}

/** The deployed dependencies: the table and Cognito. */
export function signOutDependencies(client: () => CognitoSender = cognitoClient): SignOutDependencies {
  return {
    recordSignOut: (sub, at) => recordSignOut(documentClient(), tableName(), sub, at),
    globalSignOut: async (accessToken) => {
      await client().send(new GlobalSignOutCommand({ AccessToken: accessToken }));
    },
  };
}

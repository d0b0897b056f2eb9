import { JwtRsaVerifier } from 'aws-jwt-verify';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { LocalCognito } from './cognito.js';

/**
 * Verifies tokens of cognito-local the way a backend verifies Cognito's: RS256 signature against
 * the pool's JWKS, issuer, expiry, and for ID tokens the app client as audience. aws-jwt-verify
 * fetches JWKS over https only, and cognito-local serves http, so the JWKS is fetched here once
 * and handed to the verifier's cache.
 */
export async function localTokenVerifier(cognito: LocalCognito) {
  const jwks = (await (await fetch(cognito.jwksUri)).json()) as Parameters<
    ReturnType<typeof JwtRsaVerifier.create>['cacheJwks']
  >[0];
  const idVerifier = JwtRsaVerifier.create({
    issuer: cognito.issuer,
    jwksUri: cognito.jwksUri,
    audience: cognito.clientId,
  });
  const accessVerifier = JwtRsaVerifier.create({
    issuer: cognito.issuer,
    jwksUri: cognito.jwksUri,
    audience: null,
  });
  idVerifier.cacheJwks(jwks);
  accessVerifier.cacheJwks(jwks);
  return {
    async verifyIdToken(token: string): Promise<JwtPayload> {
      const payload = await idVerifier.verify(token);
      if (payload.token_use !== 'id') throw new Error(`token_use is ${String(payload.token_use)}, not id`);
      return payload;
    },
    async verifyAccessToken(token: string): Promise<JwtPayload> {
      const payload = await accessVerifier.verify(token);
      if (payload.token_use !== 'access')
        throw new Error(`token_use is ${String(payload.token_use)}, not access`);
      if (payload.client_id !== cognito.clientId) throw new Error('client_id is not the app client');
      return payload;
    },
  };
}

/** Changes one character of the payload, keeping the signature: what an attacker would try. */
export function tamperWithToken(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims['cognito:groups'] = ['admin'];
  const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${forged}.${signature}`;
}

/** The claims of a JWT without verifying it (for display only). */
export function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** A one-time code of `length` digits from the platform's cryptographic source, uniformly drawn. */
export function generateCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10));
  return code;
}

/** A random identifier for a challenge (URL-safe, 128 bits). */
export function newChallengeId(): string {
  return randomBytes(16).toString('base64url');
}

/** The digest kept instead of the code; salted by the challenge id so equal codes differ. */
export function codeDigest(challengeId: string, code: string): string {
  return createHash('sha256').update(`${challengeId}\n${code}`).digest('base64url');
}

/** Constant-time equality of two strings (their digests are compared, so lengths never leak). */
export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The token a magic link carries: `<payload>.<signature>`, both base64url. */
export interface MagicLinkClaims {
  /** The user's identity key (`identityKey`: `IDENTITY#sub#<sub>`). */
  u: string;
  /** The CHALLENGE# id consumed when the link is used. */
  c: string;
  /** Expiry, epoch seconds. */
  e: number;
}

export function signMagicLink(claims: MagicLinkClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${hmac(payload, secret)}`;
}

/** The claims of a well-signed token, or undefined (expiry is the caller's check). */
export function readMagicLink(token: string, secret: string): MagicLinkClaims | undefined {
  if (token.length > 2048) return undefined;
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  if (!safeEqual(signature, hmac(payload, secret))) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<MagicLinkClaims>;
    if (typeof claims.u !== 'string' || typeof claims.c !== 'string' || typeof claims.e !== 'number')
      return undefined;
    return claims as MagicLinkClaims;
  } catch {
    return undefined;
  }
}

function hmac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNED_CONTEXT_FIELDS, type SignInContextFields } from './hooks.js';

/**
 * The sign-in context an app passes in `clientMetadata` / `validationData`, and its signature.
 *
 * A browser can send anything, so the app's backend may sign the context: HMAC-SHA256, with a
 * secret shared with Gatehouse, over the canonical text below, hex-encoded into `signature`:
 *
 * ```
 * gatehouse-context-v1
 * user=<userName, lower-cased>
 * ip=<ip>
 * userAgent=<userAgent>
 * deviceId=<deviceId>
 * deviceKey=<deviceKey>
 * country=<country>
 * latitude=<latitude>
 * longitude=<longitude>
 * timestamp=<epoch seconds (or milliseconds)>
 * ```
 *
 * Absent fields are empty after `=`. The user name is part of it so that a context signed for
 * one account cannot be replayed for another; the timestamp so that it cannot be replayed later.
 */
export const SIGNED_FIELDS = SIGNED_CONTEXT_FIELDS;

/** The signature check's verdict; only `valid` means the fields come from the app's backend. */
export type SignatureStatus = 'valid' | 'missing' | 'forged' | 'stale';

/** The context fields taken from the app's metadata (strings only; anything else is dropped). */
export function contextFields(metadata: Record<string, unknown> | undefined): SignInContextFields {
  const fields: SignInContextFields = {};
  for (const key of [...SIGNED_FIELDS, 'signature'] as const) {
    const value = metadata?.[key];
    if (typeof value === 'string' && value !== '') fields[key] = value;
  }
  return fields;
}

/** The exact text that is signed. */
export function canonicalContext(fields: SignInContextFields, userName: string): string {
  const lines = ['gatehouse-context-v1', `user=${userName.toLowerCase()}`];
  for (const key of SIGNED_FIELDS) lines.push(`${key}=${fields[key] ?? ''}`);
  return lines.join('\n');
}

/** The signature an app's backend puts in `signature` (also used by tests and the docs' example). */
export function signContext(fields: SignInContextFields, userName: string, secret: string): string {
  return createHmac('sha256', secret).update(canonicalContext(fields, userName)).digest('hex');
}

/**
 * Checks the signature: `missing` without one, `forged` when it does not match (or no secret is
 * configured to check it), `stale` when it matches but its timestamp is further than
 * `maxAgeSeconds` from `now` (either way: a future timestamp is as suspicious as an old one).
 */
export function verifyContext(
  fields: SignInContextFields,
  userName: string,
  secret: string | undefined,
  maxAgeSeconds: number,
  now: number,
): SignatureStatus {
  if (!fields.signature) return 'missing';
  if (!secret) return 'forged';
  const expected = Buffer.from(signContext(fields, userName, secret), 'hex');
  const given = /^[0-9a-f]{64}$/i.test(fields.signature)
    ? Buffer.from(fields.signature, 'hex')
    : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
  // Epoch seconds as documented; epoch milliseconds (13 digits) are read as such.
  if (!/^\d{1,13}$/.test(fields.timestamp ?? '')) return 'stale';
  const value = Number(fields.timestamp);
  const signedAt = value < 1e12 ? value * 1000 : value;
  return Math.abs(now - signedAt) > maxAgeSeconds * 1000 ? 'stale' : 'valid';
}

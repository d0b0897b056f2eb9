import { createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNED_CONTEXT_FIELDS, type SignInContextFields } from './types.js';

/**
 * The sign-in context an app passes in `clientMetadata` / `validationData`, and its signature.
 *
 * A browser can send anything, so the context is signed by a component that saw the request: the
 * context endpoint (`POST /sign-in-context`, which takes the IP and user agent from API Gateway's
 * request context) or the app's own backend. HMAC-SHA256 with `RISK_CONTEXT_SECRET` over the
 * canonical text below, hex-encoded into `signature`:
 *
 * ```
 * gatehouse-context-v2\n
 * username:<length>:<value>\n
 * clientId:<length>:<value>\n
 * ip:<length>:<value>\n
 * ... every field of SIGNED_FIELDS, in that order ...
 * nonce:<length>:<value>\n
 * ```
 *
 * `<length>` is the value's length in UTF-8 bytes (0 for an absent field). Length-prefixing makes
 * the text injective: no value, whatever it holds (newlines, `:`, another field's name), can be
 * read back as other fields, so one signature covers exactly one set of fields. The username
 * binds the context to one account, the client id to one app client, the timestamp (issued at,
 * epoch seconds) to one moment, and the nonce to one sign-in.
 */
export const SIGNED_FIELDS = SIGNED_CONTEXT_FIELDS;
export const CONTEXT_VERSION = 'gatehouse-context-v2';

/**
 * The signature check's verdict; only `valid` means the fields come from a signer we trust.
 * `replayed` is never this module's answer: it is a valid context whose nonce the sign-in
 * triggers found used already at the same stage (`SignInAttempt.contextReplayed`).
 */
export type SignatureStatus = 'valid' | 'missing' | 'forged' | 'stale' | 'replayed';

/** What a context must be bound to: the identities of the user signing in and the app client. */
export interface ContextBinding {
  /** Every name the user may have typed: userName, email, preferred_username, phone_number. */
  identities: readonly string[];
  clientId: string;
}

/** A nonce is an opaque id: letters, digits, `-` and `_`, 8 to 64 of them. */
export const NONCE_PATTERN = /^[\w-]{8,64}$/;

/** Longest value of any field, in characters: a context is small, and ClientMetadata too. */
export const MAX_FIELD_LENGTH = 512;

/** A lone UTF-16 surrogate: it has no UTF-8 form, so two such strings could share bytes. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The username as it is signed and compared: trimmed and lower-cased (Cognito's usernames ignore case). */
export function normaliseUsername(name: string): string {
  return name.trim().toLowerCase();
}

/** The context fields taken from the app's metadata (strings only; anything else is dropped). */
export function contextFields(metadata: Record<string, unknown> | undefined): SignInContextFields {
  const fields: SignInContextFields = {};
  for (const key of [...SIGNED_FIELDS, 'signature'] as const) {
    const value = metadata?.[key];
    if (typeof value === 'string' && value !== '') fields[key] = value;
  }
  return fields;
}

/**
 * The exact text that is signed. Throws on a value that is not well-formed Unicode (a lone
 * surrogate), which has no byte form of its own.
 */
export function canonicalContext(fields: SignInContextFields): string {
  let text = `${CONTEXT_VERSION}\n`;
  for (const key of SIGNED_FIELDS) {
    const value = fields[key] ?? '';
    if (LONE_SURROGATE.test(value)) throw new TypeError(`context field ${key} is not well-formed Unicode`);
    text += `${key}:${Buffer.byteLength(value, 'utf8')}:${value}\n`;
  }
  return text;
}

/** The signature the context endpoint (or an app's backend) puts in `signature`. */
export function signContext(fields: SignInContextFields, secret: string): string {
  return createHmac('sha256', secret).update(canonicalContext(fields), 'utf8').digest('hex');
}

/**
 * Checks the signature: `missing` without one; `forged` when it does not match (or no secret is
 * configured to check it, or a field is malformed or too long), or when it matches but was signed
 * for another user or app client; `stale` when it matches but its timestamp is further than
 * `maxAgeSeconds` from `now` (either way: a future timestamp is as suspicious as an old one).
 */
export function verifyContext(
  fields: SignInContextFields,
  binding: ContextBinding,
  secret: string | readonly string[] | undefined,
  maxAgeSeconds: number,
  now: number,
): SignatureStatus {
  if (!fields.signature) return 'missing';
  // Several keys during a rotation (shared/risk/context-key.ts): the current one, then the previous.
  const keys = (typeof secret === 'string' ? [secret] : (secret ?? [])).filter((key) => key !== '');
  if (keys.length === 0 || !wellFormed(fields)) return 'forged';
  const given = /^[0-9a-f]{64}$/i.test(fields.signature)
    ? Buffer.from(fields.signature, 'hex')
    : Buffer.alloc(0);
  const signedBy = (key: string) => {
    const expected = Buffer.from(signContext(fields, key), 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  if (!keys.some(signedBy)) return 'forged';
  if (!isBoundTo(fields, binding)) return 'forged';
  // Epoch seconds as documented; epoch milliseconds (13 digits) are read as such.
  if (!/^\d{1,13}$/.test(fields.timestamp ?? '')) return 'stale';
  const value = Number(fields.timestamp);
  const signedAt = value < 1e12 ? value * 1000 : value;
  return Math.abs(now - signedAt) > maxAgeSeconds * 1000 ? 'stale' : 'valid';
}

function wellFormed(fields: SignInContextFields): boolean {
  return SIGNED_FIELDS.every((key) => {
    const value = fields[key];
    return value === undefined || (value.length <= MAX_FIELD_LENGTH && !LONE_SURROGATE.test(value));
  });
}

function isBoundTo(fields: SignInContextFields, binding: ContextBinding): boolean {
  if (fields.clientId !== binding.clientId || !fields.username) return false;
  const signedFor = normaliseUsername(fields.username);
  return binding.identities.some((identity) => normaliseUsername(identity) === signedFor);
}

/** The identities a user may sign in with, from a trigger event's userName and attributes. */
export function identitiesOf(userName: string, userAttributes: Record<string, string>): string[] {
  return [
    userName,
    userAttributes.email,
    userAttributes.preferred_username,
    userAttributes.phone_number,
  ].filter((name): name is string => typeof name === 'string' && name !== '');
}

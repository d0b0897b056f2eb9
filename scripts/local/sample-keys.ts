import { createPrivateKey, createPublicKey, createSign, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { localAesKeyring } from '../../shared/senders/decrypt.js';
import { eventsFolder } from './sample-events.js';

/**
 * The keys of the local samples (`events/local-keys.json`), public by design: an RSA key that
 * signs the authorizer samples' tokens and an AES key the custom sender samples' codes are
 * encrypted for. Only a local run trusts them, through settings a deployed function refuses:
 * AUTHORIZER_LOCAL_JWKS (only for a `local_` pool) and SENDER_LOCAL_AES_KEY (never with KMS_KEY_ARN).
 */
interface LocalKeys {
  tokenSigningKey: JsonWebKey & { kid: string };
  senderAesKey: string;
}

export const localKeysFile = join(eventsFolder, 'local-keys.json');
const keys = JSON.parse(readFileSync(localKeysFile, 'utf8')) as LocalKeys;

/** The pool, app client and issuer of the samples' tokens (a `local_` pool: Cognito never issues one). */
export const SAMPLE_POOL_ID = 'local_GatehouseSamples';
export const SAMPLE_CLIENT_ID = '3example0clientid0000000000';
export const SAMPLE_ISSUER_BASE = 'http://gatehouse.localhost';
export const SAMPLE_ISSUER = `${SAMPLE_ISSUER_BASE}/${SAMPLE_POOL_ID}`;

/** The public half of the signing key, as a JWKS. */
export function sampleJwks(): { keys: Record<string, string>[] } {
  const publicJwk = createPublicKey({ key: keys.tokenSigningKey, format: 'jwk' }).export({ format: 'jwk' });
  return {
    keys: [
      { ...(publicJwk as Record<string, string>), kid: keys.tokenSigningKey.kid, alg: 'RS256', use: 'sig' },
    ],
  };
}

/** An RS256 JWT signed with the samples' key. */
export function signSampleToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ kid: keys.tokenSigningKey.kid, alg: 'RS256' })}.${encode(claims)}`;
  const key = createPrivateKey({ key: keys.tokenSigningKey, format: 'jwk' });
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

/** The raw AES keyring the sender samples' codes are encrypted for. */
export function sampleSenderKeyring() {
  return localAesKeyring(Buffer.from(keys.senderAesKey, 'base64'));
}

const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** Encrypts a code as Cognito does for a custom sender (an Encryption SDK message, base64). */
export async function encryptSampleCode(code: string, userPoolId: string): Promise<string> {
  const { result } = await encrypt(sampleSenderKeyring(), code, {
    encryptionContext: { 'userpool-id': userPoolId },
  });
  return result.toString('base64');
}

/**
 * The settings under which the samples work locally: the authorizer trusts the samples' key for
 * their pool, the senders decrypt with the samples' AES key. Each group applies only when `env`
 * sets none of it: the caller's own pool, or KMS_KEY_ARN, keeps its meaning.
 */
export function sampleKeySettings(env: NodeJS.ProcessEnv): Record<string, string> {
  const unset = (...names: string[]) => names.every((name) => !env[name]);
  return {
    ...(unset('USER_POOL_ID', 'AUTHORIZER_LOCAL_ISSUER', 'AUTHORIZER_LOCAL_JWKS')
      ? {
          USER_POOL_ID: SAMPLE_POOL_ID,
          USER_POOL_CLIENT_ID: SAMPLE_CLIENT_ID,
          AUTHORIZER_LOCAL_ISSUER: SAMPLE_ISSUER_BASE,
          AUTHORIZER_LOCAL_JWKS: JSON.stringify(sampleJwks()),
        }
      : {}),
    ...(unset('KMS_KEY_ARN', 'SENDER_LOCAL_AES_KEY') ? { SENDER_LOCAL_AES_KEY: keys.senderAesKey } : {}),
  };
}

import { acceptedValues, readSecret, type SecretValues } from '../config/secrets.js';
import { type MagicLinkClaims, readMagicLink, signMagicLink } from './codes.js';
import type { CustomAuthSettings } from './settings.js';

/** True when magic links are configured: a key (plain or a secret id) and the page that completes them. */
export function magicLinksConfigured(settings: CustomAuthSettings): boolean {
  return Boolean((settings.magicLinkSecret || settings.magicLinkSecretId) && settings.magicLinkUrl);
}

/** The magic-link key: from Secrets Manager in a deployment (cached), the plain value locally. */
export function magicLinkKey(settings: CustomAuthSettings): Promise<SecretValues | undefined> {
  return readSecret({ plain: settings.magicLinkSecret, secretId: settings.magicLinkSecretId });
}

/** Signs with the current key. */
export function signWithCurrentKey(claims: MagicLinkClaims, key: SecretValues): string {
  return signMagicLink(claims, key.current);
}

/** The claims of a link signed with the current key, or with the previous one during a rotation. */
export function readWithAcceptedKeys(token: string, key: SecretValues): MagicLinkClaims | undefined {
  for (const value of acceptedValues(key)) {
    const claims = readMagicLink(token, value);
    if (claims) return claims;
  }
  return undefined;
}

import type { PreSignUpEvent } from '../events/index.js';
import { canonicalIp, parseIp } from '../risk/ip.js';

/**
 * The key an IP address is counted under: trimmed, an IPv4-mapped IPv6 address read as its IPv4
 * address, IPv4 whole (`198.51.100.77`) and IPv6 by its /64 (`2001:db8:0:1:0:0:0:0/64`: one
 * subscriber usually holds a whole /64, so counting single IPv6 addresses counts nothing).
 * Undefined when the text is no IP address.
 */
export function ipBucket(text: string | undefined): string | undefined {
  const ip = parseIp(text);
  if (!ip) return undefined;
  if (ip.version === 4) return canonicalIp(ip);
  return `${canonicalIp({ version: 6, value: (ip.value >> 64n) << 64n })}/64`;
}

/**
 * The source IP of a self sign-up, as a bucket: the `ip` the app passes in `validationData`
 * (else `clientMetadata`). Cognito gives pre sign-up no IP of its own, so this is what the app
 * says it is: limits keyed on it stop honest bursts, and the per-domain and global limits do
 * not depend on it.
 */
export function signUpIpBucket(event: PreSignUpEvent): string | undefined {
  const { validationData, clientMetadata } = event.request;
  return ipBucket(validationData?.ip ?? clientMetadata?.ip);
}

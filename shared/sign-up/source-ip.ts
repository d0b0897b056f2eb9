import type { PreSignUpEvent } from '../events/index.js';
import type { SignInAttempt, VerifiedContext } from '../risk/contract.js';
import { verifiedContext } from '../risk/facts.js';
import { canonicalIp, parseIp } from '../risk/ip.js';
import { loadRiskConfig, type RiskConfig } from '../risk/settings.js';
import { userKey } from '../storage/keys.js';

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

/** A check of a context: which of its facts can be believed. */
export type ContextVerifier = (attempt: SignInAttempt) => Promise<VerifiedContext>;

let riskSettings: RiskConfig | undefined;

/**
 * The risk engine's own check (`verifiedContext`, what `riskHooks().verify` answers), with the
 * risk settings read once per container. Called directly rather than through `riskHooks()`, whose
 * engine would bring its store into this bundle (and its DynamoDB actions into this role).
 */
export const verifySignUpContext: ContextVerifier = async (attempt) => {
  riskSettings ??= loadRiskConfig();
  return verifiedContext(attempt, riskSettings);
};

/**
 * The source IP of a self sign-up, as a bucket, or undefined. Cognito gives pre sign-up no IP of
 * its own: the IP is the one of the sign-in context the app passes (`ClientMetadata` on SignUp,
 * or `ValidationData`), and counts only when the risk engine's check believes it: signed by the
 * context endpoint or the app's backend for this username (or address) and app client, or
 * unsigned where `RISK_CONTEXT_SIGNATURE=optional` (or the client is listed as unsigned) says to
 * accept claims. A bare claim never spends, nor refreshes, anyone's budget.
 */
export async function signUpIpBucket(
  event: PreSignUpEvent,
  verify: ContextVerifier,
  now: number,
): Promise<string | undefined> {
  const { validationData, clientMetadata, userAttributes } = event.request;
  const attempt: SignInAttempt = {
    userPoolId: event.userPoolId,
    clientId: event.callerContext.clientId,
    userName: event.userName,
    userId: userKey(undefined, event.userName),
    userAttributes,
    userNotFound: true,
    metadata: { ...validationData, ...clientMetadata },
    at: now,
  };
  return ipBucket((await verify(attempt)).ip);
}

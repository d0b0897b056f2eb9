import type { PreSignUpEvent } from '../events/index.js';
import {
  ipBucket,
  loadRiskConfig,
  type RiskConfig,
  type SignInAttempt,
  type VerifiedContext,
  verifiedContext,
} from '../risk/contract.js';
import { userKey } from '../storage/keys.js';

/** The key an IP address is counted under (see `ipBucket` in the risk engine's `ip.ts`). */
export { ipBucket };

/** A check of a context: which of its facts can be believed. */
export type ContextVerifier = (attempt: SignInAttempt) => Promise<VerifiedContext>;

let riskSettings: RiskConfig | undefined;

/**
 * The risk engine's own check (`verifiedContext`, what the engine's `verify` answers), with the
 * risk settings read once per container. Called directly rather than through a built engine, which
 * would bring its store into this bundle (and its DynamoDB actions into this role).
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

import type { SignInAttempt } from '../risk/contract.js';
import { userKey } from '../storage/keys.js';

/** What every sign-in trigger event has in common, as far as building an attempt goes. */
export interface SignInEventLike {
  userPoolId: string;
  userName: string;
  callerContext: { clientId: string };
  request: {
    userAttributes?: Record<string, string>;
    userNotFound?: boolean;
    clientMetadata?: Record<string, string> | null;
    validationData?: Record<string, string> | null;
    newDeviceUsed?: boolean;
  };
}

/**
 * The attempt the risk engine sees. The app's context arrives in `validationData` in pre
 * authentication (InitiateAuth's ClientMetadata) and in `clientMetadata` elsewhere; both are read.
 */
export function buildAttempt(event: SignInEventLike, now = Date.now()): SignInAttempt {
  const userAttributes = event.request.userAttributes ?? {};
  return {
    userPoolId: event.userPoolId,
    clientId: event.callerContext.clientId,
    userName: event.userName,
    userId: userKey(userAttributes, event.userName),
    userAttributes,
    userNotFound: event.request.userNotFound === true,
    metadata: { ...(event.request.validationData ?? {}), ...(event.request.clientMetadata ?? {}) },
    ...(event.request.newDeviceUsed !== undefined ? { newDeviceUsed: event.request.newDeviceUsed } : {}),
    at: now,
  };
}

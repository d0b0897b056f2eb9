import { SIGNED_CONTEXT_FIELDS, type SignInAttempt } from '../risk/hooks.js';
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

/** The keys of the app's sign-in context that are kept between triggers (SignInContextFields, plus ids). */
const CONTEXT_KEYS = [...SIGNED_CONTEXT_FIELDS, 'signature', 'requestId'] as const;

/** The sign-in context in the app's metadata, each value capped, other keys left out. */
export function contextFields(metadata: Record<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of CONTEXT_KEYS) {
    const value = metadata[key];
    if (typeof value === 'string' && value !== '') fields[key] = value.slice(0, 512);
  }
  return fields;
}

/** True when the metadata says anything about where the sign-in came from. */
export function hasLocationContext(metadata: Record<string, string>): boolean {
  return Boolean(metadata.ip || metadata.userAgent || metadata.deviceId || metadata.deviceKey);
}

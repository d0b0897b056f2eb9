import { loadSettings, type Settings } from '../config/settings.js';
import {
  contextFields,
  contextKeys,
  identitiesOf,
  NONCE_PATTERN,
  networkOf,
  parseIp,
  riskSettingSpecs,
  verifyContext,
} from '../risk/contract.js';

/**
 * Where an attempt comes from, as far as Gatehouse verified it: the device and the network of a
 * validly signed sign-in context, nothing else. An unsigned, forged or stale context gives an
 * empty origin, so a stranger cannot claim a victim's device or network to pass as familiar; so
 * does a signed context without a nonce (it could not be claimed once: see `context-use.ts`).
 */
export interface VerifiedOrigin {
  /** Cognito's device key, else the app's device id (the identity the device registry uses). */
  deviceId?: string;
  /** The IP's network (`networkOf`: /24 for IPv4, /48 for IPv6). */
  network?: string;
  /** The context's nonce: what `claimContextUse` claims, so that a replayed context counts for nothing. */
  nonce?: string;
}

/** The settings that check a context's signature (the risk engine's, read once per container). */
const signatureSpecs = {
  contextSecret: riskSettingSpecs.contextSecret,
  contextMaxAgeSeconds: riskSettingSpecs.contextMaxAgeSeconds,
};
export type SignatureSettings = Settings<typeof signatureSpecs>;

let cached: SignatureSettings | undefined;

/** The signature settings, read once per container. */
export function signatureSettings(): SignatureSettings {
  cached ??= loadSettings(signatureSpecs);
  return cached;
}

/** A device identity is opaque to us: kept short so that it cannot bloat a key. */
const MAX_DEVICE_ID = 256;

/** The trigger event an attempt's context must be bound to (its user and app client). */
export interface OriginEvent {
  userName: string;
  callerContext: { clientId: string };
  request: { userAttributes?: Record<string, string> | null };
}

/**
 * The verified origin of an attempt: its context (`metadata`) must carry a valid signature bound
 * to this event's user and app client. Stricter than the risk engine's `verify`, on purpose: a
 * context the engine accepts unsigned (`RISK_CONTEXT_SIGNATURE=optional`, or a client in
 * `risk.unsignedContextClients`) still never makes a place familiar to the lockout.
 */
export function verifiedOrigin(
  event: OriginEvent,
  metadata: Record<string, string>,
  now: number,
  settings: SignatureSettings = signatureSettings(),
): VerifiedOrigin {
  const fields = contextFields(metadata);
  const binding = {
    identities: identitiesOf(event.userName, event.request.userAttributes ?? {}),
    clientId: event.callerContext.clientId,
  };
  const keys = contextKeys(settings.contextSecret);
  const status = verifyContext(fields, binding, keys, settings.contextMaxAgeSeconds, now);
  if (status !== 'valid') return {};
  // Without a nonce a context cannot be claimed once, so it could be replayed: it counts for nothing.
  if (!fields.nonce || !NONCE_PATTERN.test(fields.nonce)) return {};
  const ip = parseIp(fields.ip);
  const deviceId = (fields.deviceKey ?? fields.deviceId)?.slice(0, MAX_DEVICE_ID);
  return {
    ...(deviceId ? { deviceId } : {}),
    ...(ip ? { network: networkOf(ip) } : {}),
    nonce: fields.nonce,
  };
}

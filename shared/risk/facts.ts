import { contextFields, identitiesOf, MAX_FIELD_LENGTH, NONCE_PATTERN, verifyContext } from './context.js';
import { contextKeys } from './context-key.js';
import type { GeoLookup } from './geo.js';
import { parseCoordinates } from './geo.js';
import { canonicalIp, networkOf, parseIp } from './ip.js';
import type { AttemptFacts, PastSignIn, RiskHistory } from './model.js';
import type { RiskConfig } from './settings.js';
import type { SignInAttempt, VerifiedContext } from './types.js';

const NONCE = NONCE_PATTERN;

/**
 * Whether the attempt's context can be believed: validly signed, or unsigned where unsigned
 * contexts are accepted by configuration (`RISK_CONTEXT_SIGNATURE=optional`, or the client is
 * listed in `risk.unsignedContextClients`). A forged, stale, replayed or (where signatures are
 * required) missing signature: nothing the context claims is used.
 */
export function contextTrust(attempt: SignInAttempt, config: RiskConfig) {
  const fields = contextFields(attempt.metadata);
  const checked = verifyContext(
    fields,
    { identities: identitiesOf(attempt.userName, attempt.userAttributes), clientId: attempt.clientId },
    contextKeys(config.contextSecret),
    config.contextMaxAgeSeconds,
    attempt.at,
  );
  const signature = checked === 'valid' && attempt.contextReplayed === true ? 'replayed' : checked;
  const trusted =
    signature === 'valid' ||
    (signature === 'missing' &&
      (config.contextSignature === 'optional' || config.unsignedContextClients.includes(attempt.clientId)));
  return { fields, signature, trusted };
}

/**
 * The facts of one attempt: its context read from the metadata, the signature checked, the IP
 * normalised, and where it comes from. Only a context that can be believed (`contextTrust`) gives
 * facts; otherwise the attempt has none but its signature status (a signal of its own) and what
 * Cognito itself says (`newDeviceUsed`). The location of a believed context without coordinates
 * comes from the database.
 */
export function attemptFacts(attempt: SignInAttempt, config: RiskConfig, geo?: GeoLookup): AttemptFacts {
  const { fields, signature, trusted } = contextTrust(attempt, config);
  const base = {
    clientId: attempt.clientId,
    signature,
    ...(attempt.newDeviceUsed !== undefined ? { newDeviceUsed: attempt.newDeviceUsed } : {}),
    at: attempt.at,
  };
  if (!trusted) return base;
  const ip = parseIp(fields.ip);
  const ipText = ip && canonicalIp(ip);
  const claimed = parseCoordinates(fields.latitude, fields.longitude);
  const claimedCountry = fields.country?.toUpperCase();
  const looked = ipText && (!claimed || !claimedCountry) ? geo?.(ipText) : undefined;
  const coordinates =
    claimed ??
    (looked?.latitude !== undefined && looked.longitude !== undefined
      ? { latitude: looked.latitude, longitude: looked.longitude }
      : undefined);
  const country = claimedCountry ?? looked?.country;
  // The device registry post authentication keeps is keyed by Cognito's device key when the app
  // sends one, else by the app's device id: the same identity here.
  const deviceId = fields.deviceKey ?? fields.deviceId;
  return {
    ...base,
    ...(ip ? { ip, ipText, network: networkOf(ip) } : {}),
    ...(fields.userAgent ? { userAgent: fields.userAgent } : {}),
    ...(deviceId ? { deviceId } : {}),
    ...(country ? { country } : {}),
    ...(coordinates ?? {}),
    ...(fields.nonce && NONCE.test(fields.nonce) ? { nonce: fields.nonce } : {}),
  };
}

/** The believed context of an attempt, in the form the sign-in history records it. */
export function verifiedContext(attempt: SignInAttempt, config: RiskConfig): VerifiedContext {
  const { fields, trusted } = contextTrust(attempt, config);
  if (!trusted) return {};
  const ip = parseIp(fields.ip);
  const coordinates = parseCoordinates(fields.latitude, fields.longitude);
  const country = fields.country?.toUpperCase();
  return {
    ...(ip ? { ip: canonicalIp(ip) } : {}),
    ...(fields.userAgent ? { userAgent: fields.userAgent.slice(0, MAX_FIELD_LENGTH) } : {}),
    ...(fields.deviceId ? { deviceId: fields.deviceId.slice(0, 256) } : {}),
    ...(fields.deviceKey ? { deviceKey: fields.deviceKey.slice(0, 256) } : {}),
    ...(country && /^[A-Z]{2}$/.test(country) ? { country } : {}),
    ...(coordinates ?? {}),
    ...(fields.nonce && NONCE.test(fields.nonce) ? { nonce: fields.nonce } : {}),
  };
}

/**
 * Sign-in records keep the location only when the app's context gave one: the others are
 * located by their IP with the same database (in memory, each address once), so that an
 * attempt located by the database has something to be compared with.
 */
export function locateHistory(history: RiskHistory, geo: GeoLookup | undefined): RiskHistory {
  if (!geo) return history;
  const cache = new Map<string, ReturnType<GeoLookup>>();
  const lookup = (ip: string) => {
    if (!cache.has(ip)) cache.set(ip, geo(ip));
    return cache.get(ip);
  };
  const signIns = history.signIns.map((signIn) => {
    const needsCountry = signIn.country === undefined;
    const needsPlace = signIn.latitude === undefined || signIn.longitude === undefined;
    if (!signIn.ip || (!needsCountry && !needsPlace)) return signIn;
    const found = lookup(signIn.ip);
    if (!found) return signIn;
    // A literal, not spreads: measured here at about 0.1 us a record against 10 us with spreads.
    const placed = needsPlace && found.latitude !== undefined && found.longitude !== undefined;
    const located: PastSignIn = {
      at: signIn.at,
      ip: signIn.ip,
      network: signIn.network,
      deviceId: signIn.deviceId,
      country: needsCountry ? found.country : signIn.country,
      latitude: placed ? found.latitude : signIn.latitude,
      longitude: placed ? found.longitude : signIn.longitude,
    };
    return located;
  });
  return { ...history, signIns };
}

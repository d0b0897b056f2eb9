import type { InboundFederationEvent, StringMap } from '../events/index.js';
import { logger } from '../logging/index.js';
import { type FederationSettings, federationSettings } from './settings.js';

export { federationSettingSpecs } from './settings.js';

type Claims = Record<string, unknown>;

/**
 * The claims of one federated sign-in, by precedence: for OIDC and social providers the ID
 * token's (signed) over the userInfo endpoint's; for SAML the assertion's attributes. The
 * token response (raw tokens) is never mapped.
 */
export function providerClaims(event: InboundFederationEvent): Claims {
  const { idToken, userInfo, samlResponse } = event.request.attributes;
  if (event.request.providerType === 'SAML') return { ...samlResponse };
  return { ...userInfo, ...idToken };
}

/** A claim as a string: first element of a list, booleans and numbers spelled out. */
function claimText(value: unknown): string | undefined {
  if (Array.isArray(value)) return claimText(value[0]);
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Groups from a list or a comma-separated string, trimmed, without duplicates. */
export function groupList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const names = items.filter((item): item is string => typeof item === 'string').map((item) => item.trim());
  return [...new Set(names.filter(Boolean))];
}

/** Whole groups joined with commas, as many as fit in `max` characters. */
function joinWithin(groups: string[], max: number): string {
  let joined = '';
  for (const group of groups) {
    const next = joined ? `${joined},${group}` : group;
    if (next.length > max) break;
    joined = next;
  }
  return joined;
}

/**
 * Maps the provider's claims to Cognito attributes by configuration. Only mapped attributes
 * are returned (`userAttributesToMap`: Cognito drops the others); the email is trimmed and
 * lower-cased; values longer than the limit are dropped, and named in the log (never shown).
 */
export function mapFederatedAttributes(claims: Claims, settings: FederationSettings): StringMap {
  const mapped: StringMap = {};
  const dropped: string[] = [];
  for (const [attribute, sources] of Object.entries(settings.attributeMap)) {
    const source = sources.find((claim) => claimText(claims[claim]));
    if (!source) continue;
    let value = claimText(claims[source])!;
    if (attribute === 'email') value = value.toLowerCase();
    if ([...value].length > settings.maxAttributeLength) dropped.push(attribute);
    else mapped[attribute] = value;
  }
  if (settings.groupsAttribute) {
    const groups = settings.groupClaims.flatMap((claim) => groupList(claims[claim]));
    const joined = joinWithin([...new Set(groups)], settings.maxAttributeLength);
    if (joined) mapped[settings.groupsAttribute] = joined;
  }
  if (dropped.length > 0) logger.warn('federated attributes dropped: too long', { attributes: dropped });
  return mapped;
}

/** Inbound federation: `userAttributesToMap` from the configured mapping. */
export async function inboundFederation(
  event: InboundFederationEvent,
  settings: FederationSettings = federationSettings(),
): Promise<InboundFederationEvent> {
  const mapped = mapFederatedAttributes(providerClaims(event), settings);
  if (Object.keys(mapped).length === 0) {
    // `{}` would tell Cognito to keep every attribute: say so, since nothing matched the map.
    logger.warn('no federated attribute matched the mapping; Cognito keeps its own mapping');
  }
  event.response.userAttributesToMap = mapped;
  return event;
}

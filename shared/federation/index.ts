import { rejection } from '../errors/index.js';
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

/** The separator of the groups attribute: a group name holding it would inject groups. */
const GROUP_SEPARATOR = ',';

/**
 * Groups from a list or a comma-separated string (multi-valued SAML attributes arrive joined by
 * commas), trimmed, without duplicates. A list item holding a comma is one group name that would
 * read as several once joined: it is left out (see `rejectedGroups`).
 */
export function groupList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(GROUP_SEPARATOR) : [];
  const names = items
    .filter((item): item is string => typeof item === 'string' && !item.includes(GROUP_SEPARATOR))
    .map((item) => item.trim());
  return [...new Set(names.filter(Boolean))];
}

/** The list items of a group claim that hold the separator (and so are left out), for the log. */
function rejectedGroups(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((item): item is string => typeof item === 'string' && item.includes(GROUP_SEPARATOR));
}

/** A claim of the provider, only if the provider sent it (never an inherited property). */
function ownClaim(claims: Claims, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
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

/** Why a mapped attribute was left out of the answer. */
export interface DroppedAttribute {
  attribute: string;
  reason: 'too-long';
}

/** The answer of the mapping: the attributes kept, and the ones that matched but were dropped. */
export interface AttributeMapping {
  mapped: StringMap;
  dropped: DroppedAttribute[];
}

/**
 * Maps the provider's claims to Cognito attributes by configuration. Only mapped attributes
 * are returned (`userAttributesToMap`: Cognito drops the others); the email is trimmed and
 * lower-cased; values longer than the limit are dropped, and named in the log (never shown).
 * Group names holding the separator are dropped and logged.
 */
export function mapFederatedAttributes(claims: Claims, settings: FederationSettings): AttributeMapping {
  const mapped: StringMap = {};
  const dropped: DroppedAttribute[] = [];
  for (const [attribute, sources] of Object.entries(settings.attributeMap)) {
    const source = sources.find((claim) => claimText(ownClaim(claims, claim)));
    if (!source) continue;
    let value = claimText(ownClaim(claims, source))!;
    if (attribute === 'email') value = value.toLowerCase();
    if ([...value].length > settings.maxAttributeLength) dropped.push({ attribute, reason: 'too-long' });
    else mapped[attribute] = value;
  }
  if (settings.groupsAttribute) {
    const values = settings.groupClaims.map((claim) => ownClaim(claims, claim));
    const joined = joinWithin([...new Set(values.flatMap(groupList))], settings.maxAttributeLength);
    if (joined) mapped[settings.groupsAttribute] = joined;
    logRejectedGroups(values.flatMap(rejectedGroups));
  }
  if (dropped.length > 0) {
    logger.warn('federated attributes dropped: too long', { attributes: dropped.map((d) => d.attribute) });
  }
  return { mapped, dropped };
}

function logRejectedGroups(rejected: string[]) {
  if (rejected.length === 0) return;
  logger.warn('federated groups dropped: the name holds the separator', {
    separator: GROUP_SEPARATOR,
    groups: rejected.map((name) => name.slice(0, 64)),
  });
}

/** The answer when no mapped attribute survived: never `{}` unless configured to keep everything. */
const MINIMAL_ATTRIBUTES: StringMap = { email_verified: 'false' };

/**
 * Inbound federation: `userAttributesToMap` from the configured mapping. An empty map would make
 * Cognito keep every attribute (the allow-list and the length limit would no longer apply), so
 * when nothing survives the answer follows `whenNothingMaps`.
 */
export async function inboundFederation(
  event: InboundFederationEvent,
  settings: FederationSettings = federationSettings(),
): Promise<InboundFederationEvent> {
  const { mapped, dropped } = mapFederatedAttributes(providerClaims(event), settings);
  event.response.userAttributesToMap =
    Object.keys(mapped).length > 0 ? mapped : answerWhenNothingMaps(dropped, settings);
  return event;
}

function answerWhenNothingMaps(dropped: DroppedAttribute[], settings: FederationSettings): StringMap {
  const answer = settings.whenNothingMaps;
  logger.warn(
    dropped.length > 0
      ? 'every matched federated attribute was dropped'
      : 'no federated claim matched the attribute map',
    { dropped, answer },
  );
  if (answer === 'refuse') {
    throw rejection('FEDERATION_NO_ATTRIBUTES');
  }
  return answer === 'keep-all' ? {} : { ...MINIMAL_ATTRIBUTES };
}

import * as v from 'valibot';
import { type Settings, setting, settingsGroup } from '../config/settings.js';

const SAML_CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

/** A Cognito attribute Gatehouse may write: never `sub`, `identities` or `cognito:*`. */
const writableAttribute = v.pipe(
  v.string(),
  v.check(
    (name) => !['sub', 'identities', 'username'].includes(name) && !name.startsWith('cognito:'),
    'must be a writable user attribute',
  ),
);

/** Inbound federation settings. */
export const federationSettingSpecs = {
  attributeMap: setting({
    file: 'federation.attributeMap',
    schema: v.record(writableAttribute, v.array(v.pipe(v.string(), v.minLength(1)))),
    default: {
      email: ['email', `${SAML_CLAIMS}/emailaddress`],
      email_verified: ['email_verified'],
      given_name: ['given_name', `${SAML_CLAIMS}/givenname`],
      family_name: ['family_name', `${SAML_CLAIMS}/surname`],
      name: ['name', `${SAML_CLAIMS}/name`],
      locale: ['locale'],
      picture: ['picture'],
    } as Record<string, string[]>,
    doc: 'Cognito attribute → the provider claims or SAML attributes to take it from, first present wins. Attributes not listed are dropped.',
  }),
  groupClaims: setting({
    file: 'federation.groupClaims',
    schema: v.array(v.pipe(v.string(), v.minLength(1))),
    default: ['groups', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'] as string[],
    doc: "Claims or SAML attributes holding the provider's groups (a list, or a comma-separated string).",
  }),
  groupsAttribute: setting({
    env: 'FEDERATION_GROUPS_ATTRIBUTE',
    schema: v.union([v.literal(''), writableAttribute]),
    default: 'custom:idp_groups',
    doc: "Attribute that receives the provider's groups, comma-separated (must exist in the pool); empty drops them.",
  }),
  whenNothingMaps: setting({
    env: 'FEDERATION_WHEN_NOTHING_MAPS',
    schema: v.picklist(['minimal', 'refuse', 'keep-all']),
    default: 'minimal',
    doc: "What to answer when no mapped attribute survives (absent, or dropped as too long): `minimal` maps only `email_verified: false`, `refuse` fails the sign-in, `keep-all` answers `{}`, which makes Cognito keep every attribute as the provider's mapping has it (the allow-list and the length limit then no longer apply).",
  }),
  maxAttributeLength: setting({
    env: 'FEDERATION_MAX_ATTRIBUTE_LENGTH',
    schema: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2048)),
    default: 2048,
    doc: 'Longest value mapped (characters); longer ones are dropped, groups are cut at a whole group.',
  }),
};

export type FederationSettings = Settings<typeof federationSettingSpecs>;

/** Inbound federation settings, read once per container. */
export const federationSettings = settingsGroup(federationSettingSpecs);

import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import type { InboundFederationEvent } from '../../shared/events/index.js';
import {
  groupList,
  inboundFederation,
  mapFederatedAttributes,
  providerClaims,
} from '../../shared/federation/index.js';
import { federationSettingSpecs } from '../../shared/federation/settings.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

const settings = (file: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  loadSettings(federationSettingSpecs, { env, file: { federation: file } });

describe('claims of a federated sign-in', () => {
  it('prefers the ID token over userInfo for OIDC, and never reads the token response', () => {
    const event = sampleEvent<InboundFederationEvent>('InboundFederation_ExternalProvider.oidc');
    event.request.attributes.userInfo!.email = 'other@example.com';
    const claims = providerClaims(event);
    expect(claims.email).toBe('jane.doe@example.com');
    expect(claims.given_name).toBe('Jane');
    expect(claims).not.toHaveProperty('access_token');
    expect(claims).not.toHaveProperty('id_token');
  });

  it('reads the SAML attributes for SAML', () => {
    const event = sampleEvent<InboundFederationEvent>('InboundFederation_ExternalProvider.saml');
    expect(providerClaims(event).department).toBe('Engineering');
  });
});

describe('attribute mapping', () => {
  const SAML_EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
  it.each([
    [
      'email lower-cased and trimmed',
      { email: '  Jane.Doe@Example.COM ' },
      {},
      { email: 'jane.doe@example.com' },
    ],
    ['the SAML claim URI', { [SAML_EMAIL]: 'Jane@Example.com' }, {}, { email: 'jane@example.com' }],
    [
      'first present claim wins',
      { email: 'a@example.com', [SAML_EMAIL]: 'b@example.com' },
      {},
      { email: 'a@example.com' },
    ],
    ['empty claims skipped', { email: '', [SAML_EMAIL]: 'b@example.com' }, {}, { email: 'b@example.com' }],
    ['unmapped claims dropped', { department: 'Eng', nickname: 'JD', sub: 'x' }, {}, {}],
    ['a list claim gives its first value', { given_name: ['Jane', 'J'] }, {}, { given_name: 'Jane' }],
    ['booleans spelled out', { email_verified: true }, {}, { email_verified: 'true' }],
    ['objects ignored', { name: { first: 'Jane' } }, {}, {}],
    [
      'a configured map replaces the default',
      { department: 'Eng', email: 'a@example.com' },
      { attributeMap: { 'custom:department': ['department'] } },
      { 'custom:department': 'Eng' },
    ],
  ])('%s', (_, claims, file, expected) => {
    expect(mapFederatedAttributes(claims, settings(file, { FEDERATION_GROUPS_ATTRIBUTE: '' }))).toEqual(
      expected,
    );
  });

  it('drops values longer than the limit and names them in the log', async () => {
    const limited = settings({}, { FEDERATION_MAX_ATTRIBUTE_LENGTH: '10', FEDERATION_GROUPS_ATTRIBUTE: '' });
    const { result, output } = await captureOutput(async () =>
      mapFederatedAttributes({ name: 'Jane Doe-Longname', given_name: 'Jane' }, limited),
    );
    expect(result).toEqual({ given_name: 'Jane' });
    expect(logLines(output)).toContainEqual(expect.objectContaining({ attributes: ['name'] }));
    expect(output).not.toContain('Longname');
  });

  it.each([['sub'], ['identities'], ['cognito:username']])(
    'refuses %s as a mapping target at cold start',
    (target) => {
      expect(() => settings({ attributeMap: { [target]: ['x'] } })).toThrow(/federation.attributeMap/);
    },
  );
});

describe('provider groups', () => {
  it.each([
    ['Engineering,Domain Admins', ['Engineering', 'Domain Admins']],
    [' a , b ,,a ', ['a', 'b']],
    [
      ['x', 'y', 3, 'x'],
      ['x', 'y'],
    ],
    [undefined, []],
    [42, []],
  ])('%j → %j', (value, expected) => {
    expect(groupList(value)).toEqual(expected);
  });

  it('maps the groups of every configured claim to the configured attribute', () => {
    const claims = {
      groups: ['Engineering'],
      'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': 'Admins,Engineering',
    };
    expect(mapFederatedAttributes(claims, settings())).toEqual({ 'custom:idp_groups': 'Engineering,Admins' });
  });

  it('cuts the groups at a whole group to fit the limit', () => {
    const limited = settings({}, { FEDERATION_MAX_ATTRIBUTE_LENGTH: '12' });
    expect(mapFederatedAttributes({ groups: 'alpha,beta,gamma' }, limited)).toEqual({
      'custom:idp_groups': 'alpha,beta',
    });
  });
});

describe('the inbound-federation handler', () => {
  it.each([
    [
      'InboundFederation_ExternalProvider.oidc',
      {
        email: 'jane.doe@example.com',
        email_verified: 'true',
        given_name: 'Jane',
        family_name: 'Doe',
        name: 'Jane Doe',
        locale: 'en',
        picture: 'https://idp.example.com/avatars/jane.png',
        'custom:idp_groups': 'Engineering,Domain Admins',
      },
    ],
    [
      'InboundFederation_ExternalProvider.saml',
      {
        email: 'jane.doe@example.com',
        given_name: 'Jane',
        family_name: 'Doe',
        'custom:idp_groups': 'Engineering,Domain Admins',
      },
    ],
  ])('%s', async (name, expected) => {
    const { handler } = await import('../../functions/inbound-federation.js');
    const { result, error } = await captureOutput(() => handler(sampleEvent(name), lambdaContext()));
    expect(error).toBeUndefined();
    expect((result as InboundFederationEvent).response.userAttributesToMap).toEqual(expected);
  });

  it('warns when nothing matched, since {} keeps every attribute', async () => {
    const event = sampleEvent<InboundFederationEvent>('InboundFederation_ExternalProvider.saml');
    event.request.attributes.samlResponse = { department: 'Engineering' };
    const { output } = await captureOutput(() => inboundFederation(event, settings()));
    expect(event.response.userAttributesToMap).toEqual({});
    expect(output).toContain('no federated attribute matched');
  });
});

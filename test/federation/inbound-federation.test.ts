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
    expect(
      mapFederatedAttributes(claims, settings(file, { FEDERATION_GROUPS_ATTRIBUTE: '' })).mapped,
    ).toEqual(expected);
  });

  it('drops values longer than the limit and names them in the log', async () => {
    const limited = settings({}, { FEDERATION_MAX_ATTRIBUTE_LENGTH: '10', FEDERATION_GROUPS_ATTRIBUTE: '' });
    const { result, output } = await captureOutput(async () =>
      mapFederatedAttributes({ name: 'Jane Doe-Longname', given_name: 'Jane' }, limited),
    );
    expect(result?.mapped).toEqual({ given_name: 'Jane' });
    expect(result?.dropped).toEqual([{ attribute: 'name', reason: 'too-long' }]);
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
    expect(mapFederatedAttributes(claims, settings()).mapped).toEqual({
      'custom:idp_groups': 'Engineering,Admins',
    });
  });

  it('cuts the groups at a whole group to fit the limit', () => {
    const limited = settings({}, { FEDERATION_MAX_ATTRIBUTE_LENGTH: '12' });
    expect(mapFederatedAttributes({ groups: 'alpha,beta,gamma' }, limited).mapped).toEqual({
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

  const nothingSurvives = () => {
    const event = sampleEvent<InboundFederationEvent>('InboundFederation_ExternalProvider.oidc');
    const long = 'x'.repeat(40);
    event.request.attributes.idToken = { email: `${long}@example.com`, name: long, 'custom:role': 'admin' };
    event.request.attributes.userInfo = {};
    return event;
  };
  const limited = (whenNothingMaps?: string) =>
    settings(
      {},
      {
        FEDERATION_MAX_ATTRIBUTE_LENGTH: '20',
        FEDERATION_GROUPS_ATTRIBUTE: '',
        ...(whenNothingMaps ? { FEDERATION_WHEN_NOTHING_MAPS: whenNothingMaps } : {}),
      },
    );

  it('attack: every mapped value too long never answers {} (which keeps every attribute): the minimal set', async () => {
    const event = nothingSurvives();
    const { output, error } = await captureOutput(() => inboundFederation(event, limited()));
    expect(error).toBeUndefined();
    expect(event.response.userAttributesToMap).toEqual({ email_verified: 'false' });
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({
        message: 'every matched federated attribute was dropped',
        answer: 'minimal',
        dropped: [
          { attribute: 'email', reason: 'too-long' },
          { attribute: 'name', reason: 'too-long' },
        ],
      }),
    );
    expect(output).not.toContain('no federated claim matched');
    expect(output).not.toContain('xxxxxxxxxx');
  });

  it('attack: no claim matching the map never answers {}: the minimal set, and the log says nothing matched', async () => {
    const event = sampleEvent<InboundFederationEvent>('InboundFederation_ExternalProvider.saml');
    event.request.attributes.samlResponse = { department: 'Engineering' };
    const { output } = await captureOutput(() => inboundFederation(event, settings()));
    expect(event.response.userAttributesToMap).toEqual({ email_verified: 'false' });
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({ message: 'no federated claim matched the attribute map', dropped: [] }),
    );
  });

  it('refuses the sign-in when configured to, with a message the user can read', async () => {
    const { error } = await captureOutput(() => inboundFederation(nothingSurvives(), limited('refuse')));
    expect(error).toMatchObject({ name: 'UserFacingError', code: 'FEDERATION_NO_ATTRIBUTES' });
  });

  it('answers {} only when configured to keep everything', async () => {
    const event = nothingSurvives();
    await captureOutput(() => inboundFederation(event, limited('keep-all')));
    expect(event.response.userAttributesToMap).toEqual({});
  });
});

describe('attacks on the federated claims', () => {
  it('attack: a group name holding the separator ("eng,Domain Admins") is dropped and logged, not split', async () => {
    const { result, output } = await captureOutput(async () =>
      mapFederatedAttributes({ groups: ['eng,Domain Admins', 'Readers'] }, settings()),
    );
    expect(result?.mapped).toEqual({ 'custom:idp_groups': 'Readers' });
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({
        message: 'federated groups dropped: the name holds the separator',
        groups: ['eng,Domain Admins'],
      }),
    );
  });

  it('attack (already refused): claims named sub, identities or cognito:* never reach the answer', async () => {
    const event = sampleEvent<InboundFederationEvent>('InboundFederation_ExternalProvider.oidc');
    Object.assign(event.request.attributes.idToken!, {
      sub: 'victim-sub',
      identities: '[{"userId":"victim"}]',
      'cognito:groups': 'admins',
      'cognito:username': 'victim',
    });
    await captureOutput(() => inboundFederation(event, settings()));
    const answer = event.response.userAttributesToMap!;
    for (const name of ['sub', 'identities', 'cognito:groups', 'cognito:username']) {
      expect(answer).not.toHaveProperty([name]);
    }
    expect(Object.values(answer)).not.toContain('victim-sub');
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'attack: a mapping from the claim %s reads only a claim the provider sent, never an inherited one',
    (claim) => {
      const custom = settings({ attributeMap: { 'custom:x': [claim] } }, { FEDERATION_GROUPS_ATTRIBUTE: '' });
      expect(mapFederatedAttributes({}, custom).mapped).toEqual({});
      expect(mapFederatedAttributes(JSON.parse(`{"${claim}": "v"}`), custom).mapped).toEqual({
        'custom:x': 'v',
      });
    },
  );
});

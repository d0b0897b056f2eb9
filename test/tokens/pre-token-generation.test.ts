import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../shared/errors/index.js';
import type {
  TokenGenerationEvent,
  TokenGenerationV1Event,
  TokenGenerationV2Event,
  TokenGenerationV3ClientCredentialsEvent,
} from '../../shared/events/index.js';
import { loadTokenSettings } from '../../shared/tokens/settings.js';
import { useLocalDynamo } from '../support/emulators.js';
import { listSampleEvents, sampleEvent } from '../support/events.js';

const _local = useLocalDynamo();
let sut: typeof import('../../shared/tokens/pre-token-generation.js');
let table: typeof import('../../shared/storage/table.js');
let put: (item: Record<string, unknown>) => Promise<void>;

beforeAll(async () => {
  sut = await import('../../shared/tokens/pre-token-generation.js');
  table = await import('../../shared/storage/table.js');
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  put = async (item) => {
    await table.documentClient().send(new PutCommand({ TableName: table.tableName(), Item: item }));
  };
  await put({ pk: `USER#${SUB}`, sk: 'PROFILE', tenantId: 'acme', roles: ['billing'] });
  await put({ pk: `USER#${SUB}`, sk: 'RISK#latest#assessment', level: 'medium', score: 42 });
});

const SUB = '4a6f3c1e-8d2b-4b8a-9f3e-2c1d0e9b7a65';
const CLIENT = '3example0clientid0000000000';
const PUBLIC_CLIENT = 'publicmobileclient000000000';
const MACHINE = 'machineclient00000000000000';

const file = {
  tokens: {
    rolePermissions: { readers: ['items:read'], billing: ['invoices:read', 'items:read'] },
    roleScopes: { readers: ['gatehouse-api/items.read'] },
    idTokenClaims: { plan: 'gold', features: { beta: true, seats: 5 }, locale_hint: 'en' },
    accessTokenClaims: { api_version: 2 },
    clients: {
      [PUBLIC_CLIENT]: {
        suppressIdTokenClaims: ['phone_number', 'plan'],
        suppressAccessTokenClaims: ['permissions'],
        idTokenClaims: { plan: 'silver', app: 'mobile' },
        groups: ['customers'],
        scopesToSuppress: ['aws.cognito.signin.user.admin'],
      },
      [CLIENT]: { scopesToAdd: ['gatehouse-api/profile.read'], accessTokenClaims: { aud: CLIENT } },
    },
    machineClients: {
      [MACHINE]: {
        scopes: ['gatehouse-api/items.read', 'gatehouse-api/reports.read'],
        claims: { tenant_id: 'acme', limits: [1, 2] },
      },
    },
  },
};
const settings = loadTokenSettings({ env: {}, file });
const withRisk = loadTokenSettings({ env: { GATEHOUSE_TOKENS_RISK_CLAIM: 'true' }, file });

function sample<E extends TokenGenerationEvent>(name: string, clientId = CLIENT): E {
  const e = sampleEvent<E>(name);
  e.callerContext.clientId = clientId;
  return e;
}

describe('every version and source', () => {
  const userSamples = listSampleEvents()
    .filter((s) => s.functionName === 'pre-token-generation' && !s.name.includes('ClientCredentials'))
    .map((s) => [s.name] as const);

  it.each(userSamples)('%s: tenant, roles and permissions from the profile and groups', async (name) => {
    const e = await sut.preTokenGeneration(sample<TokenGenerationEvent>(name), settings);
    if (e.version === '1') {
      expect(e.response.claimsOverrideDetails?.claimsToAddOrOverride).toMatchObject({
        tenant_id: 'acme',
        roles: '["readers","billing"]',
        permissions: '["items:read","invoices:read"]',
        features: '{"beta":true,"seats":5}',
        plan: 'gold',
      });
    } else {
      const details = (e as TokenGenerationV2Event).response.claimsAndScopeOverrideDetails!;
      expect(details.idTokenGeneration?.claimsToAddOrOverride).toMatchObject({
        tenant_id: 'acme',
        roles: ['readers', 'billing'],
        permissions: ['items:read', 'invoices:read'],
        features: { beta: true, seats: 5 },
      });
      expect(details.accessTokenGeneration).toMatchObject({
        claimsToAddOrOverride: {
          tenant_id: 'acme',
          api_version: 2,
          aud: CLIENT,
          roles: ['readers', 'billing'],
        },
        scopesToAdd: ['gatehouse-api/items.read', 'gatehouse-api/profile.read'],
      });
      expect(details.groupOverrideDetails).toBeUndefined();
    }
  });

  it('V3 client credentials: the client configuration only, no user lookups', async () => {
    const send = vi.spyOn(table.documentClient(), 'send');
    try {
      const e = await sut.preTokenGeneration(
        sample<TokenGenerationV3ClientCredentialsEvent>('TokenGeneration_ClientCredentials.V3_0', MACHINE),
        withRisk,
      );
      expect(e.response.claimsAndScopeOverrideDetails).toEqual({
        accessTokenGeneration: {
          claimsToAddOrOverride: { tenant_id: 'acme', limits: [1, 2] },
          scopesToAdd: ['gatehouse-api/reports.read'],
        },
      });
      expect(send).not.toHaveBeenCalled();
    } finally {
      send.mockRestore();
    }
  });

  it('V3 client credentials of an unconfigured client: unchanged', async () => {
    const e = await sut.preTokenGeneration(
      sample<TokenGenerationV3ClientCredentialsEvent>('TokenGeneration_ClientCredentials.V3_0'),
      settings,
    );
    expect(e.response.claimsAndScopeOverrideDetails).toBeNull();
  });
  it('V2/V3 events without scopes still get the scopes of their roles', async () => {
    const e = sample<TokenGenerationV2Event>('TokenGeneration_Authentication.V2_0');
    delete (e.request as { scopes?: string[] }).scopes;
    await sut.preTokenGeneration(e, settings);
    expect(e.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.scopesToAdd).toEqual([
      'gatehouse-api/items.read',
      'gatehouse-api/profile.read',
    ]);
  });
});

describe('one read per invocation', () => {
  it.each([
    ['risk claim off: one GetItem', settings, 'GetCommand', undefined],
    ['risk claim on: one BatchGetItem of profile and assessment', withRisk, 'BatchGetCommand', 'medium'],
  ] as const)('%s', async (_, config, command, riskLevel) => {
    const send = vi.spyOn(table.documentClient(), 'send');
    try {
      const e = await sut.preTokenGeneration(
        sample<TokenGenerationV2Event>('TokenGeneration_Authentication.V2_0'),
        config,
      );
      expect(send).toHaveBeenCalledTimes(1);
      expect(send.mock.calls[0]![0].constructor.name).toBe(command);
      expect(
        e.response.claimsAndScopeOverrideDetails?.idTokenGeneration?.claimsToAddOrOverride?.risk_level,
      ).toBe(riskLevel);
    } finally {
      send.mockRestore();
    }
  });

  it('a user without a profile still gets roles and permissions from groups', async () => {
    const e = sample<TokenGenerationV1Event>('TokenGeneration_Authentication.V1_0');
    e.request.userAttributes.sub = 'no-profile-user';
    await sut.preTokenGeneration(e, withRisk);
    const claims = e.response.claimsOverrideDetails?.claimsToAddOrOverride ?? {};
    expect(claims.tenant_id).toBeUndefined();
    expect(claims.risk_level).toBeUndefined();
    expect(claims.permissions).toBe('["items:read"]');
  });
});

describe('per-client suppression and group override', () => {
  it('suppression wins over global, per-client and enriched claims; groups are filtered', async () => {
    const e = sample<TokenGenerationV2Event>('TokenGeneration_Authentication.V2_0', PUBLIC_CLIENT);
    e.request.groupConfiguration.groupsToOverride = ['readers', 'customers'];
    await sut.preTokenGeneration(e, settings);
    const details = e.response.claimsAndScopeOverrideDetails!;
    expect(details.idTokenGeneration?.claimsToSuppress).toEqual(['phone_number', 'plan']);
    expect(details.idTokenGeneration?.claimsToAddOrOverride).not.toHaveProperty('plan');
    expect(details.idTokenGeneration?.claimsToAddOrOverride).toMatchObject({
      app: 'mobile',
      roles: ['customers', 'billing'],
    });
    expect(details.accessTokenGeneration?.claimsToSuppress).toEqual(['permissions']);
    expect(details.accessTokenGeneration?.claimsToAddOrOverride).not.toHaveProperty('permissions');
    expect(details.accessTokenGeneration?.scopesToSuppress).toEqual(['aws.cognito.signin.user.admin']);
    expect(details.groupOverrideDetails).toEqual({ groupsToOverride: ['customers'], iamRolesToOverride: [] });
  });

  it('V1: suppression and group override in claimsOverrideDetails', async () => {
    const e = sample<TokenGenerationV1Event>('TokenGeneration_HostedAuth.V1_0', PUBLIC_CLIENT);
    e.request.groupConfiguration.groupsToOverride = ['readers'];
    await sut.preTokenGeneration(e, settings);
    expect(e.response.claimsOverrideDetails).toMatchObject({
      claimsToSuppress: ['phone_number', 'plan'],
      groupOverrideDetails: { groupsToOverride: [] },
    });
    expect(e.response.claimsOverrideDetails?.claimsToAddOrOverride).not.toHaveProperty('plan');
  });
});

describe('refusal of claims Cognito never changes, at cold start', () => {
  const refused: [string, Record<string, unknown>, string][] = [
    ['sub in the ID token', { idTokenClaims: { sub: 'x' } }, 'tokens.idTokenClaims.sub'],
    [
      'token_use in the access token',
      { accessTokenClaims: { token_use: 'id' } },
      'tokens.accessTokenClaims.token_use',
    ],
    [
      'cognito:username',
      { idTokenClaims: { 'cognito:username': 'root' } },
      'tokens.idTokenClaims.cognito:username',
    ],
    ['aud in the ID token', { idTokenClaims: { aud: 'x' } }, 'tokens.idTokenClaims.aud'],
    [
      'an object as email_verified',
      { idTokenClaims: { email_verified: { v: true } } },
      'tokens.idTokenClaims.email_verified',
    ],
    [
      'suppressing iss for a client',
      { clients: { c1: { suppressIdTokenClaims: ['iss'] } } },
      'tokens.clients.c1.suppressIdTokenClaims.iss',
    ],
    [
      'aud of another client',
      { clients: { c1: { accessTokenClaims: { aud: 'c2' } } } },
      'tokens.clients.c1.accessTokenClaims.aud',
    ],
    [
      'exp for a machine client',
      { machineClients: { m1: { claims: { exp: 1 } } } },
      'tokens.machineClients.m1.claims.exp',
    ],
  ];
  it.each(refused)('%s', (_, tokens, name) => {
    expect(() => loadTokenSettings({ env: {}, file: { tokens } })).toThrow(ConfigError);
    expect(() => loadTokenSettings({ env: {}, file: { tokens } })).toThrow(`Setting ${name}:`);
  });

  it.each([
    ['cognito:groups', { idTokenClaims: { 'cognito:groups': ['a'] } }],
    ['aud equal to its own client', { clients: { c1: { accessTokenClaims: { aud: 'c1' } } } }],
    ['an object claim', { accessTokenClaims: { org: { id: 1, tags: ['x'] } } }],
  ])('accepts %s', (_, tokens) => {
    expect(() => loadTokenSettings({ env: {}, file: { tokens } })).not.toThrow();
  });

  it('refuses a scope with a space', () => {
    expect(() => loadTokenSettings({ env: {}, file: { tokens: { roleScopes: { a: ['x y'] } } } })).toThrow(
      /roleScopes/,
    );
  });
});

describe('attacks on the role and client maps', () => {
  const inherited = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

  it.each(inherited)(
    'attack: a group named %s adds no permissions or scopes (never null in what reaches Cognito)',
    async (group) => {
      const e = sample<TokenGenerationV2Event>('TokenGeneration_Authentication.V2_0');
      e.request.groupConfiguration!.groupsToOverride = [group, 'readers'];
      await sut.preTokenGeneration(e, settings);
      const access = e.response.claimsAndScopeOverrideDetails!.accessTokenGeneration!;
      const answer = JSON.stringify(e.response);
      expect(answer).not.toContain('null');
      expect(access.claimsToAddOrOverride?.permissions).toEqual(['items:read', 'invoices:read']);
      expect(access.scopesToAdd).toEqual(['gatehouse-api/items.read', 'gatehouse-api/profile.read']);
    },
  );

  it.each(inherited)('attack: a client id %s picks no client or machine-client rules', async (clientId) => {
    const user = sample<TokenGenerationV1Event>('TokenGeneration_Authentication.V1_0', clientId);
    await sut.preTokenGeneration(user, settings);
    expect(JSON.stringify(user.response)).not.toContain('null');
    const machine = sample<TokenGenerationV3ClientCredentialsEvent>(
      'TokenGeneration_ClientCredentials.V3_0',
      clientId,
    );
    await sut.preTokenGeneration(machine, settings);
    expect(machine.response.claimsAndScopeOverrideDetails).toBeNull();
  });

  it('attack (already refused): user-writable attributes never reach roles, permissions or scopes', async () => {
    const e = sample<TokenGenerationV2Event>('TokenGeneration_Authentication.V2_0');
    e.request.groupConfiguration!.groupsToOverride = [];
    Object.assign(e.request.userAttributes, {
      'custom:roles': '["admin","billing"]',
      'custom:role': 'admin',
      'custom:permissions': 'items:delete',
      'custom:scopes': 'gatehouse-api/admin',
      'custom:idp_groups': 'readers,admins',
    });
    e.request.userAttributes.sub = 'user-writable-attributes';
    await sut.preTokenGeneration(e, settings);
    const details = e.response.claimsAndScopeOverrideDetails!;
    const access = details.accessTokenGeneration!;
    expect(access.claimsToAddOrOverride).not.toHaveProperty('roles');
    expect(access.claimsToAddOrOverride).not.toHaveProperty('permissions');
    expect(access.scopesToAdd).toEqual(['gatehouse-api/profile.read']);
    expect(JSON.stringify(details)).not.toMatch(/admin|items:delete/);
  });
});

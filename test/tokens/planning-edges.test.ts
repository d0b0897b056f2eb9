import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, localEnvironment, startLocalDynamo } from '../../scripts/local/emulators.js';
import type { TokenGenerationV3ClientCredentialsEvent } from '../../shared/events/index.js';
import { claimProblem, IMMUTABLE_CLAIMS } from '../../shared/tokens/claims-guard.js';
import { groupOverride } from '../../shared/tokens/group-roles.js';
import { planUserTokens } from '../../shared/tokens/pre-token-generation.js';
import { loadTokenSettings } from '../../shared/tokens/settings.js';
import { sampleEvent } from '../support/events.js';

/**
 * The token planning's edges mutation testing found untested (issue 19): which claims Cognito
 * refuses, the group override's "unchanged" test, scopes requested or suppressed, a client whose
 * group filter removes nothing, and the event shapes without groups or scopes.
 */
const settingsOf = (tokens: Record<string, unknown>) => loadTokenSettings({ env: {}, file: { tokens } });
const input = (overrides: Partial<Parameters<typeof planUserTokens>[0]> = {}) => ({
  clientId: 'web',
  groups: ['readers'],
  requestedScopes: [],
  ...overrides,
});

describe('claims Cognito refuses', () => {
  it.each([...IMMUTABLE_CLAIMS])('%s can never be changed, in either token', (name) => {
    for (const token of ['id', 'access'] as const) {
      expect(claimProblem(name, 'x', token)).toBe(`Cognito never lets a trigger change the claim "${name}"`);
    }
  });

  it('every claim Cognito documents as reserved is on the list', () => {
    expect([...IMMUTABLE_CLAIMS].sort()).toEqual(
      [
        'acr',
        'amr',
        'at_hash',
        'auth_time',
        'azp',
        'client_id',
        'cognito:username',
        'device_key',
        'event_id',
        'exp',
        'iat',
        'identities',
        'iss',
        'jti',
        'nbf',
        'nonce',
        'origin_jti',
        'sub',
        'token_use',
        'version',
      ].sort(),
    );
  });

  it('of the cognito: claims only groups, roles and the preferred role may be set', () => {
    for (const name of ['cognito:groups', 'cognito:roles', 'cognito:preferred_role']) {
      expect(claimProblem(name, ['a'], 'id')).toBeUndefined();
    }
    expect(claimProblem('cognito:anything', 'x', 'access')).toMatch(/never lets a trigger change/);
    expect(claimProblem('x-cognito:', 'x', 'access')).toBeUndefined();
  });

  it('aud: never in the ID token; in an access token only equal to the client id', () => {
    expect(claimProblem('aud', 'web', 'id')).toBe('the claim "aud" cannot be changed in the ID token');
    expect(claimProblem('aud', undefined, 'id')).toBe('the claim "aud" cannot be changed in the ID token');
    expect(claimProblem('aud', 'web', 'access', 'web')).toBeUndefined();
    expect(claimProblem('aud', 'other', 'access', 'web')).toMatch(
      /only be set in the access token of a client/,
    );
    expect(claimProblem('aud', 'web', 'access')).toMatch(/only be set in the access token of a client/);
    expect(claimProblem('aud', 'undefined', 'access')).toMatch(/only be set in the access token of a client/);
    expect(claimProblem('aud', undefined, 'access')).toBeUndefined(); // suppressing it
  });

  it('some ID-token claims must stay scalar; the access token takes any value', () => {
    for (const name of ['email_verified', 'phone_number_verified', 'updated_at', 'address']) {
      expect(claimProblem(name, { a: 1 }, 'id')).toBe(
        `the claim "${name}" cannot take a complex value in the ID token`,
      );
      expect(claimProblem(name, ['a'], 'id')).toMatch(/complex value/);
      expect(claimProblem(name, null, 'id')).toBeUndefined();
      expect(claimProblem(name, 'x', 'id')).toBeUndefined();
      expect(claimProblem(name, { a: 1 }, 'access')).toBeUndefined();
    }
    expect(claimProblem('plan', { a: 1 }, 'id')).toBeUndefined();
  });
});

describe('the group override', () => {
  const roles = [
    { group: 'admins', roleArn: 'arn:aws:iam::1:role/admin' },
    { group: 'readers', roleArn: 'arn:aws:iam::1:role/reader' },
  ];
  const cognito = (iamRolesToOverride: string[], preferredRole?: string | null) => ({
    groupsToOverride: ['readers'],
    iamRolesToOverride,
    ...(preferredRole !== undefined ? { preferredRole } : {}),
  });

  it('without Cognito’s group configuration: the configured roles only', () => {
    expect(groupOverride(['readers'], undefined, false, roles)).toEqual({
      groupsToOverride: ['readers'],
      iamRolesToOverride: ['arn:aws:iam::1:role/reader'],
      preferredRole: 'arn:aws:iam::1:role/reader',
    });
    expect(groupOverride(['nobody'], undefined, false, roles)).toBeUndefined();
    expect(groupOverride(['nobody'], undefined, true, roles)).toEqual({
      groupsToOverride: ['nobody'],
      iamRolesToOverride: [],
    });
  });

  it('nothing to override when the roles and the preferred role are Cognito’s, in the same order', () => {
    const same = cognito(['arn:aws:iam::1:role/reader'], 'arn:aws:iam::1:role/reader');
    expect(groupOverride(['readers'], same, false, roles)).toBeUndefined();
    expect(groupOverride(['readers'], cognito(['arn:aws:iam::1:role/reader']), false, [])).toBeUndefined();
  });

  it('an override when Cognito has a role more, a role less, another order or another preferred role', () => {
    const reader = 'arn:aws:iam::1:role/reader';
    const other = 'arn:aws:iam::1:role/other';
    // Cognito's role list is longer: configured roles first, so the lists differ in order.
    expect(groupOverride(['readers'], cognito([other, reader]), false, roles)).toEqual({
      groupsToOverride: ['readers'],
      iamRolesToOverride: [reader, other],
      preferredRole: reader,
    });
    // Same roles, but Cognito prefers another.
    expect(groupOverride(['readers'], cognito([reader], other), false, roles)).toMatchObject({
      preferredRole: reader,
    });
    // Cognito has none, the configuration one.
    expect(groupOverride(['readers'], cognito([]), false, roles)?.iamRolesToOverride).toEqual([reader]);
    // Cognito has one, the configuration none: unchanged, no override.
    expect(groupOverride(['x'], cognito([other], other), false, roles)).toBeUndefined();
  });

  it('the same roles in another order, or a role listed twice by Cognito, is a change', () => {
    const reader = 'arn:aws:iam::1:role/reader';
    const other = 'arn:aws:iam::1:role/other';
    // Same preferred role on both sides: only the lists differ.
    expect(groupOverride(['readers'], cognito([other, reader], reader), false, roles)).toEqual({
      groupsToOverride: ['readers'],
      iamRolesToOverride: [reader, other],
      preferredRole: reader,
    });
    expect(groupOverride(['readers'], cognito([reader, reader], reader), false, roles)).toEqual({
      groupsToOverride: ['readers'],
      iamRolesToOverride: [reader],
      preferredRole: reader,
    });
  });

  it('a filtered group list drops Cognito’s roles and preferred role', () => {
    expect(
      groupOverride(
        ['readers'],
        cognito(['arn:aws:iam::1:role/other'], 'arn:aws:iam::1:role/other'),
        true,
        [],
      ),
    ).toEqual({ groupsToOverride: ['readers'], iamRolesToOverride: [] });
  });
});

describe('planning a user’s tokens', () => {
  it('without a client rule, a risk level or a profile: nothing suppressed, no empty claims', () => {
    const plan = planUserTokens(input({ groups: [] }), {}, settingsOf({}));
    expect(plan).toStrictEqual({
      idClaims: {},
      idSuppress: [],
      accessClaims: {},
      accessSuppress: [],
      scopesToAdd: [],
      scopesToSuppress: [],
    });
  });

  it('adds each role scope once, except those requested already or suppressed by the client', () => {
    const settings = settingsOf({
      roleScopes: { readers: ['api/read', 'api/list'], auditors: ['api/read', 'api/audit'] },
      clients: { web: { scopesToAdd: ['api/list', 'api/extra'], scopesToSuppress: ['api/audit'] } },
    });
    expect(planUserTokens(input({ groups: ['readers', 'auditors'] }), {}, settings).scopesToAdd).toEqual([
      'api/read',
      'api/list',
      'api/extra',
    ]);
    expect(
      planUserTokens(input({ groups: ['readers', 'auditors'], requestedScopes: ['api/read'] }), {}, settings)
        .scopesToAdd,
    ).toEqual(['api/list', 'api/extra']);
  });

  it('a client group filter that removes nothing keeps Cognito’s own roles (no override)', () => {
    const settings = settingsOf({ clients: { web: { groups: ['readers', 'admins'] } } });
    const groupConfiguration = {
      groupsToOverride: ['readers'],
      iamRolesToOverride: ['arn:aws:iam::1:role/cognito'],
      preferredRole: 'arn:aws:iam::1:role/cognito',
    };
    expect(planUserTokens(input({ groupConfiguration }), {}, settings).groupOverride).toBeUndefined();
    const filtering = settingsOf({ clients: { web: { groups: ['admins'] } } });
    expect(planUserTokens(input({ groupConfiguration }), {}, filtering).groupOverride).toEqual({
      groupsToOverride: [],
      iamRolesToOverride: [],
    });
  });
});

describe('events without groups or scopes, and machine clients', () => {
  let dynamo: LocalDynamo;
  let preTokenGeneration: typeof import('../../shared/tokens/pre-token-generation.js').preTokenGeneration;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    Object.assign(process.env, localEnvironment(dynamo));
    ({ preTokenGeneration } = await import('../../shared/tokens/pre-token-generation.js'));
  });
  afterAll(async () => dynamo?.stop());

  const settings = settingsOf({
    roleScopes: { readers: ['api/read'] },
    rolePermissions: { readers: ['read'] },
  });

  it('an event without a group configuration: no groups, no roles', async () => {
    const event = sampleEvent<any>('TokenGeneration_Authentication.V2_0');
    delete event.request.groupConfiguration;
    const result = await preTokenGeneration(event, settings);
    expect(result.response.claimsAndScopeOverrideDetails.idTokenGeneration.claimsToAddOrOverride).toEqual({});
  });

  it('a V3 event’s requested scopes are not added again; a V2 event requests none', async () => {
    const v3 = sampleEvent<any>('TokenGeneration_Authentication.V3_0');
    v3.request.groupConfiguration = {
      groupsToOverride: ['readers'],
      iamRolesToOverride: [],
      preferredRole: null,
    };
    v3.request.scopes = ['api/read'];
    const answered = await preTokenGeneration(v3, settings);
    expect(answered.response.claimsAndScopeOverrideDetails.accessTokenGeneration.scopesToAdd).toBeUndefined();
    v3.request.scopes = undefined;
    delete v3.request.scopes;
    const unrequested = await preTokenGeneration(v3, settings);
    expect(unrequested.response.claimsAndScopeOverrideDetails.accessTokenGeneration.scopesToAdd).toEqual([
      'api/read',
    ]);
  });

  it('a machine client without scopes gets its claims only; an event without scopes is read as none', async () => {
    const machine = settingsOf({ machineClients: { m2m: { claims: { tier: 'gold' } } } });
    const event = sampleEvent<TokenGenerationV3ClientCredentialsEvent>(
      'TokenGeneration_ClientCredentials.V3_0',
    );
    event.callerContext.clientId = 'm2m';
    delete (event.request as { scopes?: string[] }).scopes;
    const result = await preTokenGeneration(event, machine);
    expect(result.response.claimsAndScopeOverrideDetails).toStrictEqual({
      accessTokenGeneration: { claimsToAddOrOverride: { tier: 'gold' } },
    });
    const scoped = settingsOf({ machineClients: { m2m: { scopes: ['api/a', 'api/a', 'api/b'] } } });
    const again = sampleEvent<TokenGenerationV3ClientCredentialsEvent>(
      'TokenGeneration_ClientCredentials.V3_0',
    );
    again.callerContext.clientId = 'm2m';
    delete (again.request as { scopes?: string[] }).scopes;
    expect(
      (await preTokenGeneration(again, scoped)).response.claimsAndScopeOverrideDetails?.accessTokenGeneration
        ?.scopesToAdd,
    ).toEqual(['api/a', 'api/b']);
  });
});

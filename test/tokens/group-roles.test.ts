import { beforeAll, describe, expect, it } from 'vitest';
import type { GroupOverrideDetails, TokenGenerationEvent } from '../../shared/events/index.js';
import { loadTokenSettings } from '../../shared/tokens/settings.js';
import { useLocalDynamo } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';

/**
 * `tokens.groupRoles`: the IAM roles (`cognito:roles`) and preferred role
 * (`cognito:preferred_role`) an identity pool reads, from group membership only, in every
 * event version, with the documented precedence over Cognito's own group roles.
 */
const local = useLocalDynamo();
let sut: typeof import('../../shared/tokens/pre-token-generation.js');
beforeAll(async () => {
  sut = await import('../../shared/tokens/pre-token-generation.js');
  const table = await import('../../shared/storage/table.js');
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  // The profile says the user holds the `admins` role: a role a user's own data names never becomes an IAM role.
  await table.documentClient().send(
    new PutCommand({
      TableName: table.tableName(),
      Item: { pk: `USER#${SUB}`, sk: 'PROFILE', roles: ['admins'] },
    }),
  );
  expect(local.dynamo).toBeDefined();
});

const SUB = '7d1e0c2a-5b9f-4c3e-8a1d-2f6b0e9c4d71';
const role = (name: string) => `arn:aws:iam::123456789012:role/gatehouse/${name}`;
const ADMINS = role('admins');
const EDITORS = role('editors');
const READERS = role('readers');
/** A role Cognito itself put in the event: a group's RoleArn, picked by Cognito's group precedence. */
const COGNITO_ROLE = 'arn:aws:iam::123456789012:role/cognito-group-auditors';
const FILTERED_CLIENT = 'filteredclient0000000000000';

const settings = loadTokenSettings({
  env: {},
  file: {
    tokens: {
      // The order is the preference: admins first.
      groupRoles: [
        { group: 'admins', roleArn: ADMINS },
        { group: 'editors', roleArn: EDITORS },
        { group: 'readers', roleArn: READERS },
      ],
      clients: { [FILTERED_CLIENT]: { groups: ['readers', 'auditors'] } },
    },
  },
});

const VERSIONS = [
  ['V1', 'TokenGeneration_Authentication.V1_0'],
  ['V2', 'TokenGeneration_Authentication.V2_0'],
  ['V3', 'TokenGeneration_Authentication.V3_0'],
] as const;

interface Case {
  name: string;
  groups: string[];
  cognitoRoles?: string[];
  cognitoPreferred?: string;
  client?: string;
  expected: GroupOverrideDetails | undefined;
}

const cases: Case[] = [
  { name: 'no group: nothing to override', groups: [], expected: undefined },
  {
    name: 'one mapped group',
    groups: ['readers'],
    expected: { groupsToOverride: ['readers'], iamRolesToOverride: [READERS], preferredRole: READERS },
  },
  {
    name: 'several groups: configuration order, not the order of the groups',
    groups: ['readers', 'admins', 'editors'],
    expected: {
      groupsToOverride: ['readers', 'admins', 'editors'],
      iamRolesToOverride: [ADMINS, EDITORS, READERS],
      preferredRole: ADMINS,
    },
  },
  {
    name: 'an unmapped group adds no role',
    groups: ['customers', 'editors'],
    expected: {
      groupsToOverride: ['customers', 'editors'],
      iamRolesToOverride: [EDITORS],
      preferredRole: EDITORS,
    },
  },
  {
    name: "Cognito's precedence chose its own role: the configured role is preferred, Cognito's kept after it",
    groups: ['auditors', 'readers'],
    cognitoRoles: [COGNITO_ROLE],
    cognitoPreferred: COGNITO_ROLE,
    expected: {
      groupsToOverride: ['auditors', 'readers'],
      iamRolesToOverride: [READERS, COGNITO_ROLE],
      preferredRole: READERS,
    },
  },
  {
    name: "only Cognito's own roles (no mapped group): Cognito's answer stands",
    groups: ['auditors'],
    cognitoRoles: [COGNITO_ROLE],
    cognitoPreferred: COGNITO_ROLE,
    expected: undefined,
  },
  {
    name: "a client that filters groups: roles of its groups only, Cognito's dropped",
    groups: ['admins', 'readers', 'auditors'],
    cognitoRoles: [COGNITO_ROLE],
    cognitoPreferred: COGNITO_ROLE,
    client: FILTERED_CLIENT,
    expected: {
      groupsToOverride: ['readers', 'auditors'],
      iamRolesToOverride: [READERS],
      preferredRole: READERS,
    },
  },
];

function overrideOf(event: TokenGenerationEvent): GroupOverrideDetails | undefined {
  if (event.version === '1') return event.response.claimsOverrideDetails?.groupOverrideDetails;
  return event.response.claimsAndScopeOverrideDetails?.groupOverrideDetails;
}

describe('group to IAM role mapping (tokens.groupRoles)', () => {
  for (const [version, sample] of VERSIONS) {
    it.each(cases)(`${version}: $name`, async (c) => {
      const event = sampleEvent<any>(sample);
      event.request.userAttributes.sub = SUB;
      event.request.groupConfiguration = {
        groupsToOverride: c.groups,
        iamRolesToOverride: c.cognitoRoles ?? [],
        preferredRole: c.cognitoPreferred ?? null,
      };
      if (c.client) event.callerContext.clientId = c.client;
      const answered = await sut.preTokenGeneration(event as TokenGenerationEvent, settings);
      expect(overrideOf(answered)).toEqual(c.expected);
    });
  }

  it.each(VERSIONS)(
    '%s: a role is never taken from what the user can write (attributes, client metadata, profile roles)',
    async (_, sample) => {
      const event = sampleEvent<any>(sample);
      event.request.userAttributes = {
        ...event.request.userAttributes,
        sub: SUB,
        'custom:groups': 'admins',
        'custom:role': ADMINS,
      };
      event.request.clientMetadata = { groups: 'admins', preferredRole: ADMINS };
      event.request.groupConfiguration = {
        groupsToOverride: ['readers'],
        iamRolesToOverride: [],
        preferredRole: null,
      };
      const answered = await sut.preTokenGeneration(event as TokenGenerationEvent, settings);
      expect(overrideOf(answered)).toEqual({
        groupsToOverride: ['readers'],
        iamRolesToOverride: [READERS],
        preferredRole: READERS,
      });
      expect(JSON.stringify(answered.response)).not.toContain(ADMINS);
    },
  );
});

describe('tokens.groupRoles is checked at cold start', () => {
  const load = (groupRoles: unknown) => () =>
    loadTokenSettings({ env: {}, file: { tokens: { groupRoles } } });

  it('refuses a value that is not an IAM role ARN, naming the entry', () => {
    expect(load([{ group: 'a', roleArn: 'arn:aws:s3:::bucket' }])).toThrow(
      'tokens.groupRoles (config/gatehouse.json).0.roleArn: must be an IAM role ARN',
    );
  });

  it('refuses a group listed twice (the order would be ambiguous)', () => {
    expect(
      load([
        { group: 'a', roleArn: ADMINS },
        { group: 'a', roleArn: READERS },
      ]),
    ).toThrow('lists a group twice');
  });

  it('accepts other partitions and role paths', () => {
    expect(load([{ group: 'a', roleArn: 'arn:aws-cn:iam::123456789012:role/x/y/z-1' }])).not.toThrow();
  });
});

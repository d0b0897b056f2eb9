import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PostAuthenticationEvent, PreAuthenticationEvent } from '../../shared/events/index.js';
import { noRiskEngine } from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';

/**
 * Refusals that depend on the account (suspension, tenant, the app client's rule) come only after
 * the password or challenge is proven (issue 11, attack 7): pre authentication treats a suspended
 * user exactly like an unknown one, and post authentication refuses.
 */
useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let pre: typeof import('../../shared/sign-in/pre-authentication.js');
let post: typeof import('../../shared/sign-in/post-authentication.js');
let put: (item: Record<string, unknown>) => Promise<void>;
let client: ReturnType<typeof import('../../shared/storage/table.js').documentClient>;

beforeAll(async () => {
  pre = await import('../../shared/sign-in/pre-authentication.js');
  post = await import('../../shared/sign-in/post-authentication.js');
  const { documentClient, tableName } = await import('../../shared/storage/table.js');
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  client = documentClient();
  put = async (item) => {
    await client.send(new PutCommand({ TableName: tableName(), Item: item }));
  };
});

const CLIENT = '3example0clientid0000000000';
const ADMIN_CLIENT = 'adminconsoleclient000000000';
const settings = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '3' },
  file: {
    signIn: {
      clientRules: {
        [ADMIN_CLIENT]: { allowedGroups: ['admins'], requiredAttributes: { email_verified: 'true' } },
      },
    },
  },
});

/** Cognito's group memberships, as a stand-in for AdminListGroupsForUser (cognito-local keeps no groups). */
const cognitoGroupsOf = new Map<string, string[]>();
const groupsAsked: string[] = [];
const groupsOf = async (_userPoolId: string, userName: string) => {
  groupsAsked.push(userName);
  return cognitoGroupsOf.get(userName) ?? [];
};

let counter = 0;
interface Given {
  profile?: Record<string, unknown>;
  tenant?: Record<string, unknown>;
  clientId?: string;
  attributes?: Record<string, string>;
  cognitoGroups?: string[];
}

/** A fresh user with the given state stored; returns their sub. */
async function userWith(given: Given): Promise<string> {
  const sub = `state-${++counter}-${Date.now()}`;
  if (given.cognitoGroups) cognitoGroupsOf.set(sub, given.cognitoGroups);
  if (given.profile) {
    const tenantId = given.profile.tenantId as string | undefined;
    await put({ pk: `USER#${sub}`, sk: 'PROFILE', ...given.profile });
    if (given.tenant && tenantId) await put({ pk: `TENANT#${tenantId}`, sk: 'ITEM', ...given.tenant });
  }
  return sub;
}

function envelope<E extends PreAuthenticationEvent | PostAuthenticationEvent>(
  source: string,
  sub: string | undefined,
  given: Given = {},
): E {
  const e = sampleEvent<E>(source);
  e.userName = sub ?? `nobody-${++counter}@example.com`;
  e.request.userAttributes = sub ? { ...e.request.userAttributes, sub, ...given.attributes } : {};
  if (source.startsWith('Pre')) (e as PreAuthenticationEvent).request.userNotFound = sub === undefined;
  e.callerContext.clientId = given.clientId ?? CLIENT;
  return e;
}

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'allowed';
  } catch (error) {
    if (error instanceof UserFacingError) return error.code;
    throw error;
  }
}

const cases: [string, Given, string][] = [
  ['a user without a profile', {}, 'allowed'],
  ['an active user', { profile: { tenantId: 'acme' } }, 'allowed'],
  ['a suspended user', { profile: { suspended: true } }, 'SIGN_IN_USER_SUSPENDED'],
  [
    'a user of a suspended tenant',
    { profile: { tenantId: 'gone' }, tenant: { suspended: true } },
    'SIGN_IN_TENANT_SUSPENDED',
  ],
  ['a user of an active tenant', { profile: { tenantId: 'fine' }, tenant: { suspended: false } }, 'allowed'],
  ['an admin on the admin client', { profile: { groups: ['admins'] }, clientId: ADMIN_CLIENT }, 'allowed'],
  [
    'a reader on the admin client',
    { profile: { groups: ['readers'] }, clientId: ADMIN_CLIENT },
    'SIGN_IN_CLIENT_NOT_ALLOWED',
  ],
  ['a user without profile on the admin client', { clientId: ADMIN_CLIENT }, 'SIGN_IN_CLIENT_NOT_ALLOWED'],
  [
    'an admin with an unverified email on the admin client',
    { profile: { groups: ['admins'] }, clientId: ADMIN_CLIENT, attributes: { email_verified: 'false' } },
    'SIGN_IN_CLIENT_NOT_ALLOWED',
  ],
  ['a reader on a client without rules', { profile: { groups: ['readers'] } }, 'allowed'],
  [
    'an admin by Cognito group on the admin client',
    { cognitoGroups: ['admins'], clientId: ADMIN_CLIENT },
    'allowed',
  ],
  [
    'a reader by Cognito group on the admin client',
    { cognitoGroups: ['readers'], clientId: ADMIN_CLIENT },
    'SIGN_IN_CLIENT_NOT_ALLOWED',
  ],
];

describe('attack 7: account state is refused only after the password is proven', () => {
  it.each(cases)(
    '%s: pre authentication allows like an unknown user; post authentication says %s',
    async (_, given, expected) => {
      const sub = await userWith(given);
      const preEvent = envelope<PreAuthenticationEvent>('PreAuthentication_Authentication', sub, given);
      expect(await outcome(() => pre.preAuthentication(preEvent, settings, noRiskEngine))).toBe('allowed');
      const postEvent = envelope<PostAuthenticationEvent>('PostAuthentication_Authentication', sub, given);
      expect(
        await outcome(() => post.postAuthentication(postEvent, settings, noRiskEngine, Date.now(), groupsOf)),
      ).toBe(expected);
    },
  );

  it('attack 7: pre authentication makes the same store calls for a suspended, a known and an unknown user', async () => {
    const suspended = await userWith({
      profile: { suspended: true, tenantId: 'gone' },
      tenant: { suspended: true },
    });
    const active = await userWith({ profile: { tenantId: 'acme' } });
    const calls = async (sub: string | undefined, clientId = ADMIN_CLIENT) => {
      const send = vi.spyOn(client, 'send');
      try {
        await pre.preAuthentication(
          envelope<PreAuthenticationEvent>('PreAuthentication_Authentication', sub, { clientId }),
          settings,
          noRiskEngine,
        );
        return send.mock.calls.map(([command]) => command.constructor.name);
      } finally {
        send.mockRestore();
      }
    };
    const unknown = await calls(undefined);
    expect(unknown).toEqual(['BatchGetCommand', 'UpdateCommand']);
    expect(await calls(suspended)).toEqual(unknown);
    expect(await calls(active)).toEqual(unknown);
  });

  it('a refused sign-in records nothing: no history, no device, no cleared counter', async () => {
    const sub = await userWith({ profile: { suspended: true } });
    const e = envelope<PostAuthenticationEvent>('PostAuthentication_Authentication', sub);
    const send = vi.spyOn(client, 'send');
    const refused = await outcome(() =>
      post.postAuthentication(e, settings, noRiskEngine, Date.now(), groupsOf),
    );
    const calls = send.mock.calls.map(([command]) => command.constructor.name);
    send.mockRestore();
    expect(refused).toBe('SIGN_IN_USER_SUSPENDED');
    // The profile read, and nothing written.
    expect(calls).toEqual(['GetCommand']);
  });

  it('asks Cognito for groups only when the client rule needs them', async () => {
    groupsAsked.length = 0;
    const plain = await userWith({});
    await post.postAuthentication(
      envelope<PostAuthenticationEvent>('PostAuthentication_Authentication', plain),
      settings,
      noRiskEngine,
      Date.now(),
      groupsOf,
    );
    expect(groupsAsked).toEqual([]);
    const admin = await userWith({});
    await outcome(() =>
      post.postAuthentication(
        envelope<PostAuthenticationEvent>('PostAuthentication_Authentication', admin, {
          clientId: ADMIN_CLIENT,
        }),
        settings,
        noRiskEngine,
        Date.now(),
        groupsOf,
      ),
    );
    expect(groupsAsked).toEqual([admin]);
  });

  it('ignores an expired suspension (TTL deletes late)', async () => {
    const sub = await userWith({ profile: { suspended: true, expiresAt: 1 } });
    const e = envelope<PostAuthenticationEvent>('PostAuthentication_Authentication', sub);
    expect(
      await outcome(() => post.postAuthentication(e, settings, noRiskEngine, Date.now(), groupsOf)),
    ).toBe('allowed');
  });

  it('gives every denial a vague message that names no reason', async () => {
    const sub = await userWith({ profile: { suspended: true } });
    const e = envelope<PostAuthenticationEvent>('PostAuthentication_Authentication', sub);
    const error = await post
      .postAuthentication(e, settings, noRiskEngine, Date.now(), groupsOf)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toBe(pre.SIGN_IN_DENIED_MESSAGE);
    expect((error as Error).message).not.toMatch(/suspend/i);
  });
});

import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminUserGlobalSignOutCommand,
  CreateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCognito, startCognitoLocal } from '../../scripts/local/cognito.js';
import { freePort } from '../../scripts/local/processes.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PreAuthenticationEvent } from '../../shared/events/index.js';
import { noRiskEngine, type RiskHooks } from '../../shared/risk/contract.js';
import { keys } from '../../shared/storage/keys.js';
import { SECRET, signInAttempt } from '../risk/support/fixtures.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

/**
 * The console's server side against real parts: dynalite for the table, cognito-local for the
 * pool (ListUsers, AdminListGroupsForUser). No emulator has AdminUserGlobalSignOut: that one
 * call is answered by a stand-in, which also plays Cognito failing.
 */
useLocalEmulators();

let cognito: LocalCognito;
const HOST = 'console.example.test';
const ADMIN = { sub: 'op-0001', username: 'op-0001', groups: 'readers,gatehouse-admins' };
const READER = { sub: 'rd-0001', username: 'rd-0001', groups: 'readers' };
let ann: { sub: string; email: string };

const signOuts: string[] = [];
let failSignOut = false;
/** cognito-local, with a stand-in for the one call it lacks. */
const cognitoCalls = {
  send: async (command: object) => {
    if (command instanceof AdminUserGlobalSignOutCommand) {
      if (failSignOut) throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      signOuts.push(String(command.input.Username));
      return {};
    }
    return cognito.client.send(command as never);
  },
};

let sut: typeof import('../../shared/console/handler.js');
let table: typeof import('../../shared/storage/table.js');

beforeAll(async () => {
  cognito = await startCognitoLocal({
    port: await freePort(),
    lambdaEndpoint: 'http://127.0.0.1:9',
    triggerFunctions: {},
  });
  Object.assign(process.env, {
    CONSOLE_USER_POOL_ID: cognito.userPoolId,
    CONSOLE_CLIENT_ID: cognito.clientId,
    COGNITO_ENDPOINT: cognito.endpoint,
    GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '3',
    RISK_MODE: 'enforce',
    RISK_CONTEXT_SECRET: SECRET,
  });
  const created = await cognito.client.send(
    new AdminCreateUserCommand({
      UserPoolId: cognito.userPoolId,
      Username: 'ann@example.org',
      UserAttributes: [{ Name: 'email', Value: 'ann@example.org' }],
      MessageAction: 'SUPPRESS',
    }),
  );
  const sub = created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value ?? '';
  ann = { sub, email: 'ann@example.org' };
  await cognito.client.send(new CreateGroupCommand({ UserPoolId: cognito.userPoolId, GroupName: 'readers' }));
  await cognito.client.send(
    new AdminAddUserToGroupCommand({
      UserPoolId: cognito.userPoolId,
      Username: 'ann@example.org',
      GroupName: 'readers',
    }),
  );
  sut = await import('../../shared/console/handler.js');
  table = await import('../../shared/storage/table.js');
}, 60_000);
afterAll(async () => cognito?.stop());

type Caller = typeof ADMIN | undefined;

/** An HTTP API event as API Gateway passes it after the authorizer (its context is API Gateway's word). */
function request(
  method: string,
  path: string,
  options: { caller?: Caller; headers?: Record<string, string>; body?: unknown; query?: string } = {},
) {
  const event = sampleEvent<any>('search');
  const caller = 'caller' in options ? options.caller : ADMIN;
  event.rawPath = path;
  event.rawQueryString = options.query ?? '';
  event.requestContext.http.method = method;
  event.headers = {
    host: HOST,
    'sec-fetch-site': 'same-origin',
    'x-gatehouse-console': '1',
    ...(caller ? { authorization: 'Bearer eyJ.test.token' } : {}),
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
  };
  if (caller) event.requestContext.authorizer = { lambda: { ...caller, tokenUse: 'access' } };
  else delete event.requestContext.authorizer;
  if (options.body !== undefined) event.body = JSON.stringify(options.body);
  return event;
}

async function call(event: unknown) {
  const response = await sut.handleConsoleEvent(event, cognitoCalls);
  return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
}

/** Every console API call, as the page makes it. */
const apiCalls = (): [string, string, string, unknown?][] => [
  ['search', 'GET', '/console/api/users', undefined],
  ['read a user', 'GET', `/console/api/users/${ann.sub}`],
  ['pool chart', 'GET', '/console/api/pool/chart'],
  ['unlock', 'POST', `/console/api/users/${ann.sub}/unlock`, {}],
  ['suspend', 'POST', `/console/api/users/${ann.sub}/suspend`, {}],
  ['reinstate', 'POST', `/console/api/users/${ann.sub}/reinstate`, {}],
  ['sign out everywhere', 'POST', `/console/api/users/${ann.sub}/sign-out`, {}],
  ['feedback', 'POST', `/console/api/users/${ann.sub}/feedback`, { verdict: 'valid', eventId: 'e1' }],
];
const withCalls = (run: (method: string, path: string, body?: unknown) => Promise<void>) => async () => {
  for (const [, method, path, body] of apiCalls()) await run(method, path, body);
};

describe('who may call the console API (checked by the function, whatever the route)', () => {
  it(
    'refuses every call without a token: 401',
    withCalls(async (method, path, body) => {
      const answer = await call(request(method, path, { caller: undefined, body, query: 'q=ann' }));
      expect(answer.statusCode, `${method} ${path}`).toBe(401);
      expect(answer.json.error).toBe('CONSOLE_UNAUTHENTICATED');
    }),
  );

  it(
    'refuses every call with a valid token outside the admin group: 403',
    withCalls(async (method, path, body) => {
      const answer = await call(request(method, path, { caller: READER, body, query: 'q=ann' }));
      expect(answer.statusCode, `${method} ${path}`).toBe(403);
      expect(answer.json.error).toBe('CONSOLE_FORBIDDEN');
    }),
  );

  it('refuses an authorizer context without a bearer header (a route left without the authorizer): 401', async () => {
    const answer = await call(request('GET', '/console/api/pool/chart', { headers: { authorization: '' } }));
    expect(answer.statusCode).toBe(401);
  });

  it('attack: the admin group claimed in a header or the body does not count, only the authorizer context', async () => {
    const answer = await call(
      request('POST', `/console/api/users/${ann.sub}/unlock`, {
        caller: READER,
        headers: { 'x-groups': 'gatehouse-admins', 'x-amzn-oidc-data': 'gatehouse-admins' },
        body: { groups: 'gatehouse-admins', operator: ADMIN.sub },
      }),
    );
    expect(answer.statusCode).toBe(403);
  });

  it('attack: a group named like the admin group but longer does not match', async () => {
    const caller = { ...READER, groups: 'gatehouse-admins-old,readers' };
    expect((await call(request('GET', '/console/api/pool/chart', { caller }))).statusCode).toBe(403);
  });

  it('says nothing of unknown API paths to a stranger: 401 before 404', async () => {
    expect((await call(request('GET', '/console/api/secrets', { caller: undefined }))).statusCode).toBe(401);
    expect((await call(request('GET', '/console/api/secrets'))).statusCode).toBe(404);
  });
});

describe('cross-site request forgery', () => {
  it(
    'attack: a cross-site form post (no console header) is refused on every call: 403',
    withCalls(async (method, path, body) => {
      const answer = await call(
        request(method, path, { body, query: 'q=ann', headers: { 'x-gatehouse-console': '' } }),
      );
      expect(answer.statusCode, `${method} ${path}`).toBe(403);
      expect(answer.json.error).toBe('CONSOLE_CROSS_SITE');
    }),
  );

  it('attack: a request the browser marks cross-site or same-site is refused', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const answer = await call(
        request('POST', `/console/api/users/${ann.sub}/unlock`, {
          body: {},
          headers: { 'sec-fetch-site': site },
        }),
      );
      expect(answer.statusCode, site).toBe(403);
    }
  });

  it('attack: a request from another origin is refused, even with the console header', async () => {
    const answer = await call(
      request('POST', `/console/api/users/${ann.sub}/suspend`, {
        body: {},
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
      }),
    );
    expect(answer.statusCode).toBe(403);
    const same = await call(
      request('GET', '/console/api/pool/chart', { headers: { origin: `https://${HOST}` } }),
    );
    expect(same.statusCode).toBe(200);
  });
});

describe('answers', () => {
  it('never lets a browser or proxy keep an API answer, refusals included', async () => {
    for (const event of [
      request('GET', `/console/api/users/${ann.sub}`),
      request('GET', '/console/api/pool/chart', { caller: undefined }),
      request('GET', '/console/api/users', { query: 'q=%22' }),
    ]) {
      const answer = await call(event);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('names what is wrong in a bad request', async () => {
    const quote = await call(
      request('GET', '/console/api/users', { query: 'q=ann%22%20or%20email%20%5E%3D%20%22' }),
    );
    expect(quote.statusCode).toBe(400);
    expect(quote.json.message).toMatch(/^query\.q: /);
    const verdict = await call(
      request('POST', `/console/api/users/${ann.sub}/feedback`, {
        body: { verdict: 'maybe', eventId: 'e1' },
      }),
    );
    expect(verdict.statusCode).toBe(400);
    expect(verdict.json.message).toMatch(/^body\.verdict: /);
    const action = await call(request('POST', `/console/api/users/${ann.sub}/delete`, { body: {} }));
    expect(action.json.message).toMatch(/^action: /);
    const method = await call(request('GET', `/console/api/users/${ann.sub}/unlock`));
    expect(method.statusCode).toBe(405);
    const unknown = await call(request('GET', '/console/api/users/00000000-0000-4000-8000-000000000000'));
    expect(unknown.statusCode).toBe(404);
  });
});

describe('search', () => {
  it('finds a user by email prefix, by sub and by username', async () => {
    for (const q of ['ann@', ann.sub, 'ANN@example']) {
      const answer = await call(
        request('GET', '/console/api/users', { query: `q=${encodeURIComponent(q)}` }),
      );
      expect(answer.statusCode, q).toBe(200);
      expect(
        answer.json.users.map((u: { sub: string }) => u.sub),
        q,
      ).toContain(ann.sub);
    }
    const none = await call(request('GET', '/console/api/users', { query: 'q=zed' }));
    expect(none.json.users).toEqual([]);
  });
});

describe('the support call: a locked user, read, unlocked', () => {
  let preAuth: typeof import('../../shared/sign-in/pre-authentication.js');
  let signIn: typeof import('../../shared/sign-in/settings.js');

  beforeAll(async () => {
    preAuth = await import('../../shared/sign-in/pre-authentication.js');
    signIn = await import('../../shared/sign-in/settings.js');
  });

  /** Pre authentication as Cognito calls it for ann, from an address and device, asking `risk`. */
  async function attempt(deviceId = 'ann-laptop', userAgent = 'Mozilla/5.0', risk: RiskHooks = noRiskEngine) {
    const event = sampleEvent<PreAuthenticationEvent>('PreAuthentication_Authentication');
    event.userName = ann.email;
    event.request.userAttributes = { sub: ann.sub, email: ann.email };
    event.callerContext.clientId = 'web-client';
    // A context signed as the context endpoint signs it (IP and user agent as API Gateway saw them).
    event.request.validationData = signInAttempt({
      ip: '198.51.100.23',
      deviceId,
      userAgent,
      at: Date.now(),
      nonce: `nonce-${Math.random().toString(36).slice(2)}`,
    }).metadata;
    try {
      await preAuth.preAuthentication(event, signIn.signInSettings(), risk, Date.now());
      return 'allowed';
    } catch (error) {
      if (error instanceof UserFacingError) return error.code;
      throw error;
    }
  }

  it('shows the lock and its reason, unlocks it after the operator confirms, and records who did it', async () => {
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await attempt());
    expect(outcomes.at(-1)).toBe('SIGN_IN_LOCKED');

    const before = await call(request('GET', `/console/api/users/${ann.sub}`));
    expect(before.statusCode).toBe(200);
    expect(before.json.user).toMatchObject({ sub: ann.sub, email: ann.email, groups: ['readers'] });
    expect(before.json.lockout.lockedUntil).toBeGreaterThan(Date.now());
    expect(before.json.lockout).toMatchObject({ attemptsInWindow: 4, maxAttempts: 3 });

    const { result, output } = await captureOutput(() =>
      call(request('POST', `/console/api/users/${ann.sub}/unlock`, { body: {} })),
    );
    expect(result?.statusCode).toBe(200);
    expect(result?.json.lockout).toMatchObject({ attemptsInWindow: 0, maxAttempts: 3 });
    expect(result?.json.lockout.lockedUntil).toBeUndefined();
    expect(result?.json.audit[0]).toMatchObject({
      action: 'unlock',
      operatorSub: ADMIN.sub,
      operatorName: ADMIN.username,
      status: 'done',
    });
    const logged = logLines(output).filter((line) => line.message === 'console action');
    expect(logged.map((line) => line.status)).toEqual(['started', 'done']);
    expect(logged[1]).toMatchObject({ action: 'unlock', target: ann.sub, operator: ADMIN.sub });
    expect(await attempt()).toBe('allowed');
  });

  it('suspends (the sign-in is then refused once the password is proven) and reinstates', async () => {
    const { refuseByAccountState } = await import('../../shared/sign-in/account-state.js');
    const refusal = () => {
      const event = sampleEvent<any>('PostAuthentication_Authentication');
      return refuseByAccountState(event, ann.sub, { clientRules: {} }, async () => []).then(
        () => 'allowed',
        (error: UserFacingError) => error.code,
      );
    };
    const suspended = await call(request('POST', `/console/api/users/${ann.sub}/suspend`, { body: {} }));
    expect(suspended.json).toMatchObject({ suspended: true, suspendedBy: ADMIN.username });
    expect(await refusal()).toBe('SIGN_IN_USER_SUSPENDED');
    const reinstated = await call(request('POST', `/console/api/users/${ann.sub}/reinstate`, { body: {} }));
    expect(reinstated.json.suspended).toBe(false);
    expect(await refusal()).toBe('allowed');
    expect(reinstated.json.audit.slice(0, 2).map((r: { action: string }) => r.action)).toEqual([
      'reinstate',
      'suspend',
    ]);
  });

  it('shows a refused attempt with each reason and its points, and takes valid/invalid feedback on it', async () => {
    const { configuredRiskEngine } = await import('../../shared/risk/contract.js');
    await call(request('POST', `/console/api/users/${ann.sub}/unlock`, { body: {} }));
    // A script's user agent scores points; the device id is whatever the client claimed.
    expect(
      await attempt('device-<img src=x onerror=alert(1)>', 'python-requests/2.31', configuredRiskEngine()),
    ).toMatch(/allowed|SIGN_IN_RISK_BLOCKED/);
    const view = await call(request('GET', `/console/api/users/${ann.sub}`));
    const refused = view.json.timeline.find((entry: { outcome: string }) => entry.outcome !== 'signed-in');
    expect(refused).toMatchObject({ ip: '198.51.100.23', device: 'device-<img src=x onerror=alert(1)>' });
    expect(refused.reasons.length).toBeGreaterThan(0);
    expect(refused.reasons[0]).toEqual(
      expect.objectContaining({ signal: expect.any(String), points: expect.any(Number) }),
    );

    const marked = await call(
      request('POST', `/console/api/users/${ann.sub}/feedback`, {
        body: { verdict: 'invalid', eventId: refused.eventId },
      }),
    );
    expect(marked.statusCode).toBe(200);
    expect(marked.json.audit[0]).toMatchObject({ action: 'feedback-invalid', status: 'done' });
    const { Item } = await table.documentClient().send(
      new GetCommand({
        TableName: table.tableName(),
        Key: { pk: keys.user(ann.sub), sk: keys.riskNetwork('198.51.100.0/24') },
      }),
    );
    expect(Item).toMatchObject({ trust: 'distrusted', verdict: 'invalid', eventId: refused.eventId });

    const unknown = await call(
      request('POST', `/console/api/users/${ann.sub}/feedback`, {
        body: { verdict: 'valid', eventId: 'no-such-event' },
      }),
    );
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json.error).toBe('RISK_EVENT_NOT_FOUND');
  });

  it("signs the user out everywhere: the authorizer's sign-out time, then Cognito's global sign-out", async () => {
    const before = Math.floor(Date.now() / 1000);
    const answer = await call(request('POST', `/console/api/users/${ann.sub}/sign-out`, { body: {} }));
    expect(answer.statusCode).toBe(200);
    expect(signOuts).toEqual([answer.json.user.username]);
    const { Item } = await table.documentClient().send(
      new GetCommand({
        TableName: table.tableName(),
        Key: { pk: keys.user(ann.sub), sk: keys.signedOutAt() },
      }),
    );
    expect(Item?.signedOutAt).toBeGreaterThanOrEqual(before);
    expect(answer.json.audit[0]).toMatchObject({
      action: 'sign-out',
      status: 'done',
      detail: { signedOutAt: Item?.signedOutAt },
    });
  });

  it('reports a Cognito failure during sign-out as such, and audits the action as failed', async () => {
    failSignOut = true;
    try {
      const answer = await call(request('POST', `/console/api/users/${ann.sub}/sign-out`, { body: {} }));
      expect(answer.statusCode).toBe(502);
      expect(answer.json.message).toMatch(/Cognito's global sign-out failed \(TooManyRequestsException\)/);
      const view = await call(request('GET', `/console/api/users/${ann.sub}`));
      expect(view.json.audit[0]).toMatchObject({ action: 'sign-out', status: 'failed' });
    } finally {
      failSignOut = false;
    }
  });

  it('charts the pool by day and level', async () => {
    const answer = await call(request('GET', '/console/api/pool/chart'));
    expect(answer.json.days).toHaveLength(14);
    expect(answer.json.days[13]).toEqual({
      day: new Date().toISOString().slice(0, 10),
      low: expect.any(Number),
      medium: expect.any(Number),
      high: expect.any(Number),
      blocked: expect.any(Number),
    });
  });
});

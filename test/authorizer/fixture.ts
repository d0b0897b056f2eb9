import type { Context } from 'aws-lambda';
import {
  accessClaims,
  createTestKey,
  idClaims,
  signToken,
  startTestIssuer,
  type TestIssuer,
  type TestKey,
} from '../../scripts/local/test-issuer.js';
import type { Authorizer, AuthorizerDependencies } from '../../shared/authorizer/authorize.js';
import { authorizerHandler, createAuthorizer } from '../../shared/authorizer/handler.js';
import type { Principal } from '../../shared/authorizer/routes.js';
import {
  type AuthorizerSettings,
  loadAuthorizerSettings,
  type RouteRuleSetting,
} from '../../shared/authorizer/settings.js';
import type { IamPolicyAuthorizerResult, PolicyDocument } from '../../shared/events/index.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

export const POOL = 'local_Gatehouse1';
export const CLIENT = 'client-web';

/** Rules used across the authorizer tests. */
export const ROUTES: RouteRuleSetting[] = [
  { method: 'GET', path: '/items', groups: ['readers', 'admins'] },
  { method: 'GET', path: '/items/{id}', scopes: ['gatehouse/items.read'] },
  { method: 'DELETE', path: '/items/{id}', groups: ['admins'] },
  { method: 'GET', path: '/items/{id}/audit', groups: ['auditors'] },
  { method: 'ANY', path: '/admin/{proxy+}', groups: ['admins'] },
  { method: 'GET', path: '/tenants/{tenant}/report', claims: { tenant_id: 'acme' } },
];

/** Route rules as the settings loader reads them from the file. */
export const rules = (routes: unknown) =>
  loadAuthorizerSettings({ env: {}, file: { authorizer: { routes } } }).routes;

/** A verified caller with nothing but `overrides`. */
export const principal = (overrides: Partial<Principal> = {}): Principal => ({
  sub: 'u1',
  username: 'ann',
  groups: [],
  scopes: [],
  clientId: 'c',
  tokenUse: 'access',
  claims: {},
  ...overrides,
});

/**
 * Authorizes `event` twice, as the verified-token cache admits a token at its second
 * verification: its next use is a cache hit. Both answers must be verified ones.
 */
export async function admitted(authorizer: Authorizer, event: unknown): Promise<void> {
  for (let i = 0; i < 2; i++) {
    if ((await authorizer.authorize(event)).cached) throw new Error('already cached before its second use');
  }
}

export interface Fixture {
  key: TestKey;
  issuer: TestIssuer;
  iss: string;
  settings(env?: Record<string, string>, file?: Record<string, unknown>): AuthorizerSettings;
  authorizer(
    env?: Record<string, string>,
    file?: Record<string, unknown>,
    deps?: AuthorizerDependencies,
  ): Promise<Authorizer>;
  access(extra?: Record<string, unknown>): string;
  id(extra?: Record<string, unknown>): string;
  stop(): Promise<void>;
}

/** A test key served as a JWKS by a real local server, and a local pool trusting it. */
export async function startFixture(): Promise<Fixture> {
  const key = createTestKey('test-key-1');
  const issuer = await startTestIssuer([key]);
  const iss = issuer.issuer(POOL);
  const settings = (env: Record<string, string> = {}, file: Record<string, unknown> = {}) =>
    loadAuthorizerSettings({
      env,
      file: {
        authorizer: {
          pools: [{ userPoolId: POOL, clientIds: [CLIENT], tokenUse: 'any', issuer: iss }],
          routes: ROUTES,
          ...file,
        },
      },
    });
  return {
    key,
    issuer,
    iss,
    settings,
    async authorizer(env, file, deps) {
      const authorizer = await createAuthorizer(settings(env, file), deps);
      await authorizer.hydrate();
      return authorizer;
    },
    access: (extra) => signToken(key, accessClaims(iss, CLIENT, extra)),
    id: (extra) => signToken(key, idClaims(iss, CLIENT, extra)),
    stop: () => issuer.stop(),
  };
}

export type Format = 'token' | 'request' | 'http-1.0' | 'http-2.0';

const SAMPLE: Record<Format, string> = {
  token: 'rest-token',
  request: 'rest-request',
  'http-1.0': 'http-v1',
  'http-2.0': 'http-v2',
};

/** A sample event of the format carrying `authorization`, for `method path` when given. */
export function eventFor(format: Format, authorization: string, route?: { method: string; path: string }) {
  const event = sampleEvent<any>(SAMPLE[format]);
  if (format === 'token') event.authorizationToken = authorization;
  else if (format === 'request') {
    event.headers.Authorization = authorization;
    event.multiValueHeaders.Authorization = [authorization];
  } else {
    event.headers.authorization = authorization;
    if (format === 'http-1.0') {
      event.identitySource = authorization;
      event.authorizationToken = authorization;
    } else event.identitySource = [authorization];
  }
  if (route) {
    const field = format === 'http-2.0' ? 'routeArn' : 'methodArn';
    const prefix = (event[field] as string).split('/').slice(0, 2).join('/');
    event[field] = `${prefix}/${route.method}${route.path}`;
  }
  return event;
}

export interface Outcome {
  result:
    | IamPolicyAuthorizerResult
    | { isAuthorized: boolean; context?: Record<string, unknown> }
    | undefined;
  error: unknown;
  output: string;
  logs: Record<string, unknown>[];
}

/** Runs the whole Lambda chain (middy, logs) on an event. */
export async function invoke(
  authorizer: Authorizer,
  event: unknown,
  context: Context = lambdaContext('authorizer'),
) {
  const handler = authorizerHandler(authorizer);
  const { result, error, output } = await captureOutput(() => handler(event, context));
  return { result, error, output, logs: logLines(output) } as Outcome;
}

/** The effect API Gateway would apply to `arn`: 401, 500, or the policy's answer (explicit Deny wins). */
export function verdict(outcome: Outcome, arn?: string): 'Unauthorized' | 'Error' | 'Allow' | 'Deny' {
  if (outcome.error !== undefined) {
    return (outcome.error as Error).message === 'Unauthorized' ? 'Unauthorized' : 'Error';
  }
  const result = outcome.result;
  if (result && 'isAuthorized' in result) return result.isAuthorized ? 'Allow' : 'Deny';
  if (!result || !arn) throw new Error('verdict needs a policy and the ARN it applies to');
  return evaluatePolicy(result.policyDocument, arn);
}

/** IAM evaluation of an execute-api policy for one ARN: `*` spans any characters, Deny wins. */
export function evaluatePolicy(policy: PolicyDocument, arn: string): 'Allow' | 'Deny' {
  const matches = (effect: string) =>
    policy.Statement.some((s) => s.Effect === effect && s.Resource.some((r) => globMatches(r, arn)));
  if (matches('Deny')) return 'Deny';
  return matches('Allow') ? 'Allow' : 'Deny';
}

function globMatches(pattern: string, value: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^$()|[\]{}\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(value);
}

/** The ARN an event asks about. */
export function arnOf(event: any): string {
  return event.routeArn ?? event.methodArn;
}

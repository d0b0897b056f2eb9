/**
 * The sign-in context's key from Secrets Manager (RISK_CONTEXT_SECRET_ID), never the environment:
 * the context endpoint signs with the current value, the triggers' checks accept the current and,
 * during a rotation, the previous one; an outage after a first read keeps the last key. Played
 * against a local Secrets Manager stand-in, through the deployed entries where they are the unit.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyContext } from '../../shared/risk/context.js';
import { lambdaContext } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../support/secrets-manager.js';

const SECRET_ID = 'gatehouse/test/context';
const K1 = 'k1'.repeat(32);
const K2 = 'k2'.repeat(32);
const CLIENT = '3example0clientid0000000000';
let sm: LocalSecretsManager;
let keys: typeof import('../../shared/risk/context-key.js');
let signIn: { handler: (event: unknown, context: unknown) => Promise<unknown> };
const saved = { ...process.env };

beforeAll(async () => {
  sm = await startLocalSecretsManager();
  sm.store.set(SECRET_ID, { AWSCURRENT: K1 });
  Object.assign(process.env, {
    SECRETS_MANAGER_ENDPOINT: sm.endpoint,
    RISK_CONTEXT_SECRET_ID: SECRET_ID,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
  });
  delete process.env.RISK_CONTEXT_SECRET;
  keys = await import('../../shared/risk/context-key.js');
  signIn = (await import('../../functions/sign-in-context.js')) as typeof signIn;
});
afterAll(async () => {
  vi.useRealTimers();
  for (const name of ['SECRETS_MANAGER_ENDPOINT', 'RISK_CONTEXT_SECRET_ID', 'RISK_CONTEXT_SECRET']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await sm?.stop();
});
beforeEach(() => {
  sm.down = false;
});

function contextRequest(username: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /sign-in-context',
    rawPath: '/sign-in-context',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      http: {
        method: 'POST',
        path: '/sign-in-context',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: 'UA',
      },
      requestId: 'r1',
      routeKey: 'POST /sign-in-context',
      stage: '$default',
    },
    body: JSON.stringify({ username, clientId: CLIENT }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

/** A context from the deployed endpoint entry, and what the triggers' check makes of it. */
async function issue(username: string) {
  const { result, error, output } = await captureOutput(
    () =>
      signIn.handler(
        contextRequest(username),
        lambdaContext('sign-in-context'),
      ) as Promise<APIGatewayProxyStructuredResultV2>,
  );
  if (error) return { error, output };
  const metadata = JSON.parse((result as APIGatewayProxyStructuredResultV2).body!).clientMetadata as Record<
    string,
    string
  >;
  return { metadata, output };
}

const binding = (username: string) => ({ identities: [username], clientId: CLIENT });
const checkedBy = (secret: string | string[], metadata: Record<string, string>, username: string) =>
  verifyContext(metadata, binding(username), secret, 300, Number(metadata.timestamp) * 1000);

describe('the context key from Secrets Manager', () => {
  it('the endpoint signs with the secret value; the triggers accept it once read, and a context forged with another key never', async () => {
    const { metadata, output } = await issue('ann@example.org');
    expect(checkedBy(K1, metadata!, 'ann@example.org')).toBe('valid');
    expect(output).not.toContain(K1);
    await keys.refreshContextKey();
    expect(checkedBy(keys.contextKeys(undefined), metadata!, 'ann@example.org')).toBe('valid');
    // A plain key (what a local run would set) does not replace the deployed one.
    expect(checkedBy(keys.contextKeys('x'.repeat(40)), metadata!, 'ann@example.org')).toBe('valid');
    const forged = { ...metadata!, signature: 'ab'.repeat(32) };
    expect(checkedBy(keys.contextKeys(undefined), forged, 'ann@example.org')).toBe('forged');
  });

  it('during a rotation: contexts signed with the previous value still verify, new ones are signed with the current', async () => {
    const old = await issue('bob@example.org');
    sm.store.set(SECRET_ID, { AWSCURRENT: K2, AWSPREVIOUS: K1 });
    // Powertools keeps a value 5 minutes: the rotation shows after that.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 301_000 });
    try {
      await keys.refreshContextKey();
      expect(keys.contextKeys(undefined)).toEqual([K2, K1]);
      expect(checkedBy(keys.contextKeys(undefined), old.metadata!, 'bob@example.org')).not.toBe('forged');
      expect(checkedBy(K1, old.metadata!, 'bob@example.org')).not.toBe('forged');
      const fresh = await issue('bob@example.org');
      expect(checkedBy(K2, fresh.metadata!, 'bob@example.org')).toBe('valid');
      expect(checkedBy(K1, fresh.metadata!, 'bob@example.org')).toBe('forged');
    } finally {
      vi.useRealTimers();
    }
  });

  it('an outage after a first read keeps the last key (a warning, no failed sign-in)', async () => {
    await keys.refreshContextKey();
    sm.down = true;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 700_000 });
    try {
      const { metadata, output } = await issue('cy@example.org');
      expect(metadata).toBeDefined();
      expect(logLines(output)).toContainEqual(
        expect.objectContaining({
          level: 'WARN',
          message: 'context key not refreshed: using the last one read',
        }),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('an outage before any read fails the invocation: nothing could be signed or verified', async () => {
    keys.resetContextKey();
    sm.down = true;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1_400_000 });
    try {
      const { error, metadata } = await issue('dee@example.org');
      expect(metadata).toBeUndefined();
      expect(error).toBeInstanceOf(Error);
      expect(keys.contextKeys(undefined)).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

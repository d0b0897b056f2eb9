import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessClaims,
  createTestKey,
  signToken,
  startTestIssuer,
  type TestIssuer,
  type TestKey,
} from '../../scripts/local/test-issuer.js';
import { metricsNamed, seriesOf } from '../support/emf.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

/**
 * The deployed entry, `functions/authorizer.ts`, wired from the environment as serverless.yml
 * sets it (USER_POOL_ID, USER_POOL_CLIENT_ID, here a local issuer) and from the bundled
 * config/gatehouse.json (the sample route `GET /items` for the `readers` group).
 */
let issuer: TestIssuer;
let key: TestKey;
const POOL = 'local_Entry1';
const saved = { ...process.env };

beforeAll(async () => {
  key = createTestKey('entry-key');
  issuer = await startTestIssuer([key]);
  Object.assign(process.env, {
    USER_POOL_ID: POOL,
    USER_POOL_CLIENT_ID: 'web-client',
    AUTHORIZER_LOCAL_ISSUER: issuer.base,
  });
});
afterAll(async () => {
  for (const name of ['USER_POOL_ID', 'USER_POOL_CLIENT_ID', 'AUTHORIZER_LOCAL_ISSUER']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await issuer?.stop();
});

describe('functions/authorizer.ts', () => {
  it('hydrates at import, then allows the sample route to a reader and denies it to others', async () => {
    const before = issuer.requests.length;
    const { handler } = await import('../../functions/authorizer.js');
    expect(issuer.requests.length).toBe(before + 1);
    const call = async (groups: string[]) => {
      const event = sampleEvent<any>('http-v2');
      const token = signToken(
        key,
        accessClaims(issuer.issuer(POOL), 'web-client', { 'cognito:groups': groups }),
      );
      event.headers.authorization = `Bearer ${token}`;
      return captureOutput(() => handler(event, lambdaContext('authorizer')));
    };
    const reader = await call(['readers']);
    expect(reader.result).toMatchObject({
      policyDocument: { Statement: [{ Effect: 'Allow', Resource: [sampleEvent<any>('http-v2').routeArn] }] },
      context: { clientId: 'web-client', groups: 'readers' },
    });
    const guest = await call(['guests']);
    expect(guest.result).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } });
    expect(logLines(guest.output)).toContainEqual(expect.objectContaining({ reason: 'MISSING_RIGHTS' }));
    // Metrics (EMF): one Allowed, one Denied, each stage-wide; a Deny is an answer, not a refusal.
    const service = [{ service: 'gatehouse' }];
    expect(metricsNamed(reader.output, 'Allowed').map((m) => m.dimensionSets)).toEqual([service]);
    expect(metricsNamed(guest.output, 'Denied').map((m) => m.dimensionSets)).toEqual([service]);
    expect(metricsNamed(guest.output, 'Allowed')).toEqual([]);
    expect(metricsNamed(guest.output, 'Refused')).toEqual([]);
    expect(metricsNamed(guest.output, 'Succeeded').map((m) => m.dimensionSets)).toEqual([
      [{ service: 'gatehouse', function: 'authorizer' }],
    ]);
  });

  it('counts a verified-token cache hit with its Allowed, stage-wide, in the same EMF line', async () => {
    const { handler } = await import('../../functions/authorizer.js');
    const token = signToken(
      key,
      accessClaims(issuer.issuer(POOL), 'web-client', { 'cognito:groups': ['readers'] }),
    );
    const call = () => {
      const event = sampleEvent<any>('http-v2');
      event.headers.authorization = `Bearer ${token}`;
      return captureOutput(() => handler(event, lambdaContext('authorizer')));
    };
    const first = await call();
    await call(); // its second verification stores it (verify-cache.ts)
    const hit = await call();
    expect(metricsNamed(first.output, 'TokenCacheHits')).toEqual([]);
    const service = [{ service: 'gatehouse' }];
    expect(metricsNamed(hit.output, 'TokenCacheHits').map((m) => [m.value, m.dimensionSets])).toEqual([
      [1, service],
    ]);
    expect(metricsNamed(hit.output, 'Allowed').map((m) => [m.value, m.dimensionSets])).toEqual([
      [1, service],
    ]);
    // The answer's line and the outcome's line (Succeeded, Duration by function): two EMF writes.
    expect(logLines(hit.output).filter((line) => '_aws' in line)).toHaveLength(2);
  });

  it('counts a missing token as Unauthorized (401) by reason, and as the function refusing it', async () => {
    const { handler } = await import('../../functions/authorizer.js');
    const event = sampleEvent<any>('http-v2');
    delete event.headers.authorization;
    const { error, output } = await captureOutput(() => handler(event, lambdaContext('authorizer')));
    expect((error as Error).message).toBe('Unauthorized');
    expect(seriesOf(output, 'Unauthorized')).toEqual([
      { service: 'gatehouse' },
      { service: 'gatehouse', reason: expect.any(String) },
    ]);
    expect(seriesOf(output, 'Refused')).toEqual([
      { service: 'gatehouse', function: 'authorizer' },
      { service: 'gatehouse', function: 'authorizer', code: 'UNAUTHORIZED' },
    ]);
  });
});

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors/index.js';
import { verifyContext } from '../../shared/risk/context.js';
import { attemptFacts } from '../../shared/risk/facts.js';
import { contextEndpoint, signedContext } from '../../shared/sign-in-context/endpoint.js';
import { NOW, SECRET, signInAttempt, testConfig } from '../risk/support/fixtures.js';

/** A Cognito app client id (letters and digits). */
const CLIENT = '3example0clientid0000000000';
const endpoint = contextEndpoint({ secret: SECRET, maxAgeSeconds: 300 });

/** The HTTP API event (payload 2.0) API Gateway sends for `POST /sign-in-context`. */
function request(body: unknown, overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /sign-in-context',
    rawPath: '/sign-in-context',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.250' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/sign-in-context',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: 'Mozilla/5.0 (Macintosh) Safari/605.1.15',
      },
      requestId: 'r1',
      routeKey: 'POST /sign-in-context',
      stage: '$default',
      time: '',
      timeEpoch: NOW,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    ...overrides,
  };
}

async function call(event: APIGatewayProxyEventV2) {
  const answer = (await endpoint(event, NOW)) as APIGatewayProxyStructuredResultV2;
  return { status: answer.statusCode, body: JSON.parse(answer.body ?? '{}'), headers: answer.headers };
}

describe('POST /sign-in-context', () => {
  it('signs the IP and user agent API Gateway saw, with the normalised username, client, device, issued-at and nonce', async () => {
    const { status, body, headers } = await call(
      request({ username: ' Ann@Example.org ', clientId: CLIENT, deviceId: 'laptop-1' }),
    );
    expect(status).toBe(200);
    expect(headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(body.clientMetadata).toEqual({
      username: 'ann@example.org',
      clientId: CLIENT,
      ip: '203.0.113.10',
      userAgent: 'Mozilla/5.0 (Macintosh) Safari/605.1.15',
      deviceId: 'laptop-1',
      timestamp: String(NOW / 1000),
      nonce: expect.stringMatching(/^[\w-]{22}$/),
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(body.expiresAt).toBe(NOW / 1000 + 300);
    const binding = { identities: ['sub-1', 'ann@example.org'], clientId: CLIENT };
    expect(verifyContext(body.clientMetadata, binding, SECRET, 300, NOW)).toBe('valid');
  });

  it('a context the triggers believe: its facts are what API Gateway saw', async () => {
    const { body } = await call(request({ username: 'ann@example.org', clientId: CLIENT }));
    const attempt = { ...signInAttempt({ sign: 'none', clientId: CLIENT }), metadata: body.clientMetadata };
    expect(attemptFacts(attempt, testConfig())).toMatchObject({
      signature: 'valid',
      ipText: '203.0.113.10',
      nonce: body.clientMetadata.nonce,
    });
  });

  it('a new nonce for every context', async () => {
    const body = { username: 'ann@example.org', clientId: CLIENT };
    const [a, b] = await Promise.all([call(request(body)), call(request(body))]);
    expect(a.body.clientMetadata.nonce).not.toBe(b.body.clientMetadata.nonce);
  });

  it.each([
    ['an IP in the body', { username: 'a', clientId: CLIENT, ip: '198.51.100.1' }, 'unknown field ip'],
    [
      'a user agent in the body',
      { username: 'a', clientId: CLIENT, userAgent: 'x' },
      'unknown field userAgent',
    ],
    ['a country in the body', { username: 'a', clientId: CLIENT, country: 'FR' }, 'unknown field country'],
    ['no username', { clientId: CLIENT }, 'username is required'],
    ['an empty username', { username: '', clientId: CLIENT }, 'username must not be empty'],
    [
      'a username of 129 characters',
      { username: 'a'.repeat(129), clientId: CLIENT },
      'username must be at most 128 characters',
    ],
    ['a bad client id', { username: 'a', clientId: 'web client!' }, 'clientId must be an app client id'],
    [
      'a device id of 129 characters',
      { username: 'a', clientId: CLIENT, deviceId: 'd'.repeat(129) },
      'deviceId must be at most 128 characters',
    ],
    [
      'a device id with a newline',
      { username: 'a', clientId: CLIENT, deviceId: 'x\nip=1.2.3.4' },
      'deviceId must not contain control characters',
    ],
    [
      'a device id that is a number',
      { username: 'a', clientId: CLIENT, deviceId: 7 },
      'deviceId must be a string',
    ],
    ['an array', [], 'the body must be a JSON object'],
    ['not JSON', '{"username":', 'the body is not valid JSON'],
    ['no body', '', 'the body must be a JSON object with username and clientId'],
  ])('400 for %s, naming what is wrong', async (_, body, message) => {
    const { status, body: answer } = await call(request(body));
    expect(status).toBe(400);
    expect(answer).toEqual({ error: 'BAD_REQUEST', message: expect.stringContaining(message) });
  });

  it('reads a base64-encoded body', async () => {
    const body = Buffer.from(JSON.stringify({ username: 'ann@example.org', clientId: CLIENT })).toString(
      'base64',
    );
    expect((await call(request(body, { isBase64Encoded: true }))).status).toBe(200);
  });

  it('cuts an oversized user agent and turns its control characters into spaces', () => {
    const signed = signedContext(
      { username: 'a', clientId: CLIENT },
      { sourceIp: '203.0.113.10', userAgent: `UA\r\n${'x'.repeat(600)}` },
      SECRET,
      300,
      NOW,
    );
    expect(signed.clientMetadata.userAgent).toHaveLength(512);
    expect(signed.clientMetadata.userAgent!.startsWith('UA  x')).toBe(true);
  });

  it('refuses to start without a secret, naming the setting', () => {
    expect(() => contextEndpoint({ secret: undefined, maxAgeSeconds: 300 })).toThrow(ConfigError);
    expect(() => contextEndpoint({ secret: undefined, maxAgeSeconds: 300 })).toThrow(/RISK_CONTEXT_SECRET/);
  });
});

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalOperator,
  createLocalUser,
  LOCAL_OPERATOR,
} from '../../scripts/local/console-operator.js';
import { fetchSignInContext } from '../../scripts/local/sign-in-context.js';
import { type GatehouseStack, startGatehouseStack } from '../../scripts/local/stack.js';
import { MEMBERS_GROUP, storyConfig, storyEnv, storyParams } from '../../scripts/local/story.js';
import type { PreAuthenticationEvent } from '../../shared/events/index.js';
import type { SignInRecord } from '../../shared/sign-in/history.js';
import { keys } from '../../shared/storage/keys.js';
import { sampleEvent } from '../support/events.js';

/**
 * The operator console on the whole local stack (cognito-local, serverless-offline with the
 * authorizer, dynalite), in a real browser: Debian's Chromium driven by playwright-core. It plays
 * the support call: find the locked user, read the reason, unlock, see the state change. And
 * every API call over HTTP: 401 without a token, 403 without the admin group.
 *
 * Chromium: CHROMIUM_PATH, else /usr/bin/chromium (`apt-get install chromium`; `.ci/run`
 * installs it). In CI a missing browser fails the test; elsewhere the browser part is skipped
 * with a warning, so `npm test` still runs on a laptop without it.
 * GATEHOUSE_SCREENSHOTS=docs writes the README's screenshots there.
 */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium && !process.env.CI) {
  console.warn(
    `Chromium not found at ${chromiumPath}: the console's browser test is skipped (apt-get install chromium).`,
  );
}

const ANN = { email: 'ann.locked@example.org', password: 'Ann-Correct-Horse-42' };
const BOB = { email: 'bob.reader@example.org', password: 'Bob-Correct-Horse-42' };
const HOSTILE_DEVICE = 'phone-<img src=x onerror="window.__xss=1">';

let stack: GatehouseStack;
let annSub: string;
const tokens: Record<'operator' | 'reader', string> = { operator: '', reader: '' };

async function accessToken(user: { email: string; password: string }): Promise<string> {
  const answer = await stack.cognito.client.send(
    new InitiateAuthCommand({
      ClientId: stack.cognito.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: user.email, PASSWORD: user.password },
      ClientMetadata: { ip: '192.0.2.10', deviceId: `${user.email}-desk`, country: 'FR' },
    }),
  );
  return answer.AuthenticationResult?.AccessToken ?? '';
}

/**
 * Pre authentication as Cognito calls it before checking ann's password: a script with a context
 * signed by the stack's endpoint (`POST /sign-in-context`), whose device id holds HTML.
 */
async function annAttempt(): Promise<PreAuthenticationEvent> {
  const event = sampleEvent<PreAuthenticationEvent>('PreAuthentication_Authentication');
  event.userPoolId = stack.cognito.userPoolId;
  event.callerContext.clientId = stack.cognito.clientId;
  event.userName = ANN.email;
  event.request.userAttributes = { sub: annSub, email: ANN.email };
  event.request.validationData = await fetchSignInContext(
    stack.offline.httpEndpoint,
    { username: ANN.email, clientId: stack.cognito.clientId, deviceId: HOSTILE_DEVICE },
    'python-requests/2.31',
  );
  return event;
}

/**
 * Ann's sign-in from Paris an hour ago, as post authentication records it (the engine leaves the
 * last 30 seconds of history out, so a sign-in made by the test itself would not count yet).
 */
async function seedEarlierSignIn() {
  const at = Date.now() - 3_600_000;
  const record: SignInRecord = {
    at,
    clientId: stack.cognito.clientId,
    deviceKey: 'ann-laptop',
    ip: '198.51.100.7',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Version/17.5 Safari/605.1.15',
    country: 'FR',
    latitude: 48.8566,
    longitude: 2.3522,
    outcome: 'success',
    expiresAt: Math.floor(at / 1000) + 90 * 86_400,
  };
  const items = [
    { pk: keys.user(annSub), sk: keys.signIn(new Date(at).toISOString(), 'paris-1'), ...record },
    { pk: keys.user(annSub), sk: keys.device('ann-laptop'), firstSeen: at - 30 * 86_400_000, lastSeen: at },
  ];
  for (const item of items) {
    await stack.dynamo.client.send(
      new PutItemCommand({ TableName: stack.dynamo.tableName, Item: marshall(item) }),
    );
  }
}

beforeAll(async () => {
  stack = await startGatehouseStack({ config: storyConfig, env: storyEnv, params: storyParams });
  await createLocalOperator(stack.cognito);
  annSub = await createLocalUser(stack.cognito, ANN, [MEMBERS_GROUP]);
  await createLocalUser(stack.cognito, BOB, [MEMBERS_GROUP]);
  tokens.operator = await accessToken(LOCAL_OPERATOR);
  tokens.reader = await accessToken(BOB);
  await seedEarlierSignIn();
  // Six attempts without a success: the sixth passes the limit of five and locks the account.
  const errors: (string | undefined)[] = [];
  for (let i = 0; i < 6; i++)
    errors.push((await stack.invoke('pre-authentication', await annAttempt())).error);
  expect(errors.at(-1)).toMatch(/Too many sign-in attempts/);
});

afterAll(async () => {
  await stack?.stop();
});

const apiCalls = () =>
  [
    ['GET', '/console/api/users?q=ann'],
    ['GET', `/console/api/users/${annSub}`],
    ['GET', '/console/api/pool/chart'],
    ['POST', `/console/api/users/${annSub}/unlock`],
    ['POST', `/console/api/users/${annSub}/suspend`],
    ['POST', `/console/api/users/${annSub}/reinstate`],
    ['POST', `/console/api/users/${annSub}/sign-out`],
    ['POST', `/console/api/users/${annSub}/feedback`],
  ] as const;

async function callApi(method: string, path: string, token?: string, extra: Record<string, string> = {}) {
  return fetch(`${stack.offline.httpEndpoint}${path}`, {
    method,
    headers: {
      'x-gatehouse-console': '1',
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extra,
    },
    ...(method === 'POST' ? { body: '{"verdict":"valid","eventId":"none"}' } : {}),
  });
}

describe('the console API through API Gateway (serverless-offline) and the authorizer', () => {
  it('refuses every API call without a token: 401', async () => {
    for (const [method, path] of apiCalls()) {
      expect((await callApi(method, path)).status, `${method} ${path}`).toBe(401);
    }
  });

  it('refuses every API call with a valid token outside the admin group: 403', async () => {
    for (const [method, path] of apiCalls()) {
      expect((await callApi(method, path, tokens.reader)).status, `${method} ${path}`).toBe(403);
    }
  });

  it('refuses an admin call a cross-site page could make (no console header): 403', async () => {
    const answer = await callApi('POST', `/console/api/users/${annSub}/suspend`, tokens.operator, {
      'x-gatehouse-console': '',
    });
    expect(answer.status).toBe(403);
  });

  it('answers the admin, and never lets the answer be cached', async () => {
    const answer = await callApi('GET', `/console/api/users/${annSub}`, tokens.operator);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const view = (await answer.json()) as { lockout: { lockedUntil?: number } };
    expect(view.lockout.lockedUntil).toBeGreaterThan(Date.now());
  });

  it('serves the page to anyone, with its Content-Security-Policy', async () => {
    const answer = await fetch(`${stack.offline.httpEndpoint}/console`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});

describe.runIf(hasChromium || process.env.CI)('the support call, in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let pageBytes = 0;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`CI needs Chromium at ${chromiumPath} (.ci/run installs it)`);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', async (response) => {
      if (new URL(response.url()).pathname.startsWith('/console') && !response.url().includes('/api/')) {
        pageBytes += (await response.body().catch(() => Buffer.alloc(0))).length;
      }
    });
  });
  afterAll(async () => browser?.close());

  const screenshot = async (name: string) => {
    const folder = process.env.GATEHOUSE_SCREENSHOTS;
    if (!folder) return;
    mkdirSync(folder, { recursive: true });
    await page.screenshot({ path: join(folder, name) });
  };

  it('finds the locked user, reads the reason, unlocks after confirming, and sees the state change', async () => {
    await page.goto(`${stack.offline.httpEndpoint}/console`);
    await page.fill('#sign-in-username', LOCAL_OPERATOR.email);
    await page.fill('#sign-in-password', LOCAL_OPERATOR.password);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#workspace:not([hidden])');

    await page.fill('#search-text', 'ann.locked@');
    await page.setViewportSize({ width: 1180, height: 1000 });
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('#user:not([hidden])');
    expect(await page.textContent('#user-title')).toBe(ANN.email);
    expect(await page.textContent('#user-badges')).toContain('Locked');
    expect(await page.textContent('#user-ids')).toContain(`groups: ${MEMBERS_GROUP}`);
    const reason = await page.textContent('#lockout-text');
    expect(reason).toMatch(
      /^Locked from unfamiliar devices and networks until .+: more than 5 sign-in attempts without a success \(6 in this window\)\.$/,
    );
    // The attempts the engine scored, each reason with its points.
    const rows = page.locator('#timeline tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(5);
    const newest = await rows.first().textContent();
    expect(newest).toMatch(/new-device \+20/);
    expect(newest).toMatch(/automated-user-agent \+30/);
    expect(await page.textContent('#devices tbody')).toContain('ann-laptop');
    await page.locator('#user').scrollIntoViewIfNeeded();
    await screenshot('console-locked-user.png');

    await page.click('#action-unlock');
    await page.waitForSelector('#confirm[open]');
    expect(await page.textContent('#confirm-text')).toContain(`Unlock ${ANN.email}?`);
    await screenshot('console-confirm-unlock.png');
    await page.click('#confirm-ok');
    await page.locator('#user-badges', { hasText: 'Not locked' }).waitFor();
    expect(await page.textContent('#lockout-text')).toBe('Not locked. 0 of 5 attempts used in this window.');
    expect(await page.textContent('#audit tbody tr:first-child')).toMatch(/unlock.*done/);
    expect(await page.isDisabled('#action-unlock')).toBe(true);
    await screenshot('console-unlocked.png');

    // And the server agrees: the lockout lets ann try again (the risk engine still judges the attempt).
    expect((await stack.invoke('pre-authentication', await annAttempt())).error ?? '').not.toMatch(
      /Too many/,
    );
  });

  it('shows what a client claimed as text, never as markup', async () => {
    const cells = await page.locator('#timeline tbody td:nth-child(4)').allTextContents();
    expect(cells).toContain(HOSTILE_DEVICE);
    expect(await page.locator('#timeline img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  });

  it('loads in under 100 KB, with no script error nor CSP violation', () => {
    expect(pageBytes).toBeGreaterThan(0);
    expect(pageBytes).toBeLessThan(100 * 1024);
    expect(problems).toEqual([]);
  });
});

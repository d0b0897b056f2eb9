import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import type { PostAuthenticationEvent, PreAuthenticationEvent } from '../../shared/events/index.js';
import {
  noRiskEngine,
  type RiskHooks,
  type SignInAttempt,
  type VerifiedContext,
} from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let sut: typeof import('../../shared/sign-in/post-authentication.js');
let lockout: typeof import('../../shared/sign-in/lockout.js');
let put: (item: Record<string, unknown>) => Promise<void>;

beforeAll(async () => {
  sut = await import('../../shared/sign-in/post-authentication.js');
  lockout = await import('../../shared/sign-in/lockout.js');
  const { documentClient, tableName } = await import('../../shared/storage/table.js');
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  put = async (item) => {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: item }));
  };
});
beforeEach(async () => local.ses.clear());
/** What the sample event's context says, as the risk engine verifies it (signature held). */
const VERIFIED: VerifiedContext = {
  ip: '203.0.113.42',
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15',
  deviceKey: 'us-east-1_0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
  deviceId: 'us-east-1_0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
  country: 'PT',
  latitude: 38.72,
  longitude: -9.14,
};
const verifying: RiskHooks = { ...noRiskEngine, verify: async () => VERIFIED };
/** The engine a test passes in: by default one that verifies the sample context and does nothing else. */
let risk: RiskHooks = verifying;
beforeEach(() => {
  risk = verifying;
});

const settings = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_SIGN_IN_HISTORY_LIMIT: '3', GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '3' },
  file: {},
});

let counter = 0;
function event(metadata: Record<string, string> = {}) {
  const e = sampleEvent<PostAuthenticationEvent>('PostAuthentication_Authentication');
  const sub = `user-${++counter}-${Date.now()}`;
  e.userName = sub;
  e.request.userAttributes.sub = sub;
  e.request.clientMetadata = { ...e.request.clientMetadata, ...metadata };
  return e;
}

async function itemsOf(sub: string) {
  return (await local.dynamo.scan()).filter((item) => item.pk === `USER#${sub}`);
}

describe('post authentication', () => {
  it('records the sign-in with the attribute names the risk engine reads', async () => {
    const e = event({ country: 'PT', latitude: '38.72', longitude: '-9.14', timestamp: String(Date.now()) });
    await sut.postAuthentication(e, settings, risk);
    const [record] = (await itemsOf(e.userName)).filter((item) => String(item.sk).startsWith('SIGNIN#'));
    expect(record).toMatchObject({
      sk: expect.stringMatching(/^SIGNIN#\d{4}-\d\d-\d\dT[\d:.]+Z#[\w-]+$/),
      at: expect.any(Number),
      clientId: '3example0clientid0000000000',
      deviceKey: 'us-east-1_0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
      deviceId: 'us-east-1_0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
      ip: '203.0.113.42',
      userAgent: expect.stringContaining('Safari'),
      country: 'PT',
      latitude: 38.72,
      longitude: -9.14,
      outcome: 'success',
      expiresAt: expect.any(Number),
    });
    expect(record!.expiresAt as number).toBeGreaterThan(Date.now() / 1000 + 89 * 86_400);
  });

  it.each([
    ['a request id', { requestId: 'req-1' }],
    ['a timestamp', { timestamp: new Date().toISOString() }],
    ['neither (the minute of the sign-in)', {}],
  ])('writes one record however often Cognito retries, identified by %s', async (_, metadata) => {
    const e = event(metadata);
    // An injected clock, 10 s into a minute: the retry 500 ms later stays in the same minute
    // however slow the machine (with the real clock, 0.8% of runs crossed a minute boundary).
    const now = Math.floor(Date.now() / 60_000) * 60_000 + 10_000;
    await Promise.all([1, 2, 3].map(() => sut.postAuthentication(structuredClone(e), settings, risk, now)));
    await sut.postAuthentication(structuredClone(e), settings, risk, now + 500);
    const records = (await itemsOf(e.userName)).filter((item) => String(item.sk).startsWith('SIGNIN#'));
    expect(records).toHaveLength(1);
  });

  it('keeps the device registry: first seen once, last seen each time', async () => {
    const e = event({ requestId: 'a' });
    await sut.postAuthentication(structuredClone(e), settings, risk, 1_000_000);
    e.request.clientMetadata!.requestId = 'b';
    await sut.postAuthentication(structuredClone(e), settings, risk, 2_000_000);
    const device = (await itemsOf(e.userName)).find((item) => String(item.sk).startsWith('DEVICE#'));
    expect(device).toMatchObject({
      sk: 'DEVICE#us-east-1_0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
      firstSeen: 1_000_000,
      lastSeen: 2_000_000,
    });
  });

  it('keeps the history bounded to the newest records', async () => {
    const e = event();
    const start = Date.now();
    for (let i = 0; i < 6; i++) {
      e.request.clientMetadata!.requestId = `r${i}`;
      await sut.postAuthentication(structuredClone(e), settings, risk, start + i * 60_000);
    }
    const records = (await itemsOf(e.userName)).filter((item) => String(item.sk).startsWith('SIGNIN#'));
    expect(records.map((r) => r.at)).toEqual([start + 3 * 60_000, start + 4 * 60_000, start + 5 * 60_000]);
  });

  it('updates the last sign-in of an existing profile and creates none', async () => {
    const withProfile = event();
    await put({ pk: `USER#${withProfile.userName}`, sk: 'PROFILE', tenantId: 'acme' });
    await sut.postAuthentication(withProfile, settings, risk, 5_000_000_000_000);
    expect((await itemsOf(withProfile.userName)).find((i) => i.sk === 'PROFILE')).toMatchObject({
      tenantId: 'acme',
      lastSignInAt: 5_000_000_000_000,
    });
    const without = event();
    await sut.postAuthentication(without, settings, risk);
    expect((await itemsOf(without.userName)).find((i) => i.sk === 'PROFILE')).toBeUndefined();
  });

  it('clears the failed-attempt counter', async () => {
    const e = event();
    const identity = lockout.identityKey(e);
    const count = async () =>
      lockout.countFailure(await lockout.readLockState(identity, {}, settings), settings);
    for (let i = 0; i < 3; i++) await count();
    await sut.postAuthentication(e, settings, risk);
    expect(await lockout.attemptsInWindow(identity, 'unfamiliar', settings)).toBe(0);
    for (let i = 0; i < 3; i++) expect(await count()).toBe(false);
  });

  it('attack 1: with no verified context (USER_PASSWORD_AUTH), it records time and client only, never what pre authentication saw', async () => {
    const { preAuthentication } = await import('../../shared/sign-in/pre-authentication.js');
    const { sampleEvent: sample } = await import('../support/events.js');
    risk = noRiskEngine;
    const e = event();
    e.request.clientMetadata = undefined;
    const pre = sample<PreAuthenticationEvent>('PreAuthentication_Authentication');
    pre.userName = e.userName;
    pre.request.userAttributes.sub = e.userName;
    // What an attempt knowing only the username leaves before any password check.
    pre.request.validationData = { ip: '192.0.2.55', userAgent: 'curl/8', deviceId: 'dev-9', country: 'KP' };
    await preAuthentication(pre, settings, risk);
    await sut.postAuthentication(structuredClone(e), settings, risk);
    const items = await itemsOf(e.userName);
    const records = items.filter((item) => String(item.sk).startsWith('SIGNIN#'));
    expect(records).toHaveLength(1);
    for (const fact of ['ip', 'userAgent', 'deviceId', 'deviceKey', 'country', 'latitude'])
      expect(records[0]).not.toHaveProperty(fact);
    expect(items.filter((item) => String(item.sk).startsWith('DEVICE#'))).toEqual([]);
    expect(items.filter((item) => 'lastContext' in item)).toEqual([]);
  });

  it('records nothing of an unverified context, and no device (the risk engine believes none of it)', async () => {
    risk = noRiskEngine;
    const e = event({ requestId: 'unverified' });
    await sut.postAuthentication(e, settings, risk);
    const items = await itemsOf(e.userName);
    expect(items.find((item) => String(item.sk).startsWith('SIGNIN#'))).not.toHaveProperty('ip');
    expect(items.filter((item) => String(item.sk).startsWith('DEVICE#'))).toEqual([]);
  });
});

describe('the risk engine learns and may notify', () => {
  it.each([
    ['new-device', 'New sign-in to your Gatehouse account'],
    ['high-risk', 'Unusual sign-in to your Gatehouse account'],
  ] as const)('%s sends one mail, even when Cognito retries', async (notify, subject) => {
    const learned: SignInAttempt[] = [];
    risk = {
      ...verifying,
      learn: async (attempt) => {
        learned.push(attempt);
        return { notify };
      },
    };
    const e = event({ requestId: `notify-${notify}` });
    await sut.postAuthentication(structuredClone(e), settings, risk);
    await sut.postAuthentication(structuredClone(e), settings, risk);
    expect(learned).toHaveLength(1);
    expect(learned[0]).toMatchObject({ newDeviceUsed: true, metadata: { ip: '203.0.113.42' } });
    const mails = await local.ses.mails();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ subject, destination: { to: ['jane.doe@example.com'] } });
    expect(mails[0]!.body.text).toContain('203.0.113.42');
  });

  it('keeps the sign-in when the engine or the mail fails', async () => {
    risk = {
      ...noRiskEngine,
      learn: async () => {
        throw new Error('engine down');
      },
    };
    const e = event({ requestId: 'engine-down' });
    const { result, output } = await captureOutput(() => sut.postAuthentication(e, settings, risk));
    expect(result).toBe(e);
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({ message: 'risk engine could not learn from the sign-in' }),
    );
    risk = { ...noRiskEngine, learn: async () => ({ notify: 'new-device' }) };
    const noMail = event({ requestId: 'bad-address' });
    noMail.request.userAttributes.email = 'not an address';
    await expect(sut.postAuthentication(noMail, settings, risk)).resolves.toBe(noMail);
  });

  it('sends nothing when the engine does not ask', async () => {
    await sut.postAuthentication(event(), settings, risk);
    expect(await local.ses.mails()).toEqual([]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { functionLoaders, localContext } from '../../scripts/local/registry.js';
import { loadSettings } from '../../shared/config/settings.js';
import { GENERIC_USER_MESSAGE } from '../../shared/errors/index.js';
import type { PreAuthenticationEvent } from '../../shared/events/index.js';
import type { RiskHooks } from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { keys } from '../../shared/storage/keys.js';
import { useLocalDynamo } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';
import { HOUR, NOW, PLACES, SECRET, signInAttempt, testGeoDatabase } from './support/fixtures.js';

/**
 * The engine as the triggers get it: `configuredRiskEngine()` is the engine configured from the
 * environment (here: enforce mode, the test geolocation database), which each sign-in function
 * builds at its cold start and passes in; and the risk-feedback function as deployed.
 */
const geoPath = join(mkdtempSync(join(tmpdir(), 'gatehouse-hooks-')), 'city.mmdb');
writeFileSync(geoPath, testGeoDatabase());
const local = useLocalDynamo({
  RISK_MODE: 'enforce',
  RISK_GEOIP_DATABASE: geoPath,
  RISK_CONTEXT_SECRET: SECRET,
});

afterAll(() => {
  for (const name of ['RISK_MODE', 'RISK_GEOIP_DATABASE', 'RISK_CONTEXT_SECRET']) delete process.env[name];
});

const { configuredRiskEngine, noRiskEngine } = await import('../../shared/risk/contract.js');
const { documentClient, tableName } = await import('../../shared/storage/table.js');

describe('configuredRiskEngine()', () => {
  it('is the configured engine: located by the database, scored, recorded, blocked in enforce mode', async () => {
    const userId = 'hooks-user-1';
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          pk: keys.user(userId),
          sk: keys.signIn(new Date(NOW - HOUR).toISOString(), 'x'),
          at: NOW - HOUR,
          ip: PLACES.home.ip, // no location kept: the database places it too
          deviceKey: 'laptop-1',
        },
      }),
    );
    // No coordinates anywhere: New York and Tokyo both come from the .mmdb file.
    const decision = await configuredRiskEngine().assess({ ...signInAttempt({ place: 'tokyo' }), userId });
    expect(decision).toMatchObject({ level: 'high', action: 'block' });
    expect(decision.reasons.map((r) => r.signal)).toEqual([
      'new-network',
      'unfamiliar-country',
      'impossible-travel',
    ]);
    const latest = (await local.dynamo.scan()).find(
      (i) => i.pk === keys.user(userId) && i.sk === keys.riskAssessment(),
    );
    expect(latest).toMatchObject({ level: 'high', eventId: decision.eventId });
  });

  it('is what the sign-in triggers are given: they ask the engine passed in, and only that one', async () => {
    const { preAuthentication } = await import('../../shared/sign-in/pre-authentication.js');
    const settings = loadSettings(signInSettingSpecs, { env: {}, file: {} });
    const event = sampleEvent<PreAuthenticationEvent>('PreAuthentication_Authentication');
    event.userName = 'hooks-user-2';
    event.request.userAttributes = { ...event.request.userAttributes, sub: 'hooks-user-2' };
    const outcome = (risk: RiskHooks) =>
      preAuthentication(structuredClone(event), settings, risk, NOW).then(
        () => 'allowed',
        (error: { code?: string }) => error.code,
      );
    const asked: string[] = [];
    const blocking: RiskHooks = {
      ...noRiskEngine,
      assess: async (attempt) => {
        asked.push(attempt.userId);
        return { level: 'high', score: 100, action: 'block', reasons: [{ signal: 'test', points: 100 }] };
      },
    };
    expect(await outcome(blocking)).toBe('SIGN_IN_RISK_BLOCKED');
    expect(asked).toEqual(['hooks-user-2']);
    expect(await outcome(noRiskEngine)).toBe('allowed');
    // The configured engine: it scores the attempt and records its assessment.
    expect(await outcome(configuredRiskEngine())).toBe('allowed');
    expect(asked).toHaveLength(1);
    const recorded = (await local.dynamo.scan()).find(
      (i) => i.pk === keys.user('hooks-user-2') && i.sk === keys.riskAssessment(),
    );
    expect(recorded).toMatchObject({ level: expect.any(String), eventId: expect.any(String) });
  });

  it('fails when built (at the cold start), naming the setting, when the geolocation database cannot be read', async () => {
    process.env.RISK_GEOIP_DATABASE = join(tmpdir(), 'no-such-database.mmdb');
    try {
      expect(() => configuredRiskEngine()).toThrow('Setting RISK_GEOIP_DATABASE');
    } finally {
      process.env.RISK_GEOIP_DATABASE = geoPath;
    }
  });

  it('is built by each sign-in function at its cold start: a bad risk setting fails loading the function, naming it', async () => {
    process.env.RISK_GEOIP_DATABASE = join(tmpdir(), 'no-such-database.mmdb');
    vi.resetModules();
    try {
      for (const name of ['pre-authentication', 'post-authentication', 'define-auth-challenge'])
        await expect(functionLoaders[name]!()).rejects.toThrow('Setting RISK_GEOIP_DATABASE');
    } finally {
      process.env.RISK_GEOIP_DATABASE = geoPath;
      vi.resetModules();
    }
  });
});

describe('the risk-feedback function', () => {
  it.each(['valid', 'invalid'])('records the %s sample event', async (name) => {
    const { handler } = await functionLoaders['risk-feedback']!();
    const event = sampleEvent<{ userId: string; deviceId: string }>(name);
    const { result, output } = await captureOutput(() => handler(event, localContext('risk-feedback')));
    const trust = name === 'valid' ? 'trusted' : 'distrusted';
    expect(result).toMatchObject({ verdict: name, trust, device: event.deviceId });
    expect(logLines(output).at(-1)).toMatchObject({ message: 'completed', outcome: 'ok' });
    const items = (await local.dynamo.scan()).filter((i) => i.pk === keys.user(event.userId));
    expect(items.map((i) => [i.sk, i.trust])).toContainEqual([keys.riskDevice(event.deviceId), trust]);
  });

  it.each([
    [{ userId: 'u', verdict: 'maybe', ip: '1.2.3.4' }, 'verdict'],
    [{ userId: 'u', verdict: 'valid', ip: 'not-an-ip' }, 'ip'],
    [{ userId: 'u', verdict: 'valid' }, 'needs eventId, deviceId or ip'],
  ])(
    'answers a malformed event %j with the generic message, naming the problem in the log',
    async (event, problem) => {
      const { handler } = await functionLoaders['risk-feedback']!();
      const { error, output } = await captureOutput(() => handler(event, localContext('risk-feedback')));
      expect((error as Error).message).toBe(GENERIC_USER_MESSAGE);
      const logged = logLines(output).find((line) => line.message === 'invalid event');
      expect(`${logged?.path} ${logged?.problem}`).toContain(problem);
    },
  );
});

const { runRiskFeedbackCli, feedbackFromArgs, tableFromArgs } = await import(
  '../../scripts/risk-feedback.js'
);

describe('the risk-feedback CLI', () => {
  it('reads the user, the verdict and the options', () => {
    expect(
      feedbackFromArgs(['u-1', 'invalid', '--device', 'd-1', '--ip', '192.0.2.1', '--event', 'e-1']),
    ).toEqual({
      userId: 'u-1',
      verdict: 'invalid',
      deviceId: 'd-1',
      ip: '192.0.2.1',
      eventId: 'e-1',
    });
  });

  it("writes to the stage's table (its stack names it: the name is generated) or to TABLE_NAME; never to a default", () => {
    // Not `gatehouse-<stage>`: the deployed table's name is CloudFormation's, read from the stack.
    expect(tableFromArgs(['u-1', 'valid', '--stage', 'prod', '--ip', '192.0.2.1'], {})).toEqual({
      choice: { stage: 'prod' },
      rest: ['u-1', 'valid', '--ip', '192.0.2.1'],
    });
    expect(tableFromArgs(['u-1', 'valid'], { TABLE_NAME: 'mine' }).choice).toEqual({ table: 'mine' });
    expect(() => tableFromArgs(['u-1', 'valid'], {})).toThrow(
      "which table? give --stage <stage> (its stack's TableName) or set TABLE_NAME",
    );
  });

  it('writes the verdict to the table and exits 0', async () => {
    const { output, result } = await captureOutput(() =>
      runRiskFeedbackCli(['cli-user', 'valid', '--ip', '192.0.2.9']),
    );
    expect(result).toBe(0);
    expect(output).toContain('"network": "192.0.2.0/24"');
    const items = (await local.dynamo.scan()).filter((i) => i.pk === keys.user('cli-user'));
    expect(items).toContainEqual(
      expect.objectContaining({ sk: keys.riskNetwork('192.0.2.0/24'), trust: 'trusted' }),
    );
  });

  it.each([
    [['cli-user', 'maybe', '--ip', '192.0.2.9']],
    [['cli-user', 'valid']],
    [['cli-user', 'valid', '--colour', 'red']],
    [['cli-user', 'valid', '--event', 'no-such-event']],
  ])('exits 2 on %j', async (args) => {
    const { result, output } = await captureOutput(() => runRiskFeedbackCli(args));
    expect(result).toBe(2);
    expect(output).toContain('usage: npm run risk-feedback');
  });
});

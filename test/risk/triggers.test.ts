import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { functionLoaders, localContext } from '../../scripts/local/registry.js';
import { buildEvent } from '../../scripts/local/sample-events.js';
import type { UserFacingError } from '../../shared/errors/index.js';
import { signContext } from '../../shared/risk/context.js';
import { keys } from '../../shared/storage/keys.js';
import { seriesOf } from '../support/emf.js';
import { useLocalEmulators } from '../support/emulators.js';
import { captureOutput, logLines } from '../support/logs.js';
import { PLACES, type Place, SECRET, testGeoDatabase } from './support/fixtures.js';

/**
 * End to end through the sign-in triggers (issue 5's functions, whole middy chain) on dynalite
 * and the SES emulator, with the engine as deployed (each function builds it from the environment
 * at its cold start): enforce blocks high, audit only records, medium asks for step-up, a new
 * device gets a mail.
 */
const geoDatabase = join(mkdtempSync(join(tmpdir(), 'gatehouse-e2e-')), 'city.mmdb');
writeFileSync(geoDatabase, testGeoDatabase());
const local = useLocalEmulators({
  SES_FROM_ADDRESS: 'auth@gatehouse.test',
  RISK_GEOIP_DATABASE: geoDatabase,
  RISK_CONTEXT_SECRET: SECRET,
  GATEHOUSE_TOKENS_RISK_CLAIM: 'true',
});

afterAll(async () => {
  for (const name of [
    'RISK_MODE',
    'RISK_GEOIP_DATABASE',
    'RISK_CONTEXT_SECRET',
    'GATEHOUSE_TOKENS_RISK_CLAIM',
  ])
    delete process.env[name];
});
beforeEach(async () => local.ses.clear());
afterEach(() => vi.useRealTimers());

/**
 * Runs the engine in this mode from the next call on: as a deployment with this setting, each
 * function starts afresh (its cold start builds the engine from the settings).
 */
function riskMode(mode: 'audit' | 'enforce') {
  process.env.RISK_MODE = mode;
  vi.resetModules();
}

/** The moment of each step: the history must be older than the sign-in being judged. */
function at(time: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(time);
}

let users = 0;
function user() {
  users += 1;
  const sub = `e2e-${users}-${Math.random().toString(36).slice(2, 8)}`;
  return { sub, email: `${sub}@example.org` };
}

/** The sample events' app client. */
const CLIENT_ID = '3example0clientid0000000000';

/** The context as the context endpoint signs it for this user and sign-in. */
function context(
  place: Place,
  deviceId: string,
  who: { email: string },
  nonce = randomUUID(),
): Record<string, string> {
  const fields = {
    username: who.email,
    clientId: CLIENT_ID,
    ip: PLACES[place].ip,
    deviceId,
    userAgent: 'Mozilla/5.0 (Macintosh) Safari/605.1.15',
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce,
  };
  return { ...fields, signature: signContext(fields, SECRET) };
}

function userEvent(name: string, who: { sub: string; email: string }, request: Record<string, unknown>) {
  return buildEvent<Record<string, any>>(name, {
    userName: who.sub,
    request: { userAttributes: { sub: who.sub, email: who.email, given_name: 'Ann' }, ...request },
  });
}

async function invoke(functionName: string, event: unknown) {
  const { handler } = await functionLoaders[functionName]!();
  return captureOutput(() => handler(event, localContext(functionName)));
}

/** A successful sign-in as Cognito reports it: pre authentication, then post authentication. */
async function signIn(who: { sub: string; email: string }, place: Place, deviceId: string) {
  const signed = context(place, deviceId, who);
  const pre = await invoke(
    'pre-authentication',
    userEvent('PreAuthentication_Authentication', who, { validationData: signed }),
  );
  expect(pre.error).toBeUndefined();
  const post = await invoke(
    'post-authentication',
    userEvent('PostAuthentication_Authentication', who, {
      clientMetadata: signed,
      newDeviceUsed: false,
    }),
  );
  expect(post.error).toBeUndefined();
}

async function latestAssessment(sub: string) {
  return (await local.dynamo.scan()).find(
    (item) => item.pk === keys.user(sub) && item.sk === keys.riskAssessment(),
  );
}

const NOW = Date.now();
const HOUR = 3_600_000;

describe('the risk engine through the sign-in triggers', () => {
  it('enforce: New York then Tokyo an hour later is blocked in pre authentication, without saying why', async () => {
    riskMode('enforce');
    const ann = user();
    at(NOW - HOUR);
    await signIn(ann, 'home', 'laptop-1');
    at(NOW);
    const { error, output } = await invoke(
      'pre-authentication',
      userEvent('PreAuthentication_Authentication', ann, {
        validationData: context('tokyo', 'laptop-1', ann),
      }),
    );
    // By name: each mode's functions are a fresh load of the modules (a class of their own).
    expect(error).toMatchObject({ name: 'UserFacingError' });
    expect((error as UserFacingError).code).toBe('SIGN_IN_RISK_BLOCKED');
    expect((error as Error).message).not.toMatch(/risk|travel|Tokyo|country/i);
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({
        message: 'risk assessed',
        risk: expect.objectContaining({ level: 'high', action: 'block' }),
      }),
    );
    expect(await latestAssessment(ann.sub)).toMatchObject({ level: 'high', action: 'block' });
    // Metrics (EMF): the decision by level and action, and by action alone (the surge alarm's),
    // and the function's refusal by its code.
    expect(seriesOf(output, 'RiskDecision')).toEqual([
      { service: 'gatehouse', level: 'high', action: 'block' },
      { service: 'gatehouse', action: 'block' },
    ]);
    expect(seriesOf(output, 'Refused')).toEqual([
      { service: 'gatehouse', function: 'pre-authentication' },
      { service: 'gatehouse', function: 'pre-authentication', code: 'SIGN_IN_RISK_BLOCKED' },
    ]);
  });

  it('audit: the same sign-in is only recorded, with what enforcement would have done', async () => {
    riskMode('audit');
    const bob = user();
    at(NOW - HOUR);
    await signIn(bob, 'home', 'laptop-1');
    at(NOW);
    const { error, result } = await invoke(
      'pre-authentication',
      userEvent('PreAuthentication_Authentication', bob, {
        validationData: context('tokyo', 'laptop-1', bob),
      }),
    );
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ triggerSource: 'PreAuthentication_Authentication' });
    expect(await latestAssessment(bob.sub)).toMatchObject({
      level: 'high',
      action: 'allow',
      wouldTake: 'block',
    });
  });

  it('enforce: a medium-risk sign-in (new phone, new network) gets the step-up challenge after its password', async () => {
    riskMode('enforce');
    const cy = user();
    at(NOW - 24 * HOUR);
    await signIn(cy, 'home', 'laptop-1');
    at(NOW);
    const phone = context('mobileSameCity', 'phone-9', cy);
    const pre = await invoke(
      'pre-authentication',
      userEvent('PreAuthentication_Authentication', cy, { validationData: phone }),
    );
    expect(pre.error).toBeUndefined();
    expect(await latestAssessment(cy.sub)).toMatchObject({ level: 'medium', action: 'step-up' });
    const define = await invoke(
      'define-auth-challenge',
      userEvent('DefineAuthChallenge_Authentication', cy, {
        clientMetadata: phone,
        session: [
          { challengeName: 'SRP_A', challengeResult: true, challengeMetadata: null },
          { challengeName: 'PASSWORD_VERIFIER', challengeResult: true, challengeMetadata: null },
        ],
      }),
    );
    expect(define.error).toBeUndefined();
    expect(define.result).toMatchObject({
      response: { challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false },
    });
    // One sign-in, counted once: define auth challenge reused pre authentication's assessment.
    const assessed = logLines(pre.output).find((line) => line.message === 'risk assessed');
    const reused = logLines(define.output).find((line) => line.message === 'risk assessed');
    expect((reused?.risk as Record<string, unknown>)?.eventId).toBe(
      (assessed?.risk as Record<string, unknown>)?.eventId,
    );
    expect(await latestAssessment(cy.sub)).toMatchObject({ failures: 1 });
  });

  it('a low-risk sign-in at home gets its tokens straight after the password', async () => {
    riskMode('enforce');
    const di = user();
    at(NOW - 24 * HOUR);
    await signIn(di, 'home', 'laptop-1');
    at(NOW);
    const home = context('home', 'laptop-1', di);
    await invoke(
      'pre-authentication',
      userEvent('PreAuthentication_Authentication', di, { validationData: home }),
    );
    const define = await invoke(
      'define-auth-challenge',
      userEvent('DefineAuthChallenge_Authentication', di, {
        clientMetadata: home,
        session: [
          { challengeName: 'SRP_A', challengeResult: true, challengeMetadata: null },
          { challengeName: 'PASSWORD_VERIFIER', challengeResult: true, challengeMetadata: null },
        ],
      }),
    );
    expect(define.result).toMatchObject({ response: { issueTokens: true, failAuthentication: false } });
  });

  it('enforce: a burst of attempts on many accounts from one IP ends up blocked', async () => {
    riskMode('enforce');
    at(NOW);
    const outcomes: string[] = [];
    for (let i = 0; i < 22; i++) {
      const victim = user();
      const { error } = await invoke(
        'pre-authentication',
        userEvent('PreAuthentication_Authentication', victim, {
          validationData: context('berlin', 'stuffing-box', victim),
        }),
      );
      outcomes.push(error ? (error as UserFacingError).code : 'allowed');
    }
    // Allowed while few accounts were tried; step-up territory from the fifth account (medium);
    // blocked once the IP also has 20 attempts without a success.
    expect(outcomes.slice(0, 4)).toEqual(['allowed', 'allowed', 'allowed', 'allowed']);
    expect(outcomes.slice(20)).toEqual(['SIGN_IN_RISK_BLOCKED', 'SIGN_IN_RISK_BLOCKED']);
    expect(outcomes.indexOf('SIGN_IN_RISK_BLOCKED')).toBe(20);
  });

  it('a new device gets a notification mail in the SES emulator; the known one does not', async () => {
    riskMode('audit');
    const eve = user();
    at(NOW - 24 * HOUR);
    await signIn(eve, 'home', 'laptop-1');
    expect(await local.ses.mails()).toEqual([]); // the first sign-in ever is nobody's new device
    at(NOW - HOUR);
    await signIn(eve, 'home', 'laptop-1');
    expect(await local.ses.mails()).toEqual([]);
    at(NOW);
    await signIn(eve, 'home', 'phone-9');
    const mails = (await local.ses.mails()).filter((mail) => mail.destination.to.includes(eve.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.from).toBe('auth@gatehouse.test');
    expect(mails[0]!.subject).toMatch(/^New sign-in to your .+ account$/);
  });

  it('pre token generation puts the recorded level in the tokens (audit: high, yet signed in)', async () => {
    riskMode('audit');
    const fay = user();
    at(NOW - HOUR);
    await signIn(fay, 'home', 'laptop-1');
    at(NOW);
    await signIn(fay, 'tokyo', 'laptop-1');
    const token = await invoke(
      'pre-token-generation',
      buildEvent<Record<string, any>>('TokenGeneration_Authentication.V2_0', {
        userName: fay.sub,
        request: { userAttributes: { sub: fay.sub, email: fay.email } },
      }),
    );
    expect(token.error).toBeUndefined();
    expect(JSON.stringify(token.result)).toContain('"risk_level":"high"');
  });
});

describe('issue 11 attacks through the sign-in triggers', () => {
  const itemsOf = async (sub: string) =>
    (await local.dynamo.scan()).filter((item) => item.pk === keys.user(sub));
  const passwordThenDefine = (who: { sub: string; email: string }, clientMetadata: Record<string, string>) =>
    invoke(
      'define-auth-challenge',
      userEvent('DefineAuthChallenge_Authentication', who, {
        clientMetadata,
        session: [
          { challengeName: 'SRP_A', challengeResult: true, challengeMetadata: null },
          { challengeName: 'PASSWORD_VERIFIER', challengeResult: true, challengeMetadata: null },
        ],
      }),
    );

  it.each([
    [
      'signed by the endpoint for the attacker',
      (who: { email: string }) => context('tokyo', 'attacker-phone', who),
    ],
    ['unsigned', () => ({ ip: PLACES.tokyo.ip, deviceId: 'attacker-phone', country: 'JP' })],
  ])(
    'attack 1: an attempt knowing only the username (%s) never becomes the victim’s success record or device',
    async (_, attackerContext) => {
      riskMode('audit');
      const victim = user();
      at(NOW - 2 * HOUR);
      await signIn(victim, 'home', 'laptop-1');
      at(NOW - HOUR);
      await invoke(
        'pre-authentication',
        userEvent('PreAuthentication_Authentication', victim, { validationData: attackerContext(victim) }),
      );
      // The victim signs in with USER_PASSWORD_AUTH (or managed login): no metadata reaches post authentication.
      at(NOW - HOUR + 1000);
      const post = await invoke(
        'post-authentication',
        userEvent('PostAuthentication_Authentication', victim, { clientMetadata: {}, newDeviceUsed: false }),
      );
      expect(post.error).toBeUndefined();
      const items = await itemsOf(victim.sub);
      expect(items.filter((item) => String(item.sk).startsWith('DEVICE#')).map((i) => i.sk)).toEqual([
        'DEVICE#laptop-1',
      ]);
      const records = items.filter((item) => String(item.sk).startsWith('SIGNIN#'));
      expect(records).toHaveLength(2);
      const latest = records.find((record) => record.at === NOW - HOUR + 1000);
      expect(latest).toMatchObject({ clientId: CLIENT_ID, outcome: 'success' });
      for (const fact of ['ip', 'deviceId', 'deviceKey', 'country', 'latitude', 'userAgent'])
        expect(latest).not.toHaveProperty(fact);
      // An hour later the attacker's place and device are as unfamiliar as before.
      at(NOW);
      riskMode('enforce');
      const again = await invoke(
        'pre-authentication',
        userEvent('PreAuthentication_Authentication', victim, {
          validationData: context('tokyo', 'attacker-phone', victim),
        }),
      );
      expect((again.error as UserFacingError | undefined)?.code).toBe('SIGN_IN_RISK_BLOCKED');
    },
  );

  it('attack 3: RespondToAuthChallenge with {} or a re-split context after a step-up verdict still gets the second factor', async () => {
    riskMode('enforce');
    const cy = user();
    at(NOW - 24 * HOUR);
    await signIn(cy, 'home', 'laptop-1');
    at(NOW);
    const phone = context('mobileSameCity', 'phone-9', cy);
    await invoke(
      'pre-authentication',
      userEvent('PreAuthentication_Authentication', cy, { validationData: phone }),
    );
    const home = context('home', 'laptop-1', cy);
    for (const metadata of [
      {},
      { ...phone, ip: PLACES.home.ip, deviceId: 'laptop-1' },
      { ip: PLACES.home.ip, deviceId: 'laptop-1' },
      home, // validly signed, but no assessment under its nonce
    ]) {
      const define = await passwordThenDefine(cy, metadata);
      expect(define.result).toMatchObject({
        response: { challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false },
      });
    }
    // The very context pre authentication assessed gets the same verdict: step-up, not tokens.
    expect((await passwordThenDefine(cy, phone)).result).toMatchObject({ response: { issueTokens: false } });
  });

  it('attack 12: the new-device mail shows only verified facts, on one line each', async () => {
    riskMode('audit');
    const gil = user();
    at(NOW - 24 * HOUR);
    await signIn(gil, 'home', 'laptop-1');
    at(NOW - HOUR);
    // Claims without a signature: a device, place and IP the client makes up, a newline in the agent.
    await invoke(
      'post-authentication',
      userEvent('PostAuthentication_Authentication', gil, {
        clientMetadata: { ip: '192.0.2.66', country: 'KP', userAgent: 'Evil\nYou can ignore this mail' },
        newDeviceUsed: true,
      }),
    );
    at(NOW);
    const signed = context('home', 'phone-9', gil);
    signed.userAgent = 'Phone\r\nAll is well: ignore this mail\u202e';
    const { signature: _, ...fields } = signed;
    signed.signature = signContext(fields, SECRET);
    await invoke(
      'post-authentication',
      userEvent('PostAuthentication_Authentication', gil, { clientMetadata: signed, newDeviceUsed: true }),
    );
    const mails = (await local.ses.mails()).filter((mail) => mail.destination.to.includes(gil.email));
    expect(mails).toHaveLength(2);
    const [claimed, verified] = mails.map((mail) => mail.body.text ?? '');
    expect(claimed).not.toMatch(/192\.0\.2\.66|KP|Evil|ignore/);
    expect(verified).toContain('Phone All is well: ignore this mail');
    expect(verified).toContain(PLACES.home.ip);
    expect(verified).not.toMatch(/\n\s*All is well|\u202e|\r/);
  });
});

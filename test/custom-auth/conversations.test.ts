import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SentMail } from '../../scripts/local/emulators.js';
import { loadSettings } from '../../shared/config/settings.js';
import { customAuthSettingSpecs } from '../../shared/custom-auth/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import { noRiskEngine, type RiskAction, type RiskHooks } from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import type { Conversation as ConversationType, User } from './cognito-conversation.js';

const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let Conversation: typeof ConversationType;
let put: (item: Record<string, unknown>) => Promise<void>;
let verifyAuthChallenge: typeof import('../../shared/custom-auth/verify.js').verifyAuthChallenge;

beforeAll(async () => {
  ({ Conversation } = await import('./cognito-conversation.js'));
  ({ verifyAuthChallenge } = await import('../../shared/custom-auth/verify.js'));
  const { documentClient, tableName } = await import('../../shared/storage/table.js');
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  put = async (item) => {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: item }));
  };
});
beforeEach(async () => local.ses.clear());
// Each test starts from the engine-less default; the tests that need an engine set their own.

const SECRET = 'a-magic-link-secret-of-at-least-32-characters';
const customAuth = (env: Record<string, string> = {}, file: unknown = {}) =>
  loadSettings(customAuthSettingSpecs, {
    env: {
      GATEHOUSE_MAGIC_LINK_SECRET: SECRET,
      GATEHOUSE_MAGIC_LINK_URL: 'https://app.example.com/sign-in/link',
      ...env,
    },
    file,
  });
const signIn = loadSettings(signInSettingSpecs, { env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '5' }, file: {} });

let counter = 0;
function newUser(changes: Partial<User> = {}): User {
  const sub = `cu-${++counter}-${Date.now()}`;
  const email = `user${counter}@example.com`;
  return {
    userName: sub,
    attributes: { sub, email, email_verified: 'true', given_name: 'Ana' },
    ...changes,
  };
}

async function mailsTo(address: string): Promise<SentMail[]> {
  return (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address));
}
const codeIn = (mail: SentMail | undefined) => /code: (\d+)/.exec(mail?.body.text ?? '')?.[1] ?? '';
const tokenIn = (mail: SentMail | undefined) => /#token=([\w.-]+)/.exec(mail?.body.text ?? '')?.[1] ?? '';
const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

describe('passwordless sign-in by emailed code', () => {
  it('parameters, code by mail, a wrong answer without a new mail, the right one: tokens and a history record', async () => {
    const user = newUser();
    const talk = new Conversation(user, customAuth(), signIn);
    const first = await talk.initiate({ clientMetadata: { ip: '198.51.100.7' } });
    expect(first).toEqual({
      state: 'challenge',
      challengeName: 'CUSTOM_CHALLENGE',
      publicParameters: { step: 'provide-auth-parameters' },
    });
    expect(await local.ses.mails()).toEqual([]);

    const challenge = await talk.respond('-', { signInMethod: 'code', ip: '198.51.100.7' });
    expect(challenge).toEqual({
      state: 'challenge',
      challengeName: 'CUSTOM_CHALLENGE',
      publicParameters: { method: 'code', destination: 'email' },
    });
    const [mail] = await mailsTo(user.attributes.email!);
    expect(mail?.subject).toBe('Your Gatehouse sign-in code');
    const code = codeIn(mail);
    expect(code).toMatch(/^\d{6}$/);

    expect((await talk.respond(wrongCode(code), { ip: '198.51.100.7' })).state).toBe('challenge');
    expect(await mailsTo(user.attributes.email!)).toHaveLength(1);
    expect(await talk.respond(code, { ip: '198.51.100.7', requestId: 'r1' })).toEqual({ state: 'tokens' });

    const scan = await local.dynamo.scan();
    const items = scan.filter((item) => item.pk === `USER#${user.userName}`);
    const record = items.find((item) => String(item.sk).startsWith('SIGNIN#'));
    expect(record).toMatchObject({ outcome: 'success' });
    // Unsigned, the claimed IP is no fact: the history does not keep it.
    expect(record).not.toHaveProperty('ip');
    const counters = scan.filter(
      (item) => item.pk === `IDENTITY#sub#${user.userName}` && String(item.sk).startsWith('FAILED#'),
    );
    expect(counters).toEqual([expect.objectContaining({ attempts: 0 })]);
  });

  it('fails after too many wrong answers', async () => {
    const user = newUser();
    const talk = new Conversation(user, customAuth(), signIn);
    await talk.initiate();
    await talk.respond('-', { signInMethod: 'code' });
    const code = codeIn((await mailsTo(user.attributes.email!))[0]);
    expect((await talk.respond(wrongCode(code))).state).toBe('challenge');
    expect((await talk.respond(wrongCode(code))).state).toBe('challenge');
    expect(await talk.respond(wrongCode(code))).toEqual({ state: 'failed' });
  });

  it('refuses a code after its expiry', async () => {
    const user = newUser();
    const talk = new Conversation(user, customAuth({ GATEHOUSE_AUTH_CODE_TTL_SECONDS: '60' }), signIn);
    await talk.initiate();
    await talk.respond('-', { signInMethod: 'code' });
    const code = codeIn((await mailsTo(user.attributes.email!))[0]);
    talk.now += 61_000;
    expect((await talk.respond(code)).state).toBe('challenge');
  });

  it('a code pasted with blanks around it is right; a blank, empty or over-long answer is wrong and counted', async () => {
    const user = newUser();
    const talk = new Conversation(user, customAuth({ GATEHOUSE_AUTH_MAX_ANSWERS: '5' }), signIn);
    await talk.initiate(); // attempt 1
    await talk.respond('-', { signInMethod: 'code' });
    const code = codeIn((await mailsTo(user.attributes.email!))[0]);
    for (const answer of ['', '   ', `${code}${' '.repeat(2048)}x`])
      expect((await talk.respond(answer)).state).toBe('challenge');
    const counted = (await local.dynamo.scan()).filter(
      (item) => item.pk === `IDENTITY#sub#${user.userName}` && String(item.sk).startsWith('FAILED#'),
    );
    expect(counted.reduce((sum, item) => sum + Number(item.attempts), 0)).toBe(4);
    expect(await talk.respond(` ${code}\n`)).toEqual({ state: 'tokens' });
  });

  it('a code is right until the second it expires and wrong from that second on', async () => {
    const settings = customAuth({ GATEHOUSE_AUTH_CODE_TTL_SECONDS: '60' });
    for (const [offsetMs, expected] of [
      [-1, 'tokens'],
      [0, 'challenge'],
    ] as const) {
      const user = newUser();
      const talk = new Conversation(user, settings, signIn);
      talk.now = Date.UTC(2031, 4, 6, 9, 0, 0, 500);
      await talk.initiate();
      await talk.respond('-', { signInMethod: 'code' });
      const code = codeIn((await mailsTo(user.attributes.email!))[0]);
      // The code's expiry: the second of its creation plus its 60 s.
      talk.now = (Math.floor(talk.now / 1000) + 60) * 1000 + offsetMs;
      expect((await talk.respond(code)).state).toBe(expected);
    }
  });

  it('gives an unknown user the same challenges, no mail, and no way in', async () => {
    const user = newUser({ userName: 'ghost@example.org', attributes: {}, userNotFound: true });
    const talk = new Conversation(user, customAuth(), signIn);
    expect((await talk.initiate()).state).toBe('challenge');
    const challenge = await talk.respond('-', { signInMethod: 'code' });
    expect(challenge).toEqual({
      state: 'challenge',
      challengeName: 'CUSTOM_CHALLENGE',
      publicParameters: { method: 'code', destination: 'email' },
    });
    expect(await local.ses.mails()).toEqual([]);
    for (const guess of ['123456', '000000']) expect((await talk.respond(guess)).state).toBe('challenge');
    expect(await talk.respond('999999')).toEqual({ state: 'failed' });
  });

  it('locks the account across sessions: wrong answers count, the locking answer ends the session, then pre authentication refuses', async () => {
    const user = newUser();
    const settings = customAuth();
    const first = new Conversation(user, settings, signIn);
    await first.initiate(); // attempt 1
    await first.respond('-', { signInMethod: 'code' });
    const code = codeIn((await mailsTo(user.attributes.email!))[0]);
    for (let i = 0; i < 3; i++) await first.respond(wrongCode(code)); // attempts 2-4
    const second = new Conversation(user, settings, signIn);
    await second.initiate(); // attempt 5
    await second.respond('-', { signInMethod: 'code' });
    expect((await second.respond('not-the-code')).state).toBe('failed'); // attempt 6: locks
    const third = new Conversation(user, settings, signIn);
    const refused = await third.initiate().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserFacingError);
    expect((refused as UserFacingError).code).toBe('SIGN_IN_LOCKED');
  });
});

describe('password then step-up', () => {
  const policies: [
    string,
    Record<string, string>,
    unknown,
    RiskAction,
    string[] | undefined,
    'tokens' | 'code' | 'failed',
  ][] = [
    ['policy never, risk allows', { GATEHOUSE_STEP_UP_POLICY: 'never' }, {}, 'allow', undefined, 'tokens'],
    ['policy always', { GATEHOUSE_STEP_UP_POLICY: 'always' }, {}, 'allow', undefined, 'code'],
    [
      'policy never, risk asks for step-up',
      { GATEHOUSE_STEP_UP_POLICY: 'never' },
      {},
      'step-up',
      undefined,
      'code',
    ],
    ['policy never, risk blocks', {}, {}, 'block', undefined, 'failed'],
    [
      'policy groups, a member',
      { GATEHOUSE_STEP_UP_POLICY: 'groups' },
      { customAuth: { stepUpGroups: ['admins'] } },
      'allow',
      ['admins'],
      'code',
    ],
    [
      'policy groups, not a member',
      { GATEHOUSE_STEP_UP_POLICY: 'groups' },
      { customAuth: { stepUpGroups: ['admins'] } },
      'allow',
      ['readers'],
      'tokens',
    ],
  ];

  it.each(policies)('%s', async (_, env, file, action, groups, expected) => {
    // The engine speaks up only in define auth challenge (where the app's metadata names this IP).
    const risk: RiskHooks = {
      ...noRiskEngine,
      assess: async (attempt) =>
        attempt.metadata.ip === '203.0.113.9'
          ? { level: 'medium', score: 50, action, reasons: [] }
          : noRiskEngine.assess(attempt),
    };
    const user = newUser();
    if (groups) await put({ pk: `USER#${user.userName}`, sk: 'PROFILE', groups });
    const talk = new Conversation(user, customAuth(env, file), signIn);
    talk.risk = risk;
    expect(await talk.initiate({ withPassword: true })).toMatchObject({
      state: 'challenge',
      challengeName: 'PASSWORD_VERIFIER',
    });
    const afterPassword = await talk.respond('srp-proof', { ip: '203.0.113.9' });
    if (expected !== 'code') {
      expect(afterPassword).toEqual({ state: expected });
      return;
    }
    expect(afterPassword).toMatchObject({ state: 'challenge', publicParameters: { method: 'code' } });
    expect(talk.session.map((entry) => entry.challengeName)).toEqual(['SRP_A', 'PASSWORD_VERIFIER']);
    const code = codeIn((await mailsTo(user.attributes.email!))[0]);
    expect((await talk.respond(wrongCode(code))).state).toBe('challenge');
    expect(await talk.respond(code)).toEqual({ state: 'tokens' });
  });

  it('policy groups, a member by Cognito group: step-up', async () => {
    const user = newUser();
    const settings = customAuth(
      { GATEHOUSE_STEP_UP_POLICY: 'groups' },
      { customAuth: { stepUpGroups: ['admins'] } },
    );
    const talk = new Conversation(user, settings, signIn, ['admins']);
    await talk.initiate({ withPassword: true });
    expect(await talk.respond('srp-proof')).toMatchObject({
      state: 'challenge',
      publicParameters: { method: 'code' },
    });
    expect(await talk.respond(codeIn((await mailsTo(user.attributes.email!))[0]))).toEqual({
      state: 'tokens',
    });
  });

  it('fails on a wrong password without asking anything else', async () => {
    const talk = new Conversation(
      newUser({ passwordIsRight: false }),
      customAuth({ GATEHOUSE_STEP_UP_POLICY: 'always' }),
      signIn,
    );
    await talk.initiate({ withPassword: true });
    expect(await talk.respond('srp-proof')).toEqual({ state: 'failed' });
    expect(await local.ses.mails()).toEqual([]);
  });
});

describe('magic link', () => {
  async function requestLink(user: User, settings = customAuth()) {
    const talk = new Conversation(user, settings, signIn);
    await talk.initiate();
    const challenge = await talk.respond('-', { signInMethod: 'magic-link' });
    const [mail] = await mailsTo(user.attributes.email!);
    return { talk, challenge, mail, token: tokenIn(mail) };
  }

  /** A new session by an app that already holds the link: no new mail, then the token as the answer. */
  async function answerInNewSession(user: User, token: string, settings = customAuth()) {
    const talk = new Conversation(user, settings, signIn);
    await talk.initiate();
    await talk.respond('-', { signInMethod: 'magic-link', hasMagicLink: 'yes' });
    return talk.respond(token);
  }

  it('mails a signed link and signs in once with it, in the same session', async () => {
    const user = newUser();
    const { talk, challenge, mail, token } = await requestLink(user);
    expect(challenge).toMatchObject({
      publicParameters: { method: 'magic-link', destination: 'email' },
    });
    expect(mail?.subject).toBe('Your Gatehouse sign-in link');
    expect(mail?.body.text).toContain('https://app.example.com/sign-in/link#token=');
    expect(await talk.respond(token)).toEqual({ state: 'tokens' });
    // Single use: the same link in a new session is refused.
    expect((await answerInNewSession(user, token)).state).toBe('challenge');
    expect(await mailsTo(user.attributes.email!)).toHaveLength(1);
  });

  it('works from a new session (the link opened later), exactly once even when two tabs race', async () => {
    const user = newUser();
    const { token } = await requestLink(user);
    const results = await Promise.all([answerInNewSession(user, token), answerInNewSession(user, token)]);
    expect(results.map((r) => r.state).sort()).toEqual(['challenge', 'tokens']);
  });

  it.each([
    ['a tampered token', (token: string) => `${token.slice(0, -2)}xx`],
    ['a token without signature', (token: string) => token.split('.')[0]!],
    ['garbage', () => 'not-a-token'],
  ])('refuses %s', async (_, tamper) => {
    const user = newUser();
    const { talk, token } = await requestLink(user);
    expect((await talk.respond(tamper(token))).state).toBe('challenge');
    expect(await talk.respond(token)).toEqual({ state: 'tokens' });
  });

  it("refuses another user's link", async () => {
    const owner = newUser();
    const { token } = await requestLink(owner);
    expect((await answerInNewSession(newUser(), token)).state).toBe('challenge');
  });

  it('refuses an expired link', async () => {
    const user = newUser();
    const settings = customAuth({ GATEHOUSE_MAGIC_LINK_TTL_SECONDS: '60' });
    const { talk, token } = await requestLink(user, settings);
    talk.now += 61_000;
    expect((await talk.respond(token)).state).toBe('challenge');
  });

  it('refuses every link once magic links are switched off (no key to check it with), the right one included', async () => {
    const user = newUser();
    const { talk, token } = await requestLink(user);
    const unconfigured = loadSettings(customAuthSettingSpecs, { env: {}, file: {} });
    for (const answer of [token, 'not-a-token']) {
      const event = talk.verifyEvent(answer);
      await verifyAuthChallenge(event, unconfigured, signIn, talk.now);
      expect(event.response.answerCorrect).toBe(false);
    }
    // The link was not used up: with the key back, it signs in.
    expect(await talk.respond(token)).toEqual({ state: 'tokens' });
  });

  it('sends a code instead when magic links are not configured', async () => {
    const user = newUser();
    const settings = loadSettings(customAuthSettingSpecs, { env: {}, file: {} });
    const { challenge, mail } = await requestLink(user, settings);
    expect(challenge).toMatchObject({ publicParameters: { method: 'code' } });
    expect(codeIn(mail)).toMatch(/^\d{6}$/);
  });
});

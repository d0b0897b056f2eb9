import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalDynamo, localEnvironment, startLocalDynamo } from '../../scripts/local/emulators.js';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PreSignUpEvent } from '../../shared/events/index.js';
import type { CognitoSender } from '../../shared/sign-up/cognito.js';
import { signUpSettingSpecs } from '../../shared/sign-up/settings.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput } from '../support/logs.js';

/**
 * The whole pre sign-up policy against dynalite: invites consumed once, velocity counters,
 * and the handler on every triggerSource. Federated linking is in linking.test.ts.
 */
let dynamo: LocalDynamo;
let signUp: typeof import('../../shared/sign-up/index.js');
let invites: typeof import('../../shared/sign-up/invites.js');

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  Object.assign(process.env, localEnvironment(dynamo));
  signUp = await import('../../shared/sign-up/index.js');
  invites = await import('../../shared/sign-up/invites.js');
});
afterAll(async () => dynamo?.stop());

const NOW = Date.parse('2026-03-14T09:26:53Z');
const noCognito = (): CognitoSender => {
  throw new Error('Cognito must not be called');
};
const depsWith = (file: Record<string, unknown> = {}, env: Record<string, string> = {}, now = NOW) => ({
  settings: loadSettings(signUpSettingSpecs, { env, file: { signUp: file } }),
  cognito: noCognito,
  now: () => now,
});

/** A self sign-up from `ip` with `email`, carrying `inviteCode` when given. */
function signUpEvent(email: string, ip = '198.51.100.7', inviteCode?: string): PreSignUpEvent {
  const event = sampleEvent<PreSignUpEvent>('PreSignUp_SignUp');
  event.request.userAttributes.email = email;
  event.request.validationData = { ip, ...(inviteCode ? { inviteCode } : {}) };
  return event;
}

async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    if (error instanceof UserFacingError) return error.code;
    throw error;
  }
}

let unique = 0;
const nextCode = () => `INV-${++unique}-${Math.random().toString(36).slice(2, 8)}`;
const inAnHour = Math.floor(NOW / 1000) + 3600;

describe('invitation-only sign-up', () => {
  const inviteOnly = () => depsWith({}, { SIGNUP_INVITE_ONLY: 'true', SIGNUP_MAX_PER_IP: '0' });

  it.each([
    ['no code', undefined, undefined, 'jane@example.com', 'SIGNUP_INVITE_REQUIRED'],
    ['an unknown code', 'missing', undefined, 'jane@example.com', 'SIGNUP_INVITE_INVALID'],
    ['an open invite', 'create', {}, 'jane@example.com', 'ok'],
    [
      'an expired invite',
      'create',
      { expiresAt: Math.floor(NOW / 1000) - 1 },
      'jane@example.com',
      'SIGNUP_INVITE_INVALID',
    ],
    ['an invite for this address', 'create', { email: 'Jane@Example.com' }, 'jane@example.com', 'ok'],
    [
      'an invite for another address',
      'create',
      { email: 'john@example.com' },
      'jane@example.com',
      'SIGNUP_INVITE_WRONG_EMAIL',
    ],
    ['an invite for this domain', 'create', { domain: '*.example.com' }, 'jane@eu.example.com', 'ok'],
    [
      'an invite for another domain',
      'create',
      { domain: 'example.org' },
      'jane@example.com',
      'SIGNUP_INVITE_WRONG_EMAIL',
    ],
  ])('%s: %s', async (_, code, invite, email, expected) => {
    let inviteCode = code;
    if (code === 'create') {
      inviteCode = nextCode();
      await invites.createInvite({ code: inviteCode, expiresAt: inAnHour, ...invite });
    }
    expect(await codeOf(signUp.preSignUp(signUpEvent(email, undefined, inviteCode), inviteOnly()))).toBe(
      expected,
    );
  });

  it('takes the code from clientMetadata too', async () => {
    const code = nextCode();
    await invites.createInvite({ code, expiresAt: inAnHour });
    const event = signUpEvent('jane@example.com');
    event.request.clientMetadata = { inviteCode: code };
    expect(await codeOf(signUp.preSignUp(event, inviteOnly()))).toBe('ok');
  });

  it('consumes a code once: the second sign-up with it is refused', async () => {
    const code = nextCode();
    await invites.createInvite({ code, expiresAt: inAnHour });
    expect(
      await codeOf(signUp.preSignUp(signUpEvent('jane@example.com', undefined, code), inviteOnly())),
    ).toBe('ok');
    expect(
      await codeOf(signUp.preSignUp(signUpEvent('john@example.com', undefined, code), inviteOnly())),
    ).toBe('SIGNUP_INVITE_INVALID');
    const item = (await dynamo.scan()).find((i) => i.pk === `INVITE#${code}`);
    expect(item).toMatchObject({ consumedBy: expect.any(String), consumedAt: Math.floor(NOW / 1000) });
  });

  it('lets exactly one of two racing sign-ups with one code through', async () => {
    const code = nextCode();
    await invites.createInvite({ code, expiresAt: inAnHour });
    const outcomes = await Promise.all(
      ['jane@example.com', 'john@example.com', 'joan@example.com'].map((email) =>
        codeOf(signUp.preSignUp(signUpEvent(email, undefined, code), inviteOnly())),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'SIGNUP_INVITE_INVALID')).toHaveLength(2);
  });

  it('does not burn the code of a sign-up another rule refuses', async () => {
    const code = nextCode();
    await invites.createInvite({ code, expiresAt: inAnHour });
    const refused = signUpEvent('jane@mailinator.com', undefined, code);
    expect(await codeOf(signUp.preSignUp(refused, inviteOnly()))).toBe('SIGNUP_DISPOSABLE_EMAIL');
    expect(
      await codeOf(signUp.preSignUp(signUpEvent('jane@example.com', undefined, code), inviteOnly())),
    ).toBe('ok');
  });

  it.each(['PreSignUp_AdminCreateUser', 'PreSignUp_ExternalProvider'])(
    'does not ask %s for a code',
    async (source) => {
      const event = sampleEvent<PreSignUpEvent>(source);
      expect(await codeOf(signUp.preSignUp(event, inviteOnly()))).toBe('ok');
    },
  );
});

describe('sign-up velocity', () => {
  it('refuses the sign-up past the limit per IP, within one window only', async () => {
    const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '3', SIGNUP_MAX_PER_DOMAIN: '0' });
    const ip = '192.0.2.10';
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++)
      outcomes.push(await codeOf(signUp.preSignUp(signUpEvent(`u${i}@example.com`, ip), deps)));
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'SIGNUP_TOO_MANY_ATTEMPTS']);
    const otherIp = await codeOf(signUp.preSignUp(signUpEvent('x@example.com', '192.0.2.11'), deps));
    expect(otherIp).toBe('ok');
    const nextWindow = depsWith({}, { SIGNUP_MAX_PER_IP: '3', SIGNUP_MAX_PER_DOMAIN: '0' }, NOW + 3600_000);
    expect(await codeOf(signUp.preSignUp(signUpEvent('y@example.com', ip), nextWindow))).toBe('ok');
  });

  it('refuses the sign-up past the limit per domain, except exempt domains', async () => {
    const env = { SIGNUP_MAX_PER_IP: '0', SIGNUP_MAX_PER_DOMAIN: '2' };
    const deps = depsWith({ velocityExemptDomains: ['public.example'] }, env);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++)
      outcomes.push(await codeOf(signUp.preSignUp(signUpEvent(`u${i}@burst.example`), deps)));
    expect(outcomes).toEqual(['ok', 'ok', 'SIGNUP_TOO_MANY_ATTEMPTS']);
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(signUp.preSignUp(signUpEvent(`u${i}@public.example`), deps))).toBe('ok');
    }
  });

  it('keeps counters that expire one window after theirs ends', async () => {
    const counters = (await dynamo.scan()).filter((item) =>
      String(item.pk).startsWith('RATE#signup-ip#192.0.2.10'),
    );
    expect(counters.length).toBeGreaterThan(0);
    for (const counter of counters) {
      const windowStart = Number(String(counter.sk).slice('WINDOW#'.length));
      expect(counter.expiresAt).toBe(windowStart + 7200);
    }
  });

  it('counts only self sign-ups', async () => {
    const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '1' });
    for (let i = 0; i < 3; i++) {
      const event = sampleEvent<PreSignUpEvent>('PreSignUp_AdminCreateUser');
      event.request.validationData = { ip: '192.0.2.99' };
      expect(await codeOf(signUp.preSignUp(event, deps))).toBe('ok');
    }
  });
});

describe('the pre-sign-up handler', () => {
  beforeEach(() => {
    process.env.SIGNUP_MAX_PER_IP = '0';
  });

  it.each([
    ['PreSignUp_SignUp', { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false }],
    ['PreSignUp_AdminCreateUser', { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false }],
    ['PreSignUp_ExternalProvider', { autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false }],
  ])('answers %s with its flags', async (source, response) => {
    const { handler } = await import('../../functions/pre-sign-up.js');
    const { result, error } = await captureOutput(() => handler(sampleEvent(source), lambdaContext()));
    expect(error).toBeUndefined();
    expect((result as PreSignUpEvent).response).toEqual(response);
  });

  it('shows the deliberate message of a refused sign-up', async () => {
    const { handler } = await import('../../functions/pre-sign-up.js');
    const event = sampleEvent<PreSignUpEvent>('PreSignUp_SignUp');
    event.request.userAttributes.email = 'jane@mailinator.com';
    const { error } = await captureOutput(() => handler(event, lambdaContext()));
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toBe('Disposable email addresses cannot be used to sign up.');
  });
});

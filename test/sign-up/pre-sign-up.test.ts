import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CognitoSender } from '../../shared/aws/cognito.js';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PreSignUpEvent } from '../../shared/events/index.js';
import { migrationSettingSpecs } from '../../shared/migration/settings.js';
import { signContext } from '../../shared/risk/context.js';
import { verifiedContext } from '../../shared/risk/facts.js';
import { loadRiskConfig } from '../../shared/risk/settings.js';
import type { PreSignUpDependencies } from '../../shared/sign-up/index.js';
import { signUpSettingSpecs } from '../../shared/sign-up/settings.js';
import { documentClient } from '../../shared/storage/table.js';
import { useLocalEmulators } from '../support/emulators.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

/**
 * The whole pre sign-up policy against dynalite: invites consumed once and throttled, velocity
 * counters, legacy users, and the handler on every triggerSource. Federated linking is in
 * linking.test.ts. Each attack of issue 18 that belongs to sign-up is played here by name.
 */
// The sign-up IP comes from the risk contract's verify: unsigned claims are accepted here, as with
// RISK_CONTEXT_SIGNATURE=optional; the signed-context tests below switch to `required`.
const local = useLocalEmulators({ RISK_CONTEXT_SIGNATURE: 'optional' });
let signUp: typeof import('../../shared/sign-up/index.js');
let invites: typeof import('../../shared/sign-up/invites.js');
let stores: typeof import('../../shared/migration/stores.js');

/** Every DynamoDB command the document client sends, by name, in order. */
const storeCalls: string[] = [];

beforeAll(async () => {
  signUp = await import('../../shared/sign-up/index.js');
  invites = await import('../../shared/sign-up/invites.js');
  stores = await import('../../shared/migration/stores.js');
  documentClient().middlewareStack.add(
    (next, context) => (args) => {
      storeCalls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countStoreCalls' },
  );
});

const NOW = Date.parse('2026-03-14T09:26:53Z');
const noCognito = (): CognitoSender => {
  throw new Error('Cognito must not be called');
};
const migration = () => loadSettings(migrationSettingSpecs, { env: {}, file: {} });
const depsWith = (
  file: Record<string, unknown> = {},
  env: Record<string, string> = {},
  now = NOW,
): PreSignUpDependencies => ({
  settings: loadSettings(signUpSettingSpecs, { env, file: { signUp: file } }),
  cognito: noCognito,
  legacy: () => stores.legacyStore(migration()),
  verifyContext: async (attempt) => verifiedContext(attempt, loadRiskConfig()),
  now: () => now,
});

/** A self sign-up from `ip` (none when not given) with `email`, carrying `inviteCode` when given. */
function signUpEvent(email: string, ip?: string, inviteCode?: string): PreSignUpEvent {
  const event = sampleEvent<PreSignUpEvent>('PreSignUp_SignUp');
  event.request.userAttributes.email = email;
  event.request.clientMetadata = {};
  event.request.validationData = {
    ...(ip !== undefined ? { ip } : {}),
    ...(inviteCode ? { inviteCode } : {}),
  };
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

/** How many times each outcome occurred. */
function tally(outcomes: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

let unique = 0;
/** A strong hand-made code, unique per call. */
const nextCode = () => `Inv-${++unique}-${Math.random().toString(36).slice(2, 10)}-Qx7Lm2`;
const inAnHour = Math.floor(NOW / 1000) + 3600;
const strongEnough = { inviteMinEntropyBits: 64 };

describe('invitation-only sign-up', () => {
  const inviteOnly = (env: Record<string, string> = {}, now = NOW) =>
    depsWith(
      {},
      {
        SIGNUP_INVITE_ONLY: 'true',
        SIGNUP_MAX_PER_IP: '0',
        SIGNUP_MAX_PER_DOMAIN: '0',
        SIGNUP_INVITE_MAX_ATTEMPTS_PER_IP: '0',
        SIGNUP_INVITE_MAX_ATTEMPTS_PER_ADDRESS: '0',
        SIGNUP_INVITE_MAX_ATTEMPTS: '0',
        SIGNUP_CHECK_LEGACY_USERS: 'false',
        ...env,
      },
      now,
    );

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
    ['an invite for a Unicode domain', 'create', { domain: 'bücher.de' }, 'jane@xn--bcher-kva.de', 'ok'],
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
      inviteCode = await invites.createInvite(
        { code: nextCode(), expiresAt: inAnHour, ...invite },
        strongEnough,
      );
    }
    expect(await codeOf(signUp.preSignUp(signUpEvent(email, undefined, inviteCode), inviteOnly()))).toBe(
      expected,
    );
  });

  it('takes the code from clientMetadata too', async () => {
    const code = await invites.createInvite({ expiresAt: inAnHour }, strongEnough);
    const event = signUpEvent('jane@example.com');
    event.request.clientMetadata = { inviteCode: code };
    expect(await codeOf(signUp.preSignUp(event, inviteOnly()))).toBe('ok');
  });

  it('consumes a code once: the second sign-up with it is refused', async () => {
    const code = await invites.createInvite({ expiresAt: inAnHour }, strongEnough);
    expect(
      await codeOf(signUp.preSignUp(signUpEvent('jane@example.com', undefined, code), inviteOnly())),
    ).toBe('ok');
    expect(
      await codeOf(signUp.preSignUp(signUpEvent('john@example.com', undefined, code), inviteOnly())),
    ).toBe('SIGNUP_INVITE_INVALID');
    const item = (await local.dynamo.scan()).find((i) => i.pk === `INVITE#${code}`);
    expect(item).toMatchObject({ consumedBy: expect.any(String), consumedAt: Math.floor(NOW / 1000) });
  });

  it('racing invites: of 50 racing sign-ups with one code exactly one passes', async () => {
    const code = await invites.createInvite({ expiresAt: inAnHour }, strongEnough);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        codeOf(signUp.preSignUp(signUpEvent(`racer${i}@example.com`, `192.0.2.${i}`, code), inviteOnly())),
      ),
    );
    expect(tally(outcomes)).toEqual({ ok: 1, SIGNUP_INVITE_INVALID: 49 });
  });

  it('does not burn the code of a sign-up another rule refuses', async () => {
    const code = await invites.createInvite({ expiresAt: inAnHour }, strongEnough);
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

  describe('attack 6: guessing codes', () => {
    it.each([
      ['"1"', '1'],
      ['a short code', 'WELCOME-42'],
      ['a long one-class code', '1234567890123456'],
      ['a repeated character', 'a'.repeat(40)],
      ['a repeated pattern', 'abAB'.repeat(10)],
    ])('createInvite refuses %s as too weak, storing nothing', async (_, code) => {
      await expect(invites.createInvite({ code, expiresAt: inAnHour }, strongEnough)).rejects.toThrow(
        /invite code too weak: about \d+ bits and \d+ distinct characters, need 64 bits and 8/,
      );
      expect((await local.dynamo.scan()).some((item) => item.pk === `INVITE#${code}`)).toBe(false);
    });

    it('createInvite generates a 130-bit code when none is given, and accepts a strong one', async () => {
      const generated = await invites.createInvite({ expiresAt: inAnHour }, strongEnough);
      expect(generated).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{2}$/);
      expect(invites.inviteCodeEntropyBits(generated)).toBeGreaterThan(64);
      expect(
        await invites.createInvite({ code: 'k7Qm-2xVp-9LwZ-r4Tn', expiresAt: inAnHour }, strongEnough),
      ).toBe('k7Qm-2xVp-9LwZ-r4Tn');
    });

    it('300 wrong codes from an exempt domain without an IP: throttled per address after 5', async () => {
      const deps = inviteOnly({ SIGNUP_INVITE_MAX_ATTEMPTS_PER_ADDRESS: '5' });
      const outcomes: string[] = [];
      // Six volleys of 50 racing guesses (dynalite drops connections beyond about a hundred at once).
      for (let volley = 0; volley < 6; volley++) {
        const guesses = Array.from({ length: 50 }, (_, i) =>
          signUp.preSignUp(signUpEvent('guesser@gmail.com', undefined, `guess-${volley}-${i}`), deps),
        );
        outcomes.push(...(await Promise.all(guesses.map(codeOf))));
      }
      expect(tally(outcomes)).toEqual({ SIGNUP_INVITE_INVALID: 5, SIGNUP_INVITE_TOO_MANY_ATTEMPTS: 295 });
    });

    it('rotating addresses without an IP: throttled by the global limit, racing or not', async () => {
      // A window of its own: the global counter is shared by every sign-up of a window.
      const deps = inviteOnly({ SIGNUP_INVITE_MAX_ATTEMPTS: '20' }, NOW + 24 * 3600_000);
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          codeOf(signUp.preSignUp(signUpEvent(`g${i}@gmail.com`, undefined, `rotate-${i}`), deps)),
        ),
      );
      expect(tally(outcomes)).toEqual({ SIGNUP_INVITE_INVALID: 20, SIGNUP_INVITE_TOO_MANY_ATTEMPTS: 40 });
    });

    it('rotating addresses from one IP, in any spelling: throttled per IP', async () => {
      const deps = inviteOnly({ SIGNUP_INVITE_MAX_ATTEMPTS_PER_IP: '3' });
      const spellings = [
        '203.0.113.9',
        ' 203.0.113.9',
        '::ffff:203.0.113.9',
        '203.0.113.9 ',
        '::FFFF:203.0.113.9',
      ];
      const outcomes: string[] = [];
      for (const [i, ip] of spellings.entries()) {
        outcomes.push(await codeOf(signUp.preSignUp(signUpEvent(`p${i}@gmail.com`, ip, `ip-${i}`), deps)));
      }
      expect(outcomes).toEqual([
        'SIGNUP_INVITE_INVALID',
        'SIGNUP_INVITE_INVALID',
        'SIGNUP_INVITE_INVALID',
        'SIGNUP_INVITE_TOO_MANY_ATTEMPTS',
        'SIGNUP_INVITE_TOO_MANY_ATTEMPTS',
      ]);
    });

    it('leaves a failed-invite signal for the risk engine: a log line and a counter under the IP', async () => {
      const deps = inviteOnly();
      const { output } = await captureOutput(async () => {
        for (let i = 0; i < 2; i++) {
          await codeOf(
            signUp.preSignUp(signUpEvent(`s${i}@gmail.com`, '::ffff:198.51.100.200', 'WRONG'), deps),
          );
        }
      });
      const signals = logLines(output).filter((line) => line.signal === 'failed-invite');
      expect(signals).toHaveLength(2);
      expect(signals[0]).toMatchObject({
        level: 'WARN',
        reason: 'SIGNUP_INVITE_INVALID',
        ip: '198.51.100.200',
      });
      expect(output).not.toContain('WRONG');
      const windowStart = Math.floor(NOW / 1000) - (Math.floor(NOW / 1000) % 3600);
      const item = (await local.dynamo.scan()).find(
        (i) => i.pk === 'IP#198.51.100.200' && i.sk === `SIGNAL#failed-invite#${windowStart}`,
      );
      expect(item).toMatchObject({ count: 2, expiresAt: windowStart + 7200 });
    });

    it('attack: many wrong invite codes from one IP, then a sign-in from that IP scores higher (ip-failed-invites)', async () => {
      const { createRiskEngine } = await import('../../shared/risk/service.js');
      const { dynamoRiskStore } = await import('../../shared/risk/store.js');
      const { signInAttempt, testConfig } = await import('../risk/support/fixtures.js');
      const config = testConfig();
      const engine = createRiskEngine(config, { store: dynamoRiskStore(config.historyLimit) });
      const deps = inviteOnly();
      // IPv4 whole, IPv6 by its /64: the guesser's neighbour address in the same /64 is the same subscriber.
      const guesses = { ipv4: '198.51.100.210', ipv6: '2001:db8:7:1::5' };
      const signsInFrom = { ipv4: '198.51.100.210', ipv6: '2001:db8:7:1::99' };
      for (const [family, ip] of Object.entries(guesses)) {
        for (let i = 0; i < 4; i++) {
          expect(
            await codeOf(signUp.preSignUp(signUpEvent(`${family}${i}@gmail.com`, ip, `WRONG-${i}`), deps)),
          ).toBe('SIGNUP_INVITE_INVALID');
        }
      }
      const at = NOW + 60_000;
      for (const family of ['ipv4', 'ipv6'] as const) {
        const suspect = await engine.assess({
          ...signInAttempt({ ip: signsInFrom[family], at }),
          userId: `victim-${family}`,
        });
        const elsewhere = await engine.assess({
          ...signInAttempt({ ip: '192.0.2.77', at }),
          userId: `other-${family}`,
        });
        expect(suspect.reasons).toContainEqual({
          signal: 'ip-failed-invites',
          points: config.weights.ipFailedInvites,
          detail: '4 refused',
        });
        expect(suspect.score).toBe(elsewhere.score + config.weights.ipFailedInvites);
      }
      // Below RISK_IP_FAILED_INVITES (3): a typo or two is no signal.
      const typo = '198.51.100.211';
      for (let i = 0; i < 2; i++)
        await codeOf(signUp.preSignUp(signUpEvent(`typo${i}@gmail.com`, typo, `TYPO-${i}`), deps));
      const typist = await engine.assess({ ...signInAttempt({ ip: typo, at }), userId: 'typist' });
      expect(typist.reasons.map((r) => r.signal)).not.toContain('ip-failed-invites');
      // Only a signed IP is read: claiming the guesser's IP unsigned neither scores nor counts it.
      const unsigned = await engine.assess({
        ...signInAttempt({ ip: guesses.ipv4, at, sign: 'none' }),
        userId: 'claims-the-ip',
      });
      expect(unsigned.reasons.map((r) => r.signal)).toEqual(['context-missing']);
    });

    it('a right code is still accepted while under the limits', async () => {
      const code = await invites.createInvite({ expiresAt: inAnHour }, strongEnough);
      const deps = depsWith({}, { SIGNUP_INVITE_ONLY: 'true' });
      expect(
        await codeOf(signUp.preSignUp(signUpEvent('right@example.com', '198.51.100.201', code), deps)),
      ).toBe('ok');
    });
  });
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

  it('attack 5: 20 sign-ups at 20 subdomains of one wildcard-DNS domain share its limit of 2', async () => {
    const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '0', SIGNUP_MAX_PER_DOMAIN: '2' });
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(await codeOf(signUp.preSignUp(signUpEvent(`a@x${i}.wildcard-dns.net`), deps)));
    }
    expect(tally(outcomes)).toEqual({ ok: 2, SIGNUP_TOO_MANY_ATTEMPTS: 18 });
    const counters = (await local.dynamo.scan()).filter((item) =>
      String(item.pk).startsWith('RATE#signup-domain#'),
    );
    expect(counters.map((item) => item.pk)).toContain('RATE#signup-domain#wildcard-dns.net');
    expect(counters.some((item) => String(item.pk).includes('x1.wildcard-dns.net'))).toBe(false);
  });

  it('attack 5: one IPv4 in three spellings shares one budget', async () => {
    const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '1', SIGNUP_MAX_PER_DOMAIN: '0' });
    const outcomes: string[] = [];
    for (const [i, ip] of ['198.51.100.77', ' 198.51.100.77', '::ffff:198.51.100.77'].entries()) {
      outcomes.push(await codeOf(signUp.preSignUp(signUpEvent(`v${i}@example.com`, ip), deps)));
    }
    expect(outcomes).toEqual(['ok', 'SIGNUP_TOO_MANY_ATTEMPTS', 'SIGNUP_TOO_MANY_ATTEMPTS']);
  });

  it('attack 5: IPv6 addresses of one /64 share one budget; another /64 has its own', async () => {
    const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '2', SIGNUP_MAX_PER_DOMAIN: '0' });
    const outcomes: string[] = [];
    for (const [i, ip] of [
      '2001:db8:7:1::1',
      '2001:db8:7:1::2',
      '2001:DB8:7:1:abcd::9',
      '2001:db8:7:2::1',
    ].entries()) {
      outcomes.push(await codeOf(signUp.preSignUp(signUpEvent(`w${i}@example.com`, ip), deps)));
    }
    expect(outcomes).toEqual(['ok', 'ok', 'SIGNUP_TOO_MANY_ATTEMPTS', 'ok']);
  });

  describe('with signed contexts required (the default wherever the context endpoint is deployed)', () => {
    const SECRET = 'a-context-secret-of-at-least-32-characters';
    beforeAll(() => {
      Object.assign(process.env, { RISK_CONTEXT_SIGNATURE: 'required', RISK_CONTEXT_SECRET: SECRET });
    });
    afterAll(() => {
      process.env.RISK_CONTEXT_SIGNATURE = 'optional';
      delete process.env.RISK_CONTEXT_SECRET;
    });

    /** A sign-up carrying a context the endpoint signed for its address and app client. */
    const signedSignUp = (email: string, ip: string, signedFor = email) => {
      const event = signUpEvent(email);
      const fields = {
        username: signedFor,
        clientId: event.callerContext.clientId,
        ip,
        timestamp: String(Math.floor(NOW / 1000)),
        nonce: `nonce-${Math.random().toString(36).slice(2, 12)}`,
      };
      event.request.clientMetadata = { ...fields, signature: signContext(fields, SECRET) };
      return event;
    };

    it("counts a signed context's IP, in any spelling", async () => {
      const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '1', SIGNUP_MAX_PER_DOMAIN: '0' });
      expect(await codeOf(signUp.preSignUp(signedSignUp('s1@example.com', '198.51.100.150'), deps))).toBe(
        'ok',
      );
      expect(
        await codeOf(signUp.preSignUp(signedSignUp('s2@example.com', '::ffff:198.51.100.150'), deps)),
      ).toBe('SIGNUP_TOO_MANY_ATTEMPTS');
    });

    it("a bare claim neither spends a victim IP's budget nor gets a fresh one", async () => {
      const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '1', SIGNUP_MAX_PER_DOMAIN: '0' });
      for (let i = 0; i < 3; i++) {
        expect(await codeOf(signUp.preSignUp(signUpEvent(`c${i}@example.com`, '198.51.100.151'), deps))).toBe(
          'ok',
        );
      }
      expect(await codeOf(signUp.preSignUp(signedSignUp('v@example.com', '198.51.100.151'), deps))).toBe(
        'ok',
      );
      const counters = (await local.dynamo.scan()).filter((i) => i.pk === 'RATE#signup-ip#198.51.100.151');
      expect(counters.map((c) => c.attempts)).toEqual([1]);
    });

    it('a context signed for another address or with a changed IP is not believed', async () => {
      const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '1', SIGNUP_MAX_PER_DOMAIN: '0' });
      const replayed = signedSignUp('mallory@example.com', '198.51.100.152', 'alice@example.com');
      const changed = signedSignUp('mallory2@example.com', '198.51.100.152');
      changed.request.clientMetadata!.ip = '198.51.100.153';
      for (const event of [replayed, changed]) expect(await codeOf(signUp.preSignUp(event, deps))).toBe('ok');
      const counters = (await local.dynamo.scan()).filter((item) =>
        ['RATE#signup-ip#198.51.100.152', 'RATE#signup-ip#198.51.100.153'].includes(String(item.pk)),
      );
      expect(counters).toEqual([]);
    });
  });

  it('racing limits: of 50 racing sign-ups from one IP exactly the limit pass', async () => {
    const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '7', SIGNUP_MAX_PER_DOMAIN: '0' });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        codeOf(signUp.preSignUp(signUpEvent(`r${i}@example.com`, '192.0.2.50'), deps)),
      ),
    );
    expect(tally(outcomes)).toEqual({ ok: 7, SIGNUP_TOO_MANY_ATTEMPTS: 43 });
  });

  it('racing limits: of 50 racing sign-ups at subdomains of one domain exactly the limit pass', async () => {
    const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '0', SIGNUP_MAX_PER_DOMAIN: '5' });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        codeOf(signUp.preSignUp(signUpEvent(`r@s${i}.racing.example.org`), deps)),
      ),
    );
    expect(tally(outcomes)).toEqual({ ok: 5, SIGNUP_TOO_MANY_ATTEMPTS: 45 });
  });

  it('keeps counters that expire one window after theirs ends', async () => {
    const deps = depsWith({}, { SIGNUP_MAX_PER_IP: '3', SIGNUP_MAX_PER_DOMAIN: '3' });
    expect(await codeOf(signUp.preSignUp(signUpEvent('keep@counters.example', '192.0.2.61'), deps))).toBe(
      'ok',
    );
    const windowStart = Math.floor(NOW / 1000) - (Math.floor(NOW / 1000) % 3600);
    const counters = (await local.dynamo.scan()).filter((item) =>
      ['RATE#signup-ip#192.0.2.61', 'RATE#signup-domain#counters.example'].includes(String(item.pk)),
    );
    expect(counters).toHaveLength(2);
    expect(counters).toEqual(
      expect.arrayContaining(
        ['RATE#signup-ip#192.0.2.61', 'RATE#signup-domain#counters.example'].map((pk) =>
          expect.objectContaining({
            pk,
            sk: `WINDOW#${windowStart}`,
            attempts: 1,
            expiresAt: windowStart + 7200,
          }),
        ),
      ),
    );
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

describe('attack 16: squatting a legacy user', () => {
  const open = () => depsWith({}, { SIGNUP_MAX_PER_IP: '0', SIGNUP_MAX_PER_DOMAIN: '0' });
  const fields = (email: string) => ({ email, emailVerified: true, givenName: 'Lee' });

  beforeAll(async () => {
    await stores.putLegacyUser(
      'lee.legacy',
      '$2b$10$notarealhashnotarealhashnotarealhashnotarealhas',
      fields('Lee@Old.Example'),
    );
    await stores.putLegacyUser(
      'moved.legacy',
      '$2b$10$notarealhashnotarealhashnotarealhashnotarealhas',
      fields('moved@old.example'),
    );
    await stores.legacyStore(migration()).markMigrated('moved.legacy');
  });

  it.each([
    ["the legacy user's address", 'lee@old.example', 'someone-new'],
    ["the legacy user's address in another case", ' LEE@old.example ', 'someone-new'],
    ["the legacy user's username", 'fresh@example.com', 'Lee.Legacy'],
  ])('refuses a self sign-up with %s, telling the user to sign in', async (_, email, userName) => {
    const event = signUpEvent(email);
    event.userName = userName;
    const run = signUp.preSignUp(event, open());
    await expect(run).rejects.toMatchObject({
      code: 'SIGNUP_EXISTING_ACCOUNT',
      message:
        'An account with this email address or username already exists. Sign in with your existing password instead.',
    });
  });

  it('lets through a name whose legacy user has migrated, and an unknown one', async () => {
    const moved = signUpEvent('moved@old.example');
    expect(await codeOf(signUp.preSignUp(moved, open()))).toBe('ok');
    expect(await codeOf(signUp.preSignUp(signUpEvent('nobody@old.example'), open()))).toBe('ok');
  });

  it('leaves AdminCreateUser (which migration itself goes through) alone', async () => {
    const event = sampleEvent<PreSignUpEvent>('PreSignUp_AdminCreateUser');
    event.request.userAttributes.email = 'lee@old.example';
    expect(await codeOf(signUp.preSignUp(event, open()))).toBe('ok');
  });

  it('asks nothing when the check is off', async () => {
    const deps = depsWith(
      {},
      { SIGNUP_MAX_PER_IP: '0', SIGNUP_MAX_PER_DOMAIN: '0', SIGNUP_CHECK_LEGACY_USERS: 'false' },
    );
    deps.legacy = () => {
      throw new Error('the legacy store must not be asked');
    };
    expect(await codeOf(signUp.preSignUp(signUpEvent('lee@old.example'), deps))).toBe('ok');
  });

  it('makes the same store calls for a known and an unknown name (no enumeration by work done)', async () => {
    const callsOf = async (email: string) => {
      storeCalls.length = 0;
      await codeOf(signUp.preSignUp(signUpEvent(email), open()));
      return [...storeCalls].sort();
    };
    const known = await callsOf('lee@old.example');
    const unknown = await callsOf('stranger@old.example');
    expect(known).toEqual(['GetItemCommand', 'GetItemCommand']);
    expect(unknown).toEqual(known);
  });

  it('fails closed, with the generic message, when the legacy store is down', async () => {
    const deps = open();
    deps.legacy = () => ({
      awaitsMigration: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
      },
    });
    await expect(signUp.preSignUp(signUpEvent('lee@old.example'), deps)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});

describe('store calls a sign-up costs (the figure for the issue note)', () => {
  const callsOf = async (event: PreSignUpEvent, deps: PreSignUpDependencies) => {
    storeCalls.length = 0;
    await codeOf(signUp.preSignUp(event, deps));
    return [...storeCalls].sort();
  };

  it('a default self sign-up: two counters in one round trip, two legacy reads in another', async () => {
    expect(await callsOf(signUpEvent('count@company.example', '192.0.2.77'), depsWith())).toEqual([
      'GetItemCommand',
      'GetItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
    ]);
  });

  it('an invite-only self sign-up: three attempt counters more, then the invite read and its consumption', async () => {
    const code = await invites.createInvite({ expiresAt: inAnHour }, strongEnough);
    const deps = depsWith({}, { SIGNUP_INVITE_ONLY: 'true' });
    expect(await callsOf(signUpEvent('invited@company.example', '192.0.2.78', code), deps)).toEqual([
      'GetItemCommand',
      'GetItemCommand',
      'GetItemCommand',
      ...Array(6).fill('UpdateItemCommand'),
    ]);
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

  it("refuses a legacy user's address through the deployed handler (default settings)", async () => {
    await stores.putLegacyUser('handler.legacy', '$2b$10$notarealhashnotarealhashnotarealhashnotarealhas', {
      email: 'handler.legacy@old.example',
    });
    const { handler } = await import('../../functions/pre-sign-up.js');
    const event = sampleEvent<PreSignUpEvent>('PreSignUp_SignUp');
    event.request.userAttributes.email = 'Handler.Legacy@old.example';
    const { error } = await captureOutput(() => handler(event, lambdaContext()));
    expect(error).toMatchObject({ code: 'SIGNUP_EXISTING_ACCOUNT' });
  });
});

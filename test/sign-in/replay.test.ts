import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withInvocationDeadline } from '../../shared/aws/deadline.js';
import { loadSettings } from '../../shared/config/settings.js';
import { customAuthSettingSpecs } from '../../shared/custom-auth/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PreAuthenticationEvent } from '../../shared/events/index.js';
import { noRiskEngine, type RiskHooks, type SignInAttempt } from '../../shared/risk/contract.js';
import { verifiedContext } from '../../shared/risk/facts.js';
import { loadRiskConfig } from '../../shared/risk/settings.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import type { Conversation as ConversationType, User } from '../custom-auth/cognito-conversation.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { CLIENT, HOME, sides, signed, storeCalls, succeed } from './support.js';

/**
 * Replay of a signed context (issue 11): a context captured from someone's sign-in (a log, a
 * proxy, a script in the page) and sent again, by another client or after its use. Each stage of
 * a sign-in uses its nonce once (`shared/sign-in/context-use.ts`); a replay is believed no more
 * than a forged context. Against dynalite, through the triggers in Cognito's order.
 */
const SECRET = 'a-context-secret-of-at-least-32-characters!';
const local = useLocalEmulators({ RISK_CONTEXT_SECRET: SECRET, SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let pre: typeof import('../../shared/sign-in/pre-authentication.js');
let Conversation: typeof ConversationType;

beforeAll(async () => {
  pre = await import('../../shared/sign-in/pre-authentication.js');
  ({ Conversation } = await import('../custom-auth/cognito-conversation.js'));
});

/** What the risk engine was asked: the attempts, to see which were marked replayed. */
const assessed: SignInAttempt[] = [];
/** The engine the triggers are given: the engine's own check of the context, and a record of what it was asked. */
const recording: RiskHooks = {
  ...noRiskEngine,
  // The engine's own check of the context (what post authentication records).
  verify: async (attempt) => verifiedContext(attempt, loadRiskConfig()),
  assess: async (attempt) => {
    assessed.push(attempt);
    return noRiskEngine.assess(attempt);
  },
};
let risk = recording;
beforeEach(() => {
  assessed.length = 0;
  risk = recording;
});

const settings = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '5', GATEHOUSE_LOCKOUT_WINDOW_SECONDS: '900' },
  file: {},
});
const customAuth = loadSettings(customAuthSettingSpecs, { env: {}, file: {} });
const T0 = Date.UTC(2031, 4, 6, 9, 0, 0);
const MINUTE = 60_000;

let counter = 0;
function newUser() {
  const sub = `rp${++counter}-${Date.now()}`;
  return { sub, userName: `ann${counter}-${Date.now()}` };
}

async function initiate(
  user: { sub: string; userName: string },
  context: Record<string, string>,
  at: number,
) {
  const e = sampleEvent<PreAuthenticationEvent>('PreAuthentication_Authentication');
  e.userName = user.userName;
  e.callerContext.clientId = CLIENT;
  e.request.userAttributes = { ...e.request.userAttributes, sub: user.sub };
  e.request.validationData = context;
  try {
    await pre.preAuthentication(e, settings, risk, at);
    return 'allowed';
  } catch (error) {
    if (error instanceof UserFacingError) return error.code;
    throw error;
  }
}

describe('replay of a signed context', () => {
  it("replay: a captured context sent again at InitiateAuth counts on the unfamiliar side and is no fact for the risk engine; the user's own side stays open", async () => {
    const user = newUser();
    await succeed(user, signed(user.userName, T0), T0, settings, risk); // home becomes familiar
    const captured = signed(user.userName, T0 + MINUTE);
    expect(await initiate(user, captured, T0 + MINUTE)).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 1 });
    // The attacker replays it from elsewhere, within its lifetime: six times.
    const outcomes = [];
    for (let i = 1; i <= 6; i++) outcomes.push(await initiate(user, captured, T0 + MINUTE + i * 1000));
    expect(outcomes).toEqual([...Array(5).fill('allowed'), 'SIGN_IN_LOCKED']);
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 1, unfamiliar: 6 });
    expect(assessed.map((a) => a.contextReplayed === true)).toEqual([false, true, true, true, true, true]);
    // The user, with a fresh context from home, still gets in.
    expect(await initiate(user, signed(user.userName, T0 + 2 * MINUTE), T0 + 2 * MINUTE)).toBe('allowed');
  });

  it('replay: a context signed for another user or another app client counts as unfamiliar (forged, already refused)', async () => {
    const user = newUser();
    await succeed(user, signed(user.userName, T0), T0, settings, risk);
    expect(await initiate(user, signed('someone-else', T0 + 1000), T0 + 1000)).toBe('allowed');
    expect(
      await initiate(user, signed(user.userName, T0 + 2000, { clientId: 'another-client' }), T0 + 2000),
    ).toBe('allowed');
    expect(await sides(local.dynamo, user.sub)).toEqual({ unfamiliar: 2 });
  });

  it('replay: one context serves every call of its own sign-in (InitiateAuth, each RespondToAuthChallenge, post authentication)', async () => {
    const sub = `rp-conv-${Date.now()}`;
    const user: User = {
      userName: sub,
      attributes: { sub, email: `${sub}@example.com`, email_verified: 'true' },
    };
    await succeed({ sub, userName: sub }, signed(sub, T0), T0, settings, risk);
    const context = signed(sub, T0 + MINUTE);
    const talk = new Conversation(user, customAuth, settings);
    talk.risk = risk;
    talk.now = T0 + MINUTE;
    await talk.initiate({ clientMetadata: context });
    await talk.respond('-', { ...context, signInMethod: 'code' });
    const code = /code: (\d+)/.exec((await local.ses.mails()).at(-1)?.body.text ?? '')?.[1];
    expect(await talk.respond('000000' === code ? '111111' : '000000', context)).toMatchObject({
      state: 'challenge',
    });
    expect(await talk.respond(code!, context)).toEqual({ state: 'tokens' });
    // InitiateAuth and the wrong code both counted on the familiar side: no stage took it for a replay.
    expect(assessed.map((a) => a.contextReplayed === true)).toEqual([false]);
    expect((await sides(local.dynamo, sub)).unfamiliar ?? 0).toBe(0);
    const signIns = (await local.dynamo.scan()).filter(
      (i) => i.pk === `USER#${sub}` && String(i.sk).startsWith('SIGNIN#'),
    );
    expect(signIns.map((s) => s.ip)).toEqual(['198.51.100.7', '198.51.100.7']);
  });

  it('replay: a context captured from a finished conversation gives a later conversation no familiar guesses beyond the steps its own sign-in left unused', async () => {
    const sub = `rp-verify-${Date.now()}`;
    const user: User = {
      userName: sub,
      attributes: { sub, email: `${sub}@example.com`, email_verified: 'true' },
    };
    await succeed({ sub, userName: sub }, signed(sub, T0), T0, settings, risk);
    const context = signed(sub, T0 + MINUTE);
    const victim = new Conversation(user, customAuth, settings);
    victim.risk = risk;
    victim.now = T0 + MINUTE;
    await victim.initiate({ clientMetadata: context });
    await victim.respond('-', { ...context, signInMethod: 'code' });
    const code = /code: (\d+)/.exec((await local.ses.mails()).at(-1)?.body.text ?? '')?.[1] ?? '';
    expect(await victim.respond(code, context)).toEqual({ state: 'tokens' });
    const before = await sides(local.dynamo, sub);
    // The attacker's conversations replay the context at every call: three wrong codes each.
    for (let round = 0; round < 2; round++) {
      const attacker = new Conversation(user, customAuth, settings);
      attacker.risk = risk;
      attacker.now = T0 + 2 * MINUTE + round;
      await attacker.initiate({ clientMetadata: context });
      await attacker.respond('-', { ...context, signInMethod: 'code' });
      for (let i = 0; i < 3; i++) await attacker.respond(code === '000000' ? '111111' : '000000', context);
    }
    const after = await sides(local.dynamo, sub);
    // The victim's conversation used step 1; the replays get steps 2 and 3 of one conversation, once.
    expect((after.familiar ?? 0) - (before.familiar ?? 0)).toBe(2);
    expect((after.unfamiliar ?? 0) - (before.unfamiliar ?? 0)).toBeGreaterThanOrEqual(4);
  });

  it('replay: a success replaying a context another sign-in used is recorded as its own sign-in, without the captured facts; a retried trigger is not a replay', async () => {
    const user = newUser();
    const context = signed(user.userName, T0);
    // The first call runs out of time (a slow engine past a 1 s deadline): Cognito retries it.
    risk = { ...recording, learn: () => sleep(1_100).then(() => ({})) };
    await withInvocationDeadline({ getRemainingTimeInMillis: () => 1_500 }, () =>
      succeed(user, context, T0, settings, risk),
    );
    risk = recording;
    await succeed(user, context, T0 + 5_000, settings, risk); // Cognito retrying the trigger: the same sign-in
    await succeed(user, context, T0 + 2 * MINUTE, settings, risk); // someone else's success, replaying it
    const signIns = (await local.dynamo.scan())
      .filter((i) => i.pk === `USER#${user.sub}` && String(i.sk).startsWith('SIGNIN#'))
      .sort((a, b) => Number(a.at) - Number(b.at));
    expect(signIns).toHaveLength(2);
    expect(signIns[0]).toMatchObject({ ip: HOME.ip, deviceId: HOME.deviceId });
    expect(signIns[1]).not.toHaveProperty('ip');
    expect(signIns[1]).not.toHaveProperty('deviceId');
  });

  it('replay: each claim costs no round trip of its own (sent beside the lockout read); its answer one', async () => {
    const user = newUser();
    // The lockout read beside the claim, the count (the risk engine is stubbed here), then the
    // answer on the claim (issue 13: what tells Cognito's retry from a replay).
    expect(await storeCalls(() => initiate(user, signed(user.userName, T0), T0))).toEqual({
      roundTrips: 3,
      commands: ['BatchGetCommand', 'UpdateCommand', 'UpdateCommand', 'UpdateCommand'],
    });
  });
});

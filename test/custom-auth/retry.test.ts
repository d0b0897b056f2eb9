import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SentMail } from '../../scripts/local/emulators.js';
import { localContext } from '../../scripts/local/registry.js';
import { withInvocationDeadline } from '../../shared/aws/deadline.js';
import { loadSettings } from '../../shared/config/settings.js';
import { customAuthSettingSpecs } from '../../shared/custom-auth/settings.js';
import type { DefineAuthChallengeEvent, VerifyAuthChallengeEvent } from '../../shared/events/index.js';
import {
  configuredRiskEngine,
  noRiskEngine,
  type RiskDecision,
  type RiskHooks,
} from '../../shared/risk/contract.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { keys } from '../../shared/storage/keys.js';
import { sides, signed, storeCalls, succeed, type TestUser } from '../sign-in/support.js';
import { useLocalEmulators } from '../support/emulators.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { captureOutput, logLines } from '../support/logs.js';
import type { Conversation as ConversationType } from './cognito-conversation.js';

/**
 * Cognito's retry of a custom-auth step (issue 13). Cognito invokes define or verify auth challenge
 * again, with the same event, when the first invocation did not answer within its 5 s: that retry
 * is the same step (the same judgement of the same answer, one count, a magic link consumed once),
 * while the same context used any other way (after an answer in time, past three retries or 30 s,
 * with another answer) is a replay: counted on the unfamiliar side, consuming nothing. Against
 * dynalite behind the fault proxy and the SES emulator, through Cognito's trigger order.
 */
const MAGIC_LINKS = {
  GATEHOUSE_MAGIC_LINK_SECRET: 'a-magic-link-secret-of-at-least-32-characters',
  GATEHOUSE_MAGIC_LINK_URL: 'https://app.example.com/sign-in/link',
};
const local = useLocalEmulators({
  RISK_CONTEXT_SECRET: 'a-context-secret-of-at-least-32-characters!',
  // The risk engine as deployed where it acts (its step-up asks for the code).
  RISK_MODE: 'enforce',
  SES_FROM_ADDRESS: 'auth@gatehouse.test',
  ...MAGIC_LINKS,
});
let proxy: FaultProxy;
let Conversation: typeof ConversationType;
let verify: typeof import('../../shared/custom-auth/verify.js');
let define: typeof import('../../shared/custom-auth/define.js');
/** The engine as a function builds it at its cold start, on dynalite (behind the proxy). */
let engine: RiskHooks;

beforeAll(async () => {
  proxy = await startFaultProxy(local.dynamo.endpoint, 'dynamodb');
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  ({ Conversation } = await import('./cognito-conversation.js'));
  verify = await import('../../shared/custom-auth/verify.js');
  define = await import('../../shared/custom-auth/define.js');
  engine = configuredRiskEngine();
});
afterAll(async () => {
  await proxy?.stop();
});
beforeEach(async () => {
  proxy.set({ kind: 'none' });
  await local.ses.clear();
});

const customAuth = loadSettings(customAuthSettingSpecs, { env: MAGIC_LINKS, file: {} });
const signIn = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '5', GATEHOUSE_LOCKOUT_WINDOW_SECONDS: '900' },
  file: {},
});
const T0 = Date.UTC(2031, 4, 6, 9, 0, 0);
const SECOND = 1_000;

let counter = 0;
/** A known user whose home (the signed contexts' place) is familiar from an earlier success. */
async function homeUser(): Promise<TestUser & { email: string }> {
  const sub = `cr${++counter}-${Date.now()}`;
  const user = { sub, userName: sub, email: `cr${counter}@example.com` };
  await succeed(user, signed(sub, T0 - 60 * SECOND), T0 - 60 * SECOND, signIn, noRiskEngine);
  return user;
}

/** The user's conversation (at `at`) up to its emailed challenge, every call with one signed context. */
async function openChallenge(user: TestUser & { email: string }, method: 'code' | 'magic-link', at = T0) {
  const context = signed(user.userName, at);
  const talk = new Conversation(
    { userName: user.userName, attributes: { sub: user.sub, email: user.email, email_verified: 'true' } },
    customAuth,
    signIn,
  );
  talk.now = at;
  await talk.initiate({ clientMetadata: context });
  await talk.respond('-', { ...context, signInMethod: method });
  const mail = (await local.ses.mails()).find((m: SentMail) => m.destination.to.includes(user.email));
  const secret =
    method === 'code'
      ? /code: (\d+)/.exec(mail?.body.text ?? '')?.[1]
      : /#token=([\w.-]+)/.exec(mail?.body.text ?? '')?.[1];
  if (!secret) throw new Error(`no ${method} mailed`);
  return { talk, context, secret };
}

const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');
/** The same call as one that runs out of time: its invocation has `remainingMs` left (1/2 s less, its deadline). */
const within = <T>(remainingMs: number, work: () => Promise<T>) =>
  withInvocationDeadline({ getRemainingTimeInMillis: () => remainingMs }, work);

/** Verify auth challenge with a copy of `event` (Cognito sends each invocation its own). */
async function judged(event: VerifyAuthChallengeEvent, at: number): Promise<boolean> {
  const copy = structuredClone(event);
  await verify.verifyAuthChallenge(copy, customAuth, signIn, at);
  return copy.response.answerCorrect === true;
}

/**
 * A verify whose invocation runs out of time: the table answers the claim, the lockout read and
 * the count or the link's consumption, then hangs, so its answer is never recorded in time and
 * Cognito (which got nothing within its 5 s) retries.
 */
async function judgedTooLate(event: VerifyAuthChallengeEvent, at: number): Promise<boolean> {
  proxy.set({ kind: 'latency', ms: 1_500, after: 3 });
  try {
    return await within(1_500, () => judged(event, at));
  } finally {
    proxy.set({ kind: 'none' });
  }
}

const magicLinks = async (sub: string) =>
  (await local.dynamo.scan()).filter(
    (item) => item.pk === `IDENTITY#sub#${sub}` && String(item.sk).startsWith('CHALLENGE#'),
  );

describe("Cognito's retry of verify auth challenge", () => {
  it('overload: a wrong code judged too late for Cognito (the table slow after three requests), retried through the handler: the same answer, counted once on its side', async () => {
    const { handler } = await import('../../functions/verify-auth-challenge.js');
    const user = await homeUser();
    // The handler reads the clock: the conversation happens now.
    const { talk, context, secret } = await openChallenge(user, 'code', Date.now());
    const event = talk.verifyEvent(wrongCode(secret), context);
    // Pre authentication counted the sign-in on the familiar side.
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 1 });
    const invoke = (timeoutMs: number) =>
      captureOutput(
        async () =>
          (
            (await handler(
              structuredClone(event) as never,
              localContext('verify-auth-challenge', timeoutMs),
            )) as VerifyAuthChallengeEvent | undefined
          )?.response.answerCorrect,
      );
    proxy.set({ kind: 'latency', ms: 1_500, after: 3 });
    await invoke(1_500);
    proxy.set({ kind: 'none' });
    const retry = await invoke(5_000); // Cognito's retry, the same event
    expect(retry.result).toBe(false);
    // One wrong answer, on its own side: the retry was neither a second answer nor a replay.
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 2 });
    expect(retry.output).not.toContain(secret);
  });

  it('retry: a magic link consumed by a verify that answered too late: the retry finds it its own (right), consumed once; no failure counted', async () => {
    const user = await homeUser();
    const { talk, context, secret } = await openChallenge(user, 'magic-link');
    const event = talk.verifyEvent(secret, context);
    const at = T0 + 20 * SECOND;
    await judgedTooLate(event, at);
    expect(await judged(event, at + 5 * SECOND)).toBe(true);
    const [link] = await magicLinks(user.sub);
    expect(link?.consumedAt).toBe(at);
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 1 });
  });

  it('attack: the captured answer replayed after the verify answered in time gets nothing: a used link stays used, the replay counts as unfamiliar', async () => {
    const user = await homeUser();
    const { talk, context, secret } = await openChallenge(user, 'magic-link');
    const event = talk.verifyEvent(secret, context);
    const at = T0 + 20 * SECOND;
    expect(await judged(event, at)).toBe(true); // in time
    for (const later of [at + 5 * SECOND, at + 10 * SECOND]) expect(await judged(event, later)).toBe(false);
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 1, unfamiliar: 2 });
    // And after a retry answered in time, the same holds.
    const second = await openChallenge(await homeUser(), 'magic-link');
    const retried = second.talk.verifyEvent(second.secret, second.context);
    await judgedTooLate(retried, at);
    expect(await judged(retried, at + 5 * SECOND)).toBe(true); // Cognito's retry, in time
    expect(await judged(retried, at + 10 * SECOND)).toBe(false); // the replay
  });

  it('attack: past three retries of a verify that never answered in time, or past 30 s, a use is a replay: counted again, on the unfamiliar side', async () => {
    const user = await homeUser();
    const { talk, context, secret } = await openChallenge(user, 'code');
    const event = talk.verifyEvent(wrongCode(secret), context);
    const at = T0 + 20 * SECOND;
    for (let call = 0; call <= 3; call++) await judgedTooLate(event, at + call * 6 * SECOND);
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 2 });
    expect(await judged(event, at + 24 * SECOND)).toBe(false);
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 2, unfamiliar: 1 });

    const other = await homeUser();
    const late = await openChallenge(other, 'code');
    const captured = late.talk.verifyEvent(wrongCode(late.secret), late.context);
    await judgedTooLate(captured, at);
    expect(await judged(captured, at + 31 * SECOND)).toBe(false);
    expect(await sides(local.dynamo, other.sub)).toEqual({ familiar: 2, unfamiliar: 1 });
  });

  it('attack: another answer sent with the context of a verify that answered too late is no retry: judged as a replay, counted on the unfamiliar side', async () => {
    const user = await homeUser();
    const { talk, context, secret } = await openChallenge(user, 'code');
    const at = T0 + 20 * SECOND;
    await judgedTooLate(talk.verifyEvent(wrongCode(secret), context), at);
    // A guess in the retry's place: the same context and challenge, another answer.
    expect(
      await judged(talk.verifyEvent('123456' === secret ? '654321' : '123456', context), at + 5 * SECOND),
    ).toBe(false);
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 2, unfamiliar: 1 });
  });

  it("attack: concurrent uses: while the first verify is running, the same event is a replay; of concurrent retries after its time, one is Cognito's retry and the others replays (Cognito waits for each retry's time before the next)", async () => {
    const user = await homeUser();
    const { talk, context, secret } = await openChallenge(user, 'code');
    const event = talk.verifyEvent(wrongCode(secret), context);
    const at = T0 + 20 * SECOND;
    const first = judgedTooLate(event, at);
    await sleep(100);
    // Its time to answer is not up: no retry can come yet.
    expect(await judged(event, at + 100)).toBe(false);
    await first;
    const retries = await Promise.all([1, 2, 3].map(() => judged(event, at + 5 * SECOND)));
    expect(retries).toEqual([false, false, false]);
    // The first answer counted once on its side; the replay and the two extra retries on the unfamiliar one.
    expect(await sides(local.dynamo, user.sub)).toEqual({ familiar: 2, unfamiliar: 3 });
  });
});

describe("Cognito's retry of define auth challenge", () => {
  /**
   * The define after a right password (SRP), as Cognito sends it with `context` (signed at `at`,
   * from `place`), pre authentication having asked `risk`.
   */
  async function afterPassword(
    user: TestUser & { email: string },
    options: { at?: number; risk?: RiskHooks; place?: { ip: string; deviceId: string } } = {},
  ) {
    const at = options.at ?? T0;
    const context = signed(user.userName, at, options.place ? { place: options.place } : {});
    const talk = new Conversation(
      { userName: user.userName, attributes: { sub: user.sub, email: user.email, email_verified: 'true' } },
      customAuth,
      signIn,
    );
    talk.now = at;
    talk.risk = options.risk ?? noRiskEngine;
    await talk.initiate({ withPassword: true, clientMetadata: context });
    const event = talk.defineEvent(context);
    event.request.session.push({ challengeName: 'PASSWORD_VERIFIER', challengeResult: true });
    return { event, groupsOf: talk.groupsOf };
  }

  const allow: RiskDecision = { level: 'low', score: 0, action: 'allow', reasons: [] };
  const stepUp: RiskDecision = { level: 'medium', score: 50, action: 'step-up', reasons: [] };
  /** The engine answers its decision of the sign-in once (as the real one does), later calls step-up; the first after `delayMs`. */
  function oneDecision(delayMs: number) {
    const asked: number[] = [];
    const risk: RiskHooks = {
      ...noRiskEngine,
      assess: async () => {
        asked.push(Date.now());
        if (asked.length === 1) {
          await sleep(delayMs);
          return allow;
        }
        return stepUp;
      },
    };
    return { risk, asked };
  }

  async function decided(
    event: DefineAuthChallengeEvent,
    risk: RiskHooks,
    groupsOf: () => Promise<string[]>,
    at: number,
  ) {
    const copy = structuredClone(event);
    await define.defineAuthChallenge(copy, customAuth, signIn, risk, groupsOf, at);
    const { issueTokens, failAuthentication, challengeName } = copy.response;
    return issueTokens ? 'tokens' : failAuthentication ? 'failed' : challengeName;
  }

  it('retry: a define that decided too late for Cognito (tokens, 4.1 s): its retry gets tokens again without asking the engine, whose decision is given once', async () => {
    const user = await homeUser();
    const { event, groupsOf } = await afterPassword(user);
    const { risk, asked } = oneDecision(4_100);
    const at = T0 + 20 * SECOND;
    expect(await within(5_000, () => decided(event, risk, groupsOf, at))).toBe('tokens');
    expect(await decided(event, risk, groupsOf, at + 5 * SECOND)).toBe('tokens');
    expect(asked).toHaveLength(1);
    // The retry answered in time: the same event again is a replay, decided afresh (step-up).
    expect(await decided(event, risk, groupsOf, at + 10 * SECOND)).toBe('CUSTOM_CHALLENGE');
    expect(asked).toHaveLength(2);
  });

  it('attack: a define replayed while the first is still deciding is no retry: decided afresh (the engine steps up)', async () => {
    const user = await homeUser();
    const { event, groupsOf } = await afterPassword(user);
    const { risk } = oneDecision(600);
    const at = T0 + 20 * SECOND;
    const first = within(5_000, () => decided(event, risk, groupsOf, at));
    await sleep(100);
    expect(await decided(event, risk, groupsOf, at + 100)).toBe('CUSTOM_CHALLENGE');
    expect(await first).toBe('tokens');
  });

  describe('with the risk engine on dynalite, whose decision is given once per sign-in and attempt', () => {
    let places = 0;
    /**
     * A known user signing in from a place of their own (so that no other test's attempts from one
     * IP raise the per-IP signals), familiar from a success a minute before `at`: low risk there.
     */
    async function lowRiskUser(at: number) {
      const place = { ip: `192.0.2.${++places}`, deviceId: 'laptop-1' };
      const sub = `crr${places}-${Date.now()}`;
      const user = { sub, userName: sub, email: `crr${places}@example.com` };
      await succeed(user, signed(sub, at - 60 * SECOND, { place }), at - 60 * SECOND, signIn, engine);
      const { event, groupsOf } = await afterPassword(user, { at, risk: engine, place });
      return { user, place, event, groupsOf };
    }

    /**
     * A define that dies after the engine answered and before its answer is recorded: the table
     * answers the claim, the lockout read and the engine's take, then hangs, so the record write
     * runs into the invocation's deadline and Cognito (which got nothing within its 5 s) retries.
     */
    async function decidedTooLate(
      event: DefineAuthChallengeEvent,
      groupsOf: () => Promise<string[]>,
      at: number,
    ) {
      proxy.set({ kind: 'latency', ms: 1_500, after: 3 });
      try {
        return await within(1_500, () => decided(event, engine, groupsOf, at));
      } finally {
        proxy.set({ kind: 'none' });
      }
    }

    /** What the sign-in counted: the user's attempts, its assessments, its IP's attempts. */
    async function counted(sub: string, ip: string) {
      const items = await local.dynamo.scan();
      const latest = items.find((i) => i.pk === keys.user(sub) && i.sk === keys.riskAssessment());
      return {
        userAttempts: latest?.failures,
        eventId: latest?.eventId,
        assessmentsLogged: items.filter((i) => i.pk === keys.riskLog(sub)).length,
        ipAttempts: items
          .filter((i) => i.pk === keys.ip(ip))
          .reduce((sum, i) => sum + Number(i.attempts ?? 0), 0),
      };
    }

    it("regression: a define that died after the engine's answer and before recording its own (the table hung, the Lambda timed out), retried by Cognito through the handler: tokens again, no step-up; the sign-in assessed and counted once", async () => {
      const { handler } = await import('../../functions/define-auth-challenge.js');
      // The handler reads the clock: the sign-in happens now.
      const { user, place, event } = await lowRiskUser(Date.now());
      const before = await counted(user.sub, place.ip);
      // Pre authentication counted the sign-in (the home success before it logged its own assessment).
      expect(before).toMatchObject({ userAttempts: 1, assessmentsLogged: 2, ipAttempts: 1 });
      const invoke = (timeoutMs: number) =>
        captureOutput(async () => {
          const answered = (await handler(
            structuredClone(event) as never,
            localContext('define-auth-challenge', timeoutMs),
          )) as DefineAuthChallengeEvent | undefined;
          return answered?.response;
        });
      proxy.set({ kind: 'latency', ms: 1_500, after: 3 });
      const first = await invoke(1_500);
      proxy.set({ kind: 'none' });
      expect(first.output).toContain('sign-in context answer not recorded');
      const retry = await invoke(5_000); // Cognito's retry, the same event
      expect(retry.error).toBeUndefined();
      // Before: the engine's decision was taken by the dead call, so the retry got CUSTOM_CHALLENGE.
      expect(retry.result).toMatchObject({ issueTokens: true, failAuthentication: false });
      expect(retry.result?.challengeName).toBeUndefined();
      // The retry was given pre authentication's assessment (its event id), as the first call was.
      const assessed = logLines(retry.output).filter((line) => line.message === 'risk assessed');
      expect(assessed.map((line) => line.risk)).toEqual([
        expect.objectContaining({ level: 'low', action: 'allow', eventId: before.eventId }),
      ]);
      expect(retry.output).not.toContain('assessment-not-found');
      // Counted once: neither define call counted the user, the IP or a second assessment.
      expect(await counted(user.sub, place.ip)).toEqual(before);
    });

    it("store calls: a define asking the engine makes the claim beside the lockout read, the engine's take, then its answer on the claim (4 calls, 3 round trips), and so does Cognito's retry of it", async () => {
      const { event, groupsOf } = await lowRiskUser(T0);
      const at = T0 + 20 * SECOND;
      const calls = {
        roundTrips: 3,
        commands: ['BatchGetCommand', 'UpdateCommand', 'UpdateCommand', 'UpdateCommand'],
      };
      expect(await storeCalls(() => decidedTooLate(event, groupsOf, at))).toEqual(calls);
      expect(await storeCalls(() => decided(event, engine, groupsOf, at + 5 * SECOND))).toEqual(calls);
    });

    it('retry: a define that died holding the decision is retried up to three times (each dying too), each given the same decision; a fourth use is a replay: step-up', async () => {
      const { event, groupsOf } = await lowRiskUser(T0);
      const at = T0 + 20 * SECOND;
      for (let call = 0; call <= 3; call++)
        expect(await decidedTooLate(event, groupsOf, at + call * 6 * SECOND)).toBe('tokens');
      expect(await decided(event, engine, groupsOf, at + 24 * SECOND)).toBe('CUSTOM_CHALLENGE');
    });

    it('attack: past the retry window (30 s) the identical event of a define that died holding the decision is a replay: step-up', async () => {
      const { user, place, event, groupsOf } = await lowRiskUser(T0);
      const at = T0 + 20 * SECOND;
      const before = await counted(user.sub, place.ip);
      expect(await decidedTooLate(event, groupsOf, at)).toBe('tokens');
      expect(await decided(event, engine, groupsOf, at + 31 * SECOND)).toBe('CUSTOM_CHALLENGE');
      expect(await counted(user.sub, place.ip)).toEqual(before);
    });

    it("attack: the context of a define that died holding the decision, sent with another event (other metadata, another session), gets the step-up; Cognito's retry of the very event still gets the decision", async () => {
      const { event, groupsOf } = await lowRiskUser(T0);
      const at = T0 + 20 * SECOND;
      expect(await decidedTooLate(event, groupsOf, at)).toBe('tokens');
      // The same signed context (its signature holds: unsigned extras are allowed) with another event.
      const otherMetadata = structuredClone(event);
      otherMetadata.request.clientMetadata = { ...event.request.clientMetadata, signInMethod: 'code' };
      expect(await decided(otherMetadata, engine, groupsOf, at + 5 * SECOND)).toBe('CUSTOM_CHALLENGE');
      // Another session at the same step (another conversation's password step).
      const otherSession = structuredClone(event);
      otherSession.request.session[1]!.challengeMetadata = 'another-conversation';
      expect(await decided(otherSession, engine, groupsOf, at + 5 * SECOND)).toBe('CUSTOM_CHALLENGE');
      expect(await decided(event, engine, groupsOf, at + 5 * SECOND)).toBe('tokens');
    });

    it("attack: concurrent identical retries of a define that died holding the decision: one is Cognito's retry (tokens), the others replays (step-up)", async () => {
      const { event, groupsOf } = await lowRiskUser(T0);
      const at = T0 + 20 * SECOND;
      expect(await decidedTooLate(event, groupsOf, at)).toBe('tokens');
      const retries = await Promise.all(
        [1, 2, 3].map(() => decided(event, engine, groupsOf, at + 5 * SECOND)),
      );
      expect(retries.sort()).toEqual(['CUSTOM_CHALLENGE', 'CUSTOM_CHALLENGE', 'tokens']);
    });

    it('attack: a replay racing ahead of the first call (which is still on its way to the engine) takes nothing: the replay gets the step-up, the first call its decision', async () => {
      const { event, groupsOf } = await lowRiskUser(T0);
      const at = T0 + 20 * SECOND;
      // The first call is slow before it asks the engine (a slow group read, say).
      const slow: RiskHooks = {
        ...engine,
        assess: async (attempt) => {
          await sleep(600);
          return engine.assess(attempt);
        },
      };
      const first = within(5_000, () => decided(event, slow, groupsOf, at));
      await sleep(100);
      const replayed = structuredClone(event);
      replayed.request.clientMetadata = { ...event.request.clientMetadata, signInMethod: 'code' };
      expect(await decided(replayed, engine, groupsOf, at + 100)).toBe('CUSTOM_CHALLENGE');
      expect(await first).toBe('tokens');
    });
  });
});

describe('the store calls of a custom-auth step with a signed context', () => {
  it('verify: the claim beside the lockout read, the count of a wrong answer, then its answer on the claim (3 round trips); define: the claim beside the read, then the answer (2)', async () => {
    const user = await homeUser();
    const { talk, context, secret } = await openChallenge(user, 'code');
    const at = T0 + 20 * SECOND;
    expect(await storeCalls(() => judged(talk.verifyEvent(wrongCode(secret), context), at))).toEqual({
      roundTrips: 3,
      commands: ['BatchGetCommand', 'UpdateCommand', 'UpdateCommand', 'UpdateCommand'],
    });
    const event = talk.defineEvent(context);
    event.request.session.push({
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: false,
      challengeMetadata: 'EMAIL_CODE:x',
    });
    expect(
      await storeCalls(() =>
        define.defineAuthChallenge(event, customAuth, signIn, noRiskEngine, talk.groupsOf, at),
      ),
    ).toEqual({ roundTrips: 2, commands: ['BatchGetCommand', 'UpdateCommand', 'UpdateCommand'] });
  });
});

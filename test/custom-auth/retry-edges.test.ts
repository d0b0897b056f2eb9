import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { SentMail } from '../../scripts/local/emulators.js';
import { withInvocationDeadline } from '../../shared/aws/deadline.js';
import { loadSettings } from '../../shared/config/settings.js';
import { customAuthSettingSpecs } from '../../shared/custom-auth/settings.js';
import type { VerifyAuthChallengeEvent } from '../../shared/events/index.js';
import { noRiskEngine } from '../../shared/risk/contract.js';
import type { ContextStage, ContextUse, RetriedEvent } from '../../shared/sign-in/context-use.js';
import type { VerifiedOrigin } from '../../shared/sign-in/origin.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { sides, signed, storeCalls, succeed } from '../sign-in/support.js';
import { useLocalEmulators } from '../support/emulators.js';
import { captureOutput, logLines } from '../support/logs.js';
import type { Conversation as ConversationType } from './cognito-conversation.js';

/**
 * The edges of what tells Cognito's retry of a step from a replay (`shared/sign-in/context-use.ts`),
 * claim by claim against dynalite: whose time to answer a retry waits for, what a claim keeps and
 * for how long, what an outage is (never a replay), and the magic link a retry may find its own.
 * The conversations through the triggers, with the table made slow, are in `retry.test.ts`.
 */
const MAGIC_LINKS = {
  GATEHOUSE_MAGIC_LINK_SECRET: 'a-magic-link-secret-of-at-least-32-characters',
  GATEHOUSE_MAGIC_LINK_URL: 'https://app.example.com/sign-in/link',
};
const local = useLocalEmulators({
  RISK_CONTEXT_SECRET: 'a-context-secret-of-at-least-32-characters!',
  SES_FROM_ADDRESS: 'auth@gatehouse.test',
  ...MAGIC_LINKS,
});
let uses: typeof import('../../shared/sign-in/context-use.js');
let table: typeof import('../../shared/storage/table.js');

beforeAll(async () => {
  uses = await import('../../shared/sign-in/context-use.js');
  table = await import('../../shared/storage/table.js');
});

const T0 = Date.UTC(2031, 4, 6, 9, 0, 0);
const SECOND = 1_000;

/** The origin of a validly signed context: its own nonce. */
const origin = (): VerifiedOrigin => ({
  deviceId: 'laptop-1',
  network: '198.51.100.0/24',
  nonce: randomUUID(),
});

/** A verify auth challenge event as far as a retry repeats it, with `answer`. */
const verifyEvent = (answer: string): RetriedEvent => ({
  triggerSource: 'VerifyAuthChallengeResponse_Authentication',
  userName: 'ann',
  callerContext: { clientId: '3example0clientid0000000000' },
  request: { challengeAnswer: answer, privateChallengeParameters: { step: '2' } },
});

const STAGE: ContextStage = 'verify#2';
const claim = (who: VerifiedOrigin, at: number, event = verifyEvent('000000'), stage: ContextStage = STAGE) =>
  uses.claimContextUse(who, stage, at, event);
/** A claim made in an invocation with `remainingMs` left (its deadline 1/2 s before that). */
const claimWithin = (remainingMs: number, who: VerifiedOrigin, at: number, event = verifyEvent('000000')) =>
  withInvocationDeadline({ getRemainingTimeInMillis: () => remainingMs }, () => claim(who, at, event));

/** A first use whose invocation never answered in time (its answer recorded after its 1/2 s). */
async function lateFirstUse(
  who: VerifiedOrigin,
  at: number,
  outcome = 'wrong',
  event = verifyEvent('000000'),
) {
  const first = await claimWithin(1_000, who, at, event);
  expect(first.kind).toBe('first');
  await sleep(600);
  await uses.recordAnswer(first, outcome);
  return first;
}

const claimItem = async (nonce: string, stage = STAGE) =>
  (await local.dynamo.scan()).find((item) => item.pk === `CONTEXT#${nonce}` && item.sk === `USE#${stage}`);

describe('which use of a context is the first, a retry or a replay', () => {
  it('the first use is the first (no retry the risk engine would be told of), carrying its attempt id; its retry shares that id and gets its decision', async () => {
    const who = origin();
    const first = await lateFirstUse(who, T0);
    expect(first).toMatchObject({ kind: 'first', nonce: who.nonce, stage: STAGE });
    expect(uses.earlierOutcome(first)).toBeUndefined();
    const retry = await claim(who, T0 + 5 * SECOND);
    expect(retry).toMatchObject({ kind: 'retry', outcome: 'wrong' });
    expect(uses.earlierOutcome(retry)).toBe('wrong');
    expect(uses.attemptIdOf(retry)).toBe(uses.attemptIdOf(first));
    expect(uses.attemptIdOf(first)).toBe(`${who.nonce}#${STAGE}`);
    expect([first, retry].map(uses.holds)).toEqual([true, true]);
  });

  it('attack: the same event while the first invocation still has time to answer is a replay (Cognito has not retried yet): believed in nothing, no attempt id', async () => {
    const who = origin();
    expect((await claim(who, T0)).kind).toBe('first');
    // No deadline: the first has its 4 s to answer in time; 1 s later it is still running.
    const replay = await claim(who, T0 + SECOND);
    expect(replay).toEqual({ kind: 'replay' });
    expect(uses.holds(replay)).toBe(false);
    expect(uses.attemptIdOf(replay)).toBeUndefined();
    expect(uses.earlierOutcome(replay)).toBeUndefined();
  });

  it('attack: after an answer in time, the same event is a replay, even within the retry window', async () => {
    const who = origin();
    const first = await claim(who, T0);
    await uses.recordAnswer(first, 'wrong'); // at once: in time
    expect(await claim(who, T0 + 5 * SECOND)).toEqual({ kind: 'replay' });
  });

  it("retry: an invocation with 1 s left (its deadline 1/2 s earlier) that never answered: the same event 2 s later is Cognito's retry (its time to answer ended at its deadline, not after 4 s)", async () => {
    const who = origin();
    expect((await claimWithin(1_000, who, T0)).kind).toBe('first');
    expect((await claim(who, T0 + 2 * SECOND)).kind).toBe('retry');
  });

  it("retry: an invocation with 10 s left that never answered had 4 s to answer in time: 4.5 s later the same event is Cognito's retry", async () => {
    const who = origin();
    expect((await claimWithin(10_000, who, T0)).kind).toBe('first');
    expect((await claim(who, T0 + 4_500)).kind).toBe('retry');
  });

  it('attack: three retries of an attempt that never answered in time, then every use is a replay', async () => {
    const who = origin();
    await lateFirstUse(who, T0);
    const kinds = [];
    for (let call = 1; call <= 5; call++) kinds.push((await claim(who, T0 + call * 5 * SECOND)).kind);
    expect(kinds).toEqual(['retry', 'retry', 'retry', 'replay', 'replay']);
  });

  it('attack: past the 30 s retry window, the same event is a replay; at 30 s it is still a retry', async () => {
    const late = origin();
    await lateFirstUse(late, T0);
    expect((await claim(late, T0 + 30 * SECOND + 1)).kind).toBe('replay');
    const edge = origin();
    await lateFirstUse(edge, T0);
    expect((await claim(edge, T0 + 30 * SECOND)).kind).toBe('retry');
  });

  it.each<[string, (event: RetriedEvent) => RetriedEvent]>([
    ['another answer', (e) => ({ ...e, request: { ...e.request, challengeAnswer: '123456' } })],
    ['another user', (e) => ({ ...e, userName: 'bob' })],
    ['another app client', (e) => ({ ...e, callerContext: { clientId: 'another-client' } })],
    ['another trigger', (e) => ({ ...e, triggerSource: 'DefineAuthChallenge_Authentication' })],
  ])(
    'attack: %s with the context of an attempt that answered too late is no retry: a replay, without its decision',
    async (_, change) => {
      const who = origin();
      await lateFirstUse(who, T0, 'right');
      expect(await claim(who, T0 + 5 * SECOND, change(verifyEvent('000000')))).toEqual({ kind: 'replay' });
      // The event itself is still Cognito's retry (a replay spends none of its retries).
      expect(await claim(who, T0 + 6 * SECOND)).toMatchObject({ kind: 'retry', outcome: 'right' });
    },
  );

  it('a retry whose first invocation recorded no decision decides again; a retry that answers in time ends the retries', async () => {
    const who = origin();
    expect((await claimWithin(1_000, who, T0)).kind).toBe('first'); // ran out of time before deciding
    const retry = await claim(who, T0 + 5 * SECOND);
    expect(retry.kind).toBe('retry');
    expect(uses.earlierOutcome(retry)).toBeUndefined();
    await uses.recordAnswer(retry, 'wrong'); // in time
    expect(await claim(who, T0 + 10 * SECOND)).toEqual({ kind: 'replay' });
  });

  it('an answer at exactly its 4 s is in time (a later use is a replay); one a millisecond later is late (a later use is the retry)', async () => {
    // The monotonic clock the claim measures in-time on, pinned: the claim at 1 s, the answer at 5 s, then 5.001 s.
    const edge = origin();
    const late = origin();
    const clock = vi.spyOn(performance, 'now');
    try {
      clock.mockReturnValue(1_000);
      const onTime = await claim(edge, T0);
      clock.mockReturnValue(1_000 + uses.ANSWER_IN_TIME_MS);
      await uses.recordAnswer(onTime, 'wrong');
      clock.mockReturnValue(1_000);
      const overdue = await claim(late, T0);
      clock.mockReturnValue(1_000 + uses.ANSWER_IN_TIME_MS + 1);
      await uses.recordAnswer(overdue, 'wrong');
    } finally {
      clock.mockRestore();
    }
    expect((await claim(edge, T0 + 5 * SECOND)).kind).toBe('replay');
    expect((await claim(late, T0 + 5 * SECOND)).kind).toBe('retry');
  });

  it('the stages of one sign-in each claim the context once: a use at another stage is its first there', async () => {
    const who = origin();
    expect((await claim(who, T0, verifyEvent('000000'), 'verify#2')).kind).toBe('first');
    expect((await claim(who, T0, verifyEvent('000000'), 'verify#3')).kind).toBe('first');
    expect((await claim(who, T0, verifyEvent('000000'), 'define#3')).kind).toBe('first');
  });
});

describe('a context without a nonce to claim', () => {
  it('unsigned, forged or stale (no nonce): every use is its own attempt, with no id to share and nothing written', async () => {
    const before = (await local.dynamo.scan()).length;
    const first = await claim({}, T0);
    const again = await claim({}, T0 + SECOND);
    expect([first, again]).toEqual([{ kind: 'none' }, { kind: 'none' }]);
    expect(uses.attemptIdOf(first)).toBeUndefined();
    expect(uses.holds(first)).toBe(true);
    expect(
      await storeCalls(async () => {
        await uses.recordAnswer(first, 'wrong');
      }),
    ).toEqual({ roundTrips: 0, commands: [] });
    expect((await local.dynamo.scan()).length).toBe(before);
  });
});

describe('what a claim keeps', () => {
  it("a replay's answer is recorded nowhere (it has no claim of its own): no store call, no warning", async () => {
    const who = origin();
    await claim(who, T0);
    const replay = await claim(who, T0 + SECOND);
    const { result, output } = await captureOutput(() =>
      storeCalls(async () => {
        await uses.recordAnswer(replay, 'wrong');
      }),
    );
    expect(result).toEqual({ roundTrips: 0, commands: [] });
    expect(logLines(output)).toEqual([]);
  });

  it('keeps a digest of the event, never the answer; the decision; whether it came in time', async () => {
    const who = origin();
    const first = await claim(who, T0, verifyEvent('424242'));
    await uses.recordAnswer(first, 'wrong');
    const item = await claimItem(who.nonce!);
    expect(item).toMatchObject({
      claimedAt: T0,
      uses: 1,
      outcome: 'wrong',
      answeredInTime: true,
      fingerprint: uses.eventFingerprint(verifyEvent('424242')),
    });
    expect(JSON.stringify(item)).not.toContain('424242');
  });

  it('attack: a context used at the first second it is accepted keeps its claim until after the last (TTL cannot delete the claim of a context still accepted and let a replay pass as a first use)', async () => {
    const { signatureSettings, verifiedOrigin } = await import('../../shared/sign-in/origin.js');
    const maxAgeMs = signatureSettings().contextMaxAgeSeconds * SECOND;
    // Signed one maximum age ahead of the claim: accepted until two maximum ages after it.
    const context = signed('ann', T0 + maxAgeMs);
    const event = {
      userName: 'ann',
      callerContext: { clientId: '3example0clientid0000000000' },
      request: { userAttributes: { sub: 'ann-sub' } },
    };
    const who = verifiedOrigin(event, context, T0);
    expect(who.nonce).toBe(context.nonce);
    const lastAccepted = T0 + 2 * maxAgeMs;
    expect(verifiedOrigin(event, context, lastAccepted).nonce).toBe(context.nonce);
    expect(verifiedOrigin(event, context, lastAccepted + 1).nonce).toBeUndefined();
    await claim(who, T0);
    const item = await claimItem(context.nonce!);
    expect(Number(item?.expiresAt) * SECOND).toBeGreaterThan(lastAccepted);
    // And not for ever: a day at most.
    expect(Number(item?.expiresAt) * SECOND).toBeLessThan(T0 + 86_400 * SECOND);
    expect(table.isExpired(item ?? {}, lastAccepted)).toBe(false);
  });
});

describe('faults around a claim', () => {
  const throttled = () =>
    new ProvisionedThroughputExceededException({
      message: 'Rate of requests exceeds the allowed throughput',
      $metadata: {},
    });

  it('an outage while claiming is no replay: the step fails (Cognito retries it) instead of judging a genuine attempt a replay', async () => {
    const who = origin();
    const spy = vi.spyOn(table.documentClient(), 'send').mockRejectedValueOnce(throttled() as never);
    try {
      await expect(claim(who, T0)).rejects.toThrow(/allowed throughput/);
    } finally {
      spy.mockRestore();
    }
    // Nothing was claimed: the attempt, tried again, is a first use.
    expect((await claim(who, T0 + SECOND)).kind).toBe('first');
  });

  it("an answer that could not be recorded is logged by its stage (no answer, no code) and the decision stands; the next use within the window counts as Cognito's retry (the user's side)", async () => {
    const who = origin();
    const first = await claim(who, T0);
    const spy = vi.spyOn(table.documentClient(), 'send').mockRejectedValueOnce(throttled() as never);
    let captured: Awaited<ReturnType<typeof captureOutput>>;
    try {
      captured = await captureOutput(() => uses.recordAnswer(first, 'right'));
    } finally {
      spy.mockRestore();
    }
    expect(captured.error).toBeUndefined();
    const [line, ...rest] = logLines(captured.output);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      level: 'WARN',
      message: 'sign-in context answer not recorded',
      stage: STAGE,
      error: { name: 'ProvisionedThroughputExceededException' },
    });
    expect(captured.output).not.toContain('000000');
    const retry: ContextUse = await claim(who, T0 + 5 * SECOND);
    expect(retry.kind).toBe('retry');
    expect(uses.earlierOutcome(retry)).toBeUndefined();
  });
});

describe("a magic link's single use, and the retry that finds it its own", () => {
  let challenges: typeof import('../../shared/custom-auth/challenges.js');
  beforeAll(async () => {
    challenges = await import('../../shared/custom-auth/challenges.js');
  });
  const expiresAt = Math.floor(T0 / SECOND) + 600;
  /** A live magic-link challenge of its own identity. */
  async function link() {
    const identity = `IDENTITY#sub#link-${randomUUID()}`;
    const id = randomUUID();
    await challenges.saveChallenge(identity, id, { kind: 'magic-link', expiresAt });
    return { identity, id };
  }
  const stored = async (identity: string, id: string) =>
    (await local.dynamo.scan()).find((item) => item.pk === identity && item.sk === `CHALLENGE#${id}`);

  it("consumed by an attempt: that attempt's retry finds it its own (the first use's time kept); another attempt, an unsigned one, or the same attempt at another step finds it used", async () => {
    const { identity, id } = await link();
    const attempt = `${randomUUID()}#verify#2`;
    expect(await challenges.consumeChallenge(identity, id, T0, attempt)).toBe(true);
    expect(await challenges.consumeChallenge(identity, id, T0 + 5 * SECOND, attempt)).toBe(true);
    expect(await challenges.consumeChallenge(identity, id, T0 + 6 * SECOND, `${randomUUID()}#verify#2`)).toBe(
      false,
    );
    expect(await challenges.consumeChallenge(identity, id, T0 + 7 * SECOND)).toBe(false);
    expect(
      await challenges.consumeChallenge(identity, id, T0 + 8 * SECOND, attempt.replace('#2', '#3')),
    ).toBe(false);
    expect(await stored(identity, id)).toMatchObject({ consumedAt: T0, consumedBy: attempt });
    expect(await challenges.readChallenge(identity, id, T0 + 9 * SECOND)).toBeUndefined();
  });

  it('attack: two tabs racing with one link (unsigned): exactly one signs in; a signed attempt after them finds it used', async () => {
    const { identity, id } = await link();
    const raced = await Promise.all([1, 2, 3].map(() => challenges.consumeChallenge(identity, id, T0)));
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect(await challenges.consumeChallenge(identity, id, T0 + SECOND, `${randomUUID()}#verify#2`)).toBe(
      false,
    );
    expect(await stored(identity, id)).not.toHaveProperty('consumedBy');
  });

  it('attack: concurrent attempts with their own contexts: one consumes it; the others are not taken for its retry', async () => {
    const { identity, id } = await link();
    const attempts = [1, 2, 3].map(() => `${randomUUID()}#verify#2`);
    const raced = await Promise.all(attempts.map((a) => challenges.consumeChallenge(identity, id, T0, a)));
    expect(raced.filter(Boolean)).toHaveLength(1);
    const winner = attempts[raced.indexOf(true)];
    expect(await stored(identity, id)).toMatchObject({ consumedBy: winner });
  });

  it('an expired link is consumed by no one, its own retry included; an unknown link id creates nothing', async () => {
    const { identity, id } = await link();
    const attempt = `${randomUUID()}#verify#2`;
    const expiry = expiresAt * SECOND;
    expect(await challenges.consumeChallenge(identity, id, expiry - SECOND, attempt)).toBe(true);
    expect(await challenges.consumeChallenge(identity, id, expiry, attempt)).toBe(false);
    const fresh = await link();
    expect(await challenges.consumeChallenge(fresh.identity, fresh.id, expiry)).toBe(false);
    expect(await challenges.consumeChallenge(fresh.identity, fresh.id, expiry, attempt)).toBe(false);
    expect(await stored(fresh.identity, fresh.id)).not.toHaveProperty('consumedAt');
    const unknown = randomUUID();
    expect(await challenges.consumeChallenge(identity, unknown, T0, attempt)).toBe(false);
    expect(await challenges.consumeChallenge(identity, unknown, T0)).toBe(false);
    expect(await stored(identity, unknown)).toBeUndefined();
  });

  it('a challenge reads as live until it is used or expires; one id cannot be saved twice (a second challenge never overwrites a used one)', async () => {
    const { identity, id } = await link();
    expect(await challenges.readChallenge(identity, id, T0)).toMatchObject({ kind: 'magic-link', expiresAt });
    expect(await challenges.readChallenge(identity, id, expiresAt * SECOND - 1)).toBeDefined();
    expect(await challenges.readChallenge(identity, id, expiresAt * SECOND)).toBeUndefined();
    expect(await challenges.readChallenge(`${identity}-other`, id, T0)).toBeUndefined();
    await challenges.consumeChallenge(identity, id, T0);
    expect(await challenges.readChallenge(identity, id, T0)).toBeUndefined();
    await expect(
      challenges.saveChallenge(identity, id, { kind: 'magic-link', expiresAt: expiresAt + 600 }),
    ).rejects.toThrow();
    expect(await challenges.readChallenge(identity, id, T0)).toBeUndefined();
  });
});

describe('verify auth challenge: a retry gets the judgement its first call recorded, whatever changed since', () => {
  const customAuth = loadSettings(customAuthSettingSpecs, {
    env: { ...MAGIC_LINKS, GATEHOUSE_AUTH_CODE_TTL_SECONDS: '60' },
    file: {},
  });
  const signIn = loadSettings(signInSettingSpecs, {
    env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '5', GATEHOUSE_LOCKOUT_WINDOW_SECONDS: '900' },
    file: {},
  });
  let Conversation: typeof ConversationType;
  let verify: typeof import('../../shared/custom-auth/verify.js');
  beforeAll(async () => {
    ({ Conversation } = await import('./cognito-conversation.js'));
    verify = await import('../../shared/custom-auth/verify.js');
  });

  let counter = 0;
  /** A known user whose home (the signed contexts' place) is familiar, with a code challenge open at `at`. */
  async function codeChallenge(at: number) {
    const sub = `re${++counter}-${Date.now()}`;
    const email = `re${counter}@example.com`;
    await succeed(
      { sub, userName: sub },
      signed(sub, at - 60 * SECOND),
      at - 60 * SECOND,
      signIn,
      noRiskEngine,
    );
    const context = signed(sub, at);
    const talk = new Conversation(
      { userName: sub, attributes: { sub, email, email_verified: 'true' } },
      customAuth,
      signIn,
    );
    talk.now = at;
    await talk.initiate({ clientMetadata: context });
    await talk.respond('-', { ...context, signInMethod: 'code' });
    const mail = (await local.ses.mails()).find((m: SentMail) => m.destination.to.includes(email));
    const code = /code: (\d+)/.exec(mail?.body.text ?? '')?.[1];
    if (!code) throw new Error('no code mailed');
    return { sub, talk, context, code, expiresAt: Math.floor(at / SECOND) + 60 };
  }

  /**
   * Runs `work` as an invocation that stalls after its claim (the monotonic clock moves on 5 s once
   * the claim is answered): it judges and records its judgement, but too late for Cognito.
   */
  async function stalledAfterClaim<T>(work: () => Promise<T>): Promise<T> {
    const client = table.documentClient();
    const send = client.send.bind(client);
    const realNow = performance.now.bind(performance);
    let stalled = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => realNow() + stalled);
    const spy = vi.spyOn(client, 'send').mockImplementation((async (...args: Parameters<typeof send>) => {
      const answer = await send(...args);
      const input = args[0].input as { UpdateExpression?: string };
      if (input.UpdateExpression?.includes('ADD uses')) stalled = 5 * SECOND;
      return answer;
    }) as typeof client.send);
    try {
      return await work();
    } finally {
      spy.mockRestore();
      clock.mockRestore();
    }
  }

  async function judged(event: VerifyAuthChallengeEvent, at: number): Promise<boolean> {
    const copy = structuredClone(event);
    await verify.verifyAuthChallenge(copy, customAuth, signIn, at);
    return copy.response.answerCorrect === true;
  }

  it('retry: the right code judged a second before its expiry, too late for Cognito: the retry after the expiry is right (the same answer), counting nothing', async () => {
    const { sub, talk, context, code, expiresAt } = await codeChallenge(T0);
    const event = talk.verifyEvent(code, context);
    const at = expiresAt * SECOND - SECOND;
    expect(await stalledAfterClaim(() => judged(event, at))).toBe(true);
    expect(await judged(event, at + 5 * SECOND)).toBe(true);
    expect(await sides(local.dynamo, sub)).toEqual({ familiar: 1 });
    // The same event once more: a replay (the retry answered in time), and the code has expired.
    expect(await judged(event, at + 10 * SECOND)).toBe(false);
  });

  it('attack: an answer refused because the sign-in was locked stays refused on its retry, after the lock lapsed (a retry is no second chance)', async () => {
    const { sub, talk, context, code } = await codeChallenge(T0);
    const at = T0 + 10 * SECOND;
    for (const side of ['familiar', 'unfamiliar']) {
      await table.documentClient().send(
        new PutCommand({
          TableName: table.tableName(),
          Item: { pk: `IDENTITY#sub#${sub}`, sk: `LOCKED#${side}`, lockedUntil: at + 2 * SECOND },
        }),
      );
    }
    const event = talk.verifyEvent(code, context);
    expect(await stalledAfterClaim(() => judged(event, at))).toBe(false);
    expect(await judged(event, at + 5 * SECOND)).toBe(false);
    // No answer counted either way: the first was refused before judging, the retry is the same.
    expect(await sides(local.dynamo, sub)).toEqual({ familiar: 1 });
  });
});

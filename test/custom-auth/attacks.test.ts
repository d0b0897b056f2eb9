import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SentMail } from '../../scripts/local/emulators.js';
import { loadSettings } from '../../shared/config/settings.js';
import { codeDigest } from '../../shared/custom-auth/codes.js';
import { customAuthSettingSpecs } from '../../shared/custom-auth/settings.js';
import type { UserFacingError } from '../../shared/errors/index.js';
import { signInSettingSpecs } from '../../shared/sign-in/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { captureOutput, logLines } from '../support/logs.js';
import type { Conversation as ConversationType, Step, User } from './cognito-conversation.js';

/**
 * The custom-auth flow under issue 11's attacks 7 (enumeration) and 11 (sessions opened before a
 * lock), played through Cognito's trigger order against dynalite and the SES emulator.
 */
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let Conversation: typeof ConversationType;
let timingsModule: typeof import('../../shared/custom-auth/delivery-timing.js');
let client: ReturnType<typeof import('../../shared/storage/table.js').documentClient>;
let verifyAuthChallenge: typeof import('../../shared/custom-auth/verify.js').verifyAuthChallenge;

beforeAll(async () => {
  ({ Conversation } = await import('./cognito-conversation.js'));
  timingsModule = await import('../../shared/custom-auth/delivery-timing.js');
  client = (await import('../../shared/storage/table.js')).documentClient();
  ({ verifyAuthChallenge } = await import('../../shared/custom-auth/verify.js'));
});
beforeEach(async () => local.ses.clear());

const customAuth = loadSettings(customAuthSettingSpecs, { env: {}, file: {} });
const signIn = loadSettings(signInSettingSpecs, { env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '5' }, file: {} });

let counter = 0;
function knownUser(userName?: string): User {
  const sub = `atk-${++counter}-${Date.now()}`;
  return {
    userName: userName ?? sub,
    attributes: { sub, email: `user${counter}@example.com`, email_verified: 'true' },
  };
}
const unknownUser = (userName = `ghost${++counter}@example.org`): User => ({
  userName,
  attributes: {},
  userNotFound: true,
});

async function mailsTo(address: string): Promise<SentMail[]> {
  return (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address));
}
const codeIn = (mail: SentMail | undefined) => /code: (\d+)/.exec(mail?.body.text ?? '')?.[1] ?? '';
const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

/** A session up to its emailed-code challenge. */
async function openSession(user: User) {
  const talk = new Conversation(user, customAuth, signIn);
  await talk.initiate();
  const challenge = await talk.respond('-', { signInMethod: 'code' });
  return { talk, challenge };
}

describe('attack 11: sessions opened before a lock', () => {
  it('attack 11: after the lock, the right code from a session opened before it does not sign in', async () => {
    const user = knownUser();
    const { talk: victim } = await openSession(user); // attempt 1
    const code = codeIn((await mailsTo(user.attributes.email!))[0]);
    expect(code).toMatch(/^\d{6}$/);
    // The stranger, from the same (unfamiliar) side: two sessions, wrong answers until the lock.
    const { talk: first } = await openSession(user); // 2
    await first.respond(wrongCode(code)); // 3
    await first.respond(wrongCode(code)); // 4
    const { talk: second } = await openSession(user); // 5
    expect(await second.respond(wrongCode(code))).toEqual({ state: 'failed' }); // 6: locks
    // The session opened before the lock, with the right code: refused, and logged by its side
    // (never the answer).
    const refused = await captureOutput(() => victim.respond(code));
    expect(refused.result).toEqual({ state: 'failed' });
    expect(logLines(refused.output)).toContainEqual(
      expect.objectContaining({ message: 'answer refused: sign-in locked', lockout: { side: 'unfamiliar' } }),
    );
    expect(refused.output).not.toContain(code);
  });

  it('attack 11: sessions opened before the lock get no more guesses: one answer is judged, then every session fails', async () => {
    const user = knownUser();
    const sessions = [];
    for (let i = 0; i < 5; i++) sessions.push((await openSession(user)).talk); // attempts 1-5
    const codes = (await mailsTo(user.attributes.email!)).map(codeIn);
    expect(codes).toHaveLength(5);
    const outcomes: Step['state'][] = [];
    // Before, each session allowed 3 answers (15 per lock cycle). Now the first wrong answer locks,
    // and after it even the right code (the luckiest guess) fails in every other session.
    outcomes.push((await sessions[0]!.respond(wrongCode(codes[0]!))).state);
    for (const [i, session] of sessions.entries())
      if (i > 0) outcomes.push((await session.respond(codes[i]!)).state);
    expect(outcomes).toEqual(Array(5).fill('failed'));
    const refused = await new Conversation(user, customAuth, signIn)
      .initiate()
      .catch((error: unknown) => error);
    expect((refused as UserFacingError).code).toBe('SIGN_IN_LOCKED');
  });
});

/** The command names a step sends to DynamoDB. */
async function storeCalls<T>(run: () => Promise<T>): Promise<string[]> {
  const send = vi.spyOn(client, 'send');
  try {
    await run();
    return send.mock.calls.map(([command]) => command.constructor.name);
  } finally {
    send.mockRestore();
  }
}

describe('attack 7: enumeration through custom auth', () => {
  it("attack 7: the challenge's public parameters are the same for known and unknown users, whatever case was typed", async () => {
    const known = await openSession(knownUser('Jane.Roe@Example.com'));
    const unknown = await openSession(unknownUser('Ghost.User@Example.ORG'));
    expect(known.challenge).toEqual(unknown.challenge);
    expect(JSON.stringify(unknown.challenge)).not.toMatch(/ghost|example/i);
    const retryKnown = await known.talk.respond('000000');
    const retryUnknown = await unknown.talk.respond('000000');
    expect(retryKnown).toEqual(retryUnknown);
    expect(retryKnown).toEqual({
      state: 'challenge',
      challengeName: 'CUSTOM_CHALLENGE',
      publicParameters: { method: 'code', destination: 'email' },
    });
  });

  it('attack 7: known and unknown users make the same store calls at every step, the retried wrong code included', async () => {
    const play = async (user: User) => {
      const talk = new Conversation(user, customAuth, signIn);
      // Each its own fresh container, so the timing exchange falls alike.
      talk.timings = new timingsModule.DeliveryTimings();
      return [
        await storeCalls(() => talk.initiate()),
        await storeCalls(() => talk.respond('-', { signInMethod: 'code' })),
        await storeCalls(() => talk.respond('000001')),
        await storeCalls(() => talk.respond('000002')),
      ];
    };
    const known = await play(knownUser());
    const unknown = await play(unknownUser());
    expect(unknown).toEqual(known);
    // The retry reads its challenge back (a GetItem) for the unknown user too.
    expect(known[2]).toEqual(['BatchGetCommand', 'UpdateCommand', 'BatchGetCommand', 'GetCommand']);
    expect(await local.ses.mails()).toHaveLength(1);
  });

  it("attack 7: an unknown user's right guess of the decoy code (one in a million) is still wrong, and counted like any wrong answer", async () => {
    const user = unknownUser();
    const { talk } = await openSession(user);
    const event = talk.verifyEvent('123456');
    const secret = event.request.privateChallengeParameters;
    // As if the guess were the decoy's code: the digest create kept is the guess's.
    secret.codeDigest = codeDigest(secret.challengeId!, '123456');
    await verifyAuthChallenge(event, customAuth, signIn, talk.now);
    expect(event.response.answerCorrect).toBe(false);
    const counted = (await local.dynamo.scan()).filter(
      (item) => item.pk === `IDENTITY#name#${user.userName}` && String(item.sk).startsWith('FAILED#'),
    );
    // InitiateAuth and the guess.
    expect(counted.reduce((sum, item) => sum + Number(item.attempts), 0)).toBe(2);
  });

  it('attack 7: a user without a verified address gets the decoy, with the same store calls as a real delivery', async () => {
    const unverified = knownUser();
    unverified.attributes.email_verified = 'false';
    const play = async (user: User) => {
      const talk = new Conversation(user, customAuth, signIn);
      talk.timings = new timingsModule.DeliveryTimings();
      await talk.initiate();
      return storeCalls(() => talk.respond('-', { signInMethod: 'code' }));
    };
    expect(await play(unverified)).toEqual(await play(knownUser()));
    expect(await mailsTo(unverified.attributes.email!)).toEqual([]);
  });
});

describe('attack 7: the decoy pause', () => {
  it("attack 7: a fresh container's first decoy draws from the first deliveries other containers measured", async () => {
    const { DeliveryTimings } = timingsModule;
    const warmed = new DeliveryTimings();
    await warmed.exchange();
    warmed.record(287); // its first delivery: a cold client, a new connection
    await warmed.exchange(); // published at once
    warmed.record(9);
    const fresh = new DeliveryTimings();
    await fresh.exchange();
    const { kind, samples } = fresh.source();
    expect(kind).toBe('cold');
    expect(samples).toContain(287);
    expect(samples).not.toContain(9);
    for (let i = 0; i < 20; i++) expect(samples).toContain(fresh.draw());
  });

  it('attack 7: later decoys draw from the deliveries this container measured', async () => {
    const timings = new timingsModule.DeliveryTimings();
    await timings.exchange();
    for (const ms of [6, 7, 8]) {
      await timings.exchange();
      timings.record(ms);
    }
    await timings.exchange();
    // The first delivery counts as a cold one; the others are what a decoy imitates now.
    expect(timings.source()).toEqual({ kind: 'warm', samples: [7, 8] });
    const drawn = new Set(Array.from({ length: 50 }, () => timings.draw()));
    expect([...drawn].sort()).toEqual([7, 8]);
  });

  it('attack 7: a slow or stalled send is never imitated: decoys draw within the fences of the measured deliveries', async () => {
    const timings = new timingsModule.DeliveryTimings();
    await timings.exchange();
    timings.record(310); // the container's first delivery: cold, kept apart
    for (const ms of [6, 7, 8, 7, 6, 9, 7, 240, 5000]) timings.record(ms); // 240: an outlier; 5000: beyond any delivery
    expect(timings.source().samples).not.toContain(5000);
    expect(timings.source().samples).not.toContain(310);
    expect(timingsModule.withoutOutliers(timings.source().samples)).toEqual([6, 6, 7, 7, 7, 8, 9]);
    const drawn = new Set(Array.from({ length: 200 }, () => timings.draw()));
    expect([...drawn].sort((a, b) => a - b)).toEqual([6, 7, 8, 9]);
  });

  it('attack 7: with few samples, one beyond three times their median is left out', () => {
    expect(timingsModule.withoutOutliers([40, 45, 400])).toEqual([40, 45]);
    expect(timingsModule.withoutOutliers([40])).toEqual([40]);
  });

  it("attack 7: a decoy's pause is asked early by the timer's measured lateness, so it ends when the drawn delivery would", async () => {
    const timings = new timingsModule.DeliveryTimings();
    for (const ms of [99, 12, 12, 12, 12]) timings.record(ms); // 99: the cold first one
    for (const late of [3, 2, 2]) timings.recordLateness(late);
    expect(timings.timerLateness()).toBe(2);
    const asked: number[] = [];
    const real = globalThis.setTimeout;
    // Only the pause's own timer is taken (others, such as the SDK's, run as they asked).
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((done: () => void, ms: number) => {
      if (ms >= 1000) return real(done, ms);
      asked.push(ms);
      return real(done, 0);
    }) as typeof setTimeout);
    try {
      await timingsModule.pause(timings);
    } finally {
      spy.mockRestore();
    }
    expect(asked).toEqual([10]);
  });

  it("attack 7: a decoy's pause never ends before the drawn delivery time (the timer's whole milliseconds, then the fraction)", async () => {
    const timings = new timingsModule.DeliveryTimings();
    for (let i = 0; i < 8; i++) timings.record(3.7);
    const asked: number[] = [];
    const real = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((done: () => void, ms: number) => {
      if (ms >= 1000) return real(done, ms);
      asked.push(ms);
      return real(done, ms);
    }) as typeof setTimeout);
    const started = performance.now();
    try {
      await timingsModule.pause(timings);
    } finally {
      spy.mockRestore();
    }
    expect(asked).toEqual([3]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(3.7);
  });

  it('attack 7: before any delivery was ever measured, the pause is drawn from a spread, not one constant', () => {
    const timings = new timingsModule.DeliveryTimings();
    const drawn = Array.from({ length: 40 }, () => timings.draw());
    expect(new Set(drawn).size).toBeGreaterThan(5);
    for (const ms of drawn) {
      expect(ms).toBeGreaterThanOrEqual(150);
      expect(ms).toBeLessThanOrEqual(450);
    }
  });
});

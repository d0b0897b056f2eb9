import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CognitoSender } from '../../shared/aws/cognito.js';
import { loadSettings } from '../../shared/config/settings.js';
import type { PostConfirmationEvent } from '../../shared/events/index.js';
import type { OnboardingDependencies } from '../../shared/onboarding/index.js';
import { onboardingSettingSpecs } from '../../shared/onboarding/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

/**
 * The onboarding outbox and its sweeper (shared/onboarding/outbox.ts, sweeper.ts) on dynalite and
 * the SES emulator: what post confirmation could not finish (too little time, a failure, an unknown
 * outcome) is completed by the sweeper, each effect once, with no further trigger invocation; what
 * keeps failing is given up after its attempts, loudly. Faults are stubs of one client's calls
 * (SES refusing or answering past the deadline, Cognito's groups hanging).
 */
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let onboarding: typeof import('../../shared/onboarding/index.js');
let mailClient: typeof import('../../shared/mail/ses.js');
let table: typeof import('../../shared/storage/table.js');

beforeAll(async () => {
  onboarding = await import('../../shared/onboarding/index.js');
  mailClient = await import('../../shared/mail/ses.js');
  table = await import('../../shared/storage/table.js');
});
beforeEach(async () => local.ses.clear());
afterEach(() => vi.restoreAllMocks());

/** Idempotent group memberships, as Cognito keeps them; `hang` makes the next call wait for its abort. */
function groupsStub() {
  const members = new Map<string, Set<string>>();
  const calls = new Map<string, number>();
  let hangs = 0;
  const client = {
    send: async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
      if (!(command instanceof AdminAddUserToGroupCommand)) throw new Error('unexpected command');
      const { GroupName, Username } = command.input;
      calls.set(GroupName!, (calls.get(GroupName!) ?? 0) + 1);
      if (hangs > 0) {
        hangs--;
        await untilAborted(options?.abortSignal);
      }
      await new Promise((resume) => setTimeout(resume, 10));
      if (!members.has(GroupName!)) members.set(GroupName!, new Set());
      members.get(GroupName!)!.add(Username!);
      return {};
    },
  } as unknown as CognitoSender;
  return { client, members, calls, hang: (n = 1) => (hangs += n) };
}

/** Never settles until `signal` aborts, then fails as the SDK does. */
function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) =>
    signal?.addEventListener('abort', () =>
      reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
    ),
  );
}

const GROUPS = ['members', 'beta'];
const settings = (env: Record<string, string> = {}) =>
  loadSettings(onboardingSettingSpecs, { env, file: { onboarding: { defaultGroups: GROUPS } } });

let users = 0;
function confirmEvent(source = 'PostConfirmation_ConfirmSignUp'): PostConfirmationEvent {
  const event = sampleEvent<PostConfirmationEvent>(source);
  const id = `sweep-${++users}-${Math.random().toString(36).slice(2, 8)}`;
  event.userName = id;
  event.request.userAttributes.sub = id;
  event.request.userAttributes.email = `${id}@example.com`;
  return event;
}

type Groups = ReturnType<typeof groupsStub>;
const depsOf = (groups: Groups, overrides: Partial<OnboardingDependencies> = {}) =>
  onboarding.onboardingDependencies({ settings: settings(), cognito: () => groups.client, ...overrides });

/** Post confirmation with `msLeft` of its 5 s budget (what an overloaded invocation has). */
const confirm = (event: PostConfirmationEvent, groups: Groups, msLeft = 5_000, env = {}) =>
  captureOutput(() =>
    onboarding.postConfirmation(
      structuredClone(event),
      depsOf(groups, { deadline: Date.now() + msLeft, settings: settings(env) }),
    ),
  );

/** One scheduled sweep, `aheadMs` later than now for what is due (the grace post confirmation gets). */
const sweep = (groups: Groups, aheadMs = 60_000, env = {}) =>
  captureOutput(() =>
    onboarding.sweepOutbox(
      onboarding.sweeperDependencies({
        settings: settings(env),
        cognito: () => groups.client,
        now: () => Date.now() + aheadMs,
      }),
    ),
  );

const mailsTo = async (address: string) =>
  (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address));
const onboardingItem = async (sub: string) =>
  (await local.dynamo.scan()).find((item) => item.pk === `USER#${sub}` && item.sk === 'ONBOARDING');
const entriesOf = async (sub: string) =>
  (await local.dynamo.scan()).filter(
    (item) => String(item.pk).startsWith('OUTBOX#') && String(item.sk).startsWith(`ENTRY#USER#${sub}#`),
  );

/**
 * SES accepts the next mail on this client, and its answer never arrives before the caller's
 * deadline: the send is aborted after it left (what an overloaded machine did to the welcome mail).
 */
function acceptThenLoseAnswer(singleAttempt: boolean) {
  const client = mailClient.sesClient({ singleAttempt });
  const real = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  vi.spyOn(client, 'send').mockImplementationOnce((async (
    command: unknown,
    options?: { abortSignal?: AbortSignal },
  ) => {
    await real(command);
    return untilAborted(options?.abortSignal);
  }) as never);
}

/** SES refuses every mail of this client (an outage) until restored. */
function sesDown(singleAttempt: boolean) {
  return vi.spyOn(mailClient.sesClient({ singleAttempt }), 'send').mockRejectedValue(
    Object.assign(new Error('Service Unavailable'), {
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503 },
    }),
  );
}

describe('post confirmation under overload: nothing lost, one welcome mail', () => {
  it('a welcome mail SES accepted but answered past the deadline: counted as unknown, never resent by the retries or the sweeper', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    acceptThenLoseAnswer(true);
    // Time to start a mail (one 3 s SES attempt): the answer is lost at the deadline.
    const first = await confirm(event, groups, 5_000);
    expect(first.error).toBeUndefined();
    expect(first.output).toContain('"OnboardingEffectOutcomeUnknown":1');
    expect(first.output).toContain('not resent (at most once)');
    // Cognito's retries (it may have timed out meanwhile), then the sweeper.
    await confirm(event, groups);
    await confirm(event, groups);
    await sweep(groups);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    expect(await onboardingItem(sub)).toMatchObject({
      'closed:welcomeSentAt': 'outcome-unknown',
      'group:members': expect.any(String),
      'group:beta': expect.any(String),
    });
    expect(await entriesOf(sub)).toEqual([]);
  }, 15_000);

  it('an effect deferred for lack of time, and no further invocation: the sweeper completes it, once', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    // 2.5 s left: enough for a group call, not for a whole SES attempt.
    const first = await confirm(event, groups, 2_500);
    expect(first.error).toBeUndefined();
    expect(first.output).toContain('"OnboardingEffectDeferred":1');
    expect(first.output).toContain('onboarding effect deferred to the sweeper');
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(0);
    expect(await entriesOf(sub)).toHaveLength(1);
    // Not due yet (post confirmation's grace): the sweep leaves it.
    await sweep(groups, 0);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(0);
    // (Other tests' entries may be due too: the counts are at least this user's.)
    const swept = await sweep(groups);
    expect(swept.result).toMatchObject({ settled: expect.any(Number), pending: 0 });
    expect(swept.result!.settled).toBeGreaterThanOrEqual(1);
    expect(swept.output).toContain('"OnboardingEffectSwept":1');
    await sweep(groups);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    expect(Object.fromEntries(groups.calls)).toEqual({ members: 1, beta: 1 });
    expect(await entriesOf(sub)).toEqual([]);
  });

  it('attack: sweeps racing Cognito retries of the trigger: one welcome mail, one call per group', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    // 0.6 s left: every effect deferred, so the race below is over all of them.
    await confirm(event, groups, 600);
    expect(groups.calls.size).toBe(0);
    await Promise.all([
      ...Array.from({ length: 4 }, () => sweep(groups)),
      ...Array.from({ length: 4 }, () => confirm(event, groups)),
    ]);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    expect(Object.fromEntries(groups.calls)).toEqual({ members: 1, beta: 1 });
    expect(groups.members.get('members')).toEqual(new Set([sub]));
    await sweep(groups);
    expect(await entriesOf(sub)).toEqual([]);
  });

  it('a group call of unknown outcome (hung past the deadline) is made again by the sweeper: it is idempotent', async () => {
    const groups = groupsStub();
    groups.hang();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    const first = await confirm(event, groups, 4_000);
    expect(first.output).toContain('the sweeper runs it again after a pause (at least once)');
    expect((await onboardingItem(sub))?.['group:members']).toBeUndefined();
    await sweep(groups);
    expect(groups.members.get('members')).toEqual(new Set([sub]));
    expect(await onboardingItem(sub)).toMatchObject({ 'group:members': expect.any(String) });
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
  }, 15_000);

  it('SES down: the mail stays pending, swept again later each time, then given up after its attempts, loudly', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    const env = { ONBOARDING_EFFECT_MAX_ATTEMPTS: '3' };
    const outage = sesDown(true);
    await confirm(event, groups, 5_000, env); // attempt 1
    const dueAts: number[] = [];
    let ahead = 60_000;
    for (let sweepNo = 1; sweepNo <= 2; sweepNo++) {
      const pass = await sweep(groups, ahead, env); // attempts 2 and 3
      expect(pass.result!.pending).toBeGreaterThanOrEqual(1);
      const [entry] = await entriesOf(sub);
      expect(entry).toMatchObject({ sweeps: sweepNo });
      dueAts.push(Number(entry!.dueAt) - Date.now());
      ahead = Number(entry!.dueAt) - Date.now() + 1_000;
    }
    // Each later: 1 minute, then 2 minutes past the sweep's own time.
    expect(dueAts[1]! - dueAts[0]!).toBeGreaterThan(60_000);
    const last = await sweep(groups, ahead, env);
    expect(last.result!.settled).toBeGreaterThanOrEqual(1);
    expect(last.output).toContain('"OnboardingEffectAbandoned":1');
    expect(logLines(last.output)).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'onboarding effect abandoned: every attempt failed',
        step: 'welcomeSentAt',
        attempts: 3,
      }),
    );
    expect(await onboardingItem(sub)).toMatchObject({
      'closed:welcomeSentAt': 'attempts-exhausted',
      'attempts:welcomeSentAt': 3,
    });
    expect(await entriesOf(sub)).toEqual([]);
    outage.mockRestore();
    await confirm(event, groups, 5_000, env);
    await sweep(groups, 3_600_000, env);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(0);
    expect(Object.fromEntries(groups.calls)).toEqual({ members: 1, beta: 1 });
  });

  it('a password-changed notice of unknown outcome: not resent by Cognito retries, resent by the sweeper after the pause (at least once)', async () => {
    const groups = groupsStub();
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    acceptThenLoseAnswer(false);
    await confirm(event, groups, 5_000);
    await confirm(event, groups);
    await confirm(event, groups);
    await sweep(groups);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    // A minute later (the pause past Cognito's retries), the sweeper sends it again: a duplicate
    // security notice rather than none.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    await sweep(groups);
    vi.mocked(Date.now).mockRestore();
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(2);
    expect(await entriesOf(sub)).toEqual([]);
  }, 15_000);
});

describe('attack: the sweeper mails no one else, and no one twice', () => {
  it('what the client sends (metadata, a changed address on a replay) cannot redirect or repeat the welcome mail', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    event.request.clientMetadata = {
      email: 'victim@example.org',
      to: 'victim@example.org',
      effects: JSON.stringify([
        { step: 'welcomeSentAt', type: 'mail', kind: 'welcome', to: 'victim@example.org' },
      ]),
    };
    await confirm(event, groups, 1_500); // the mail deferred to the sweeper
    // A later delivery of the event with another address runs what the first recorded, not its own.
    const replay = structuredClone(event);
    replay.request.userAttributes.email = 'victim@example.org';
    await confirm(replay, groups);
    await Promise.all([sweep(groups), sweep(groups)]);
    expect(await mailsTo('victim@example.org')).toHaveLength(0);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
  });

  it('the handler refuses what is not a scheduled event, and a scheduled one steers nothing', async () => {
    const { handler } = await import('../../functions/onboarding-sweeper.js');
    const forged = {
      source: 'gatehouse.client',
      'detail-type': 'Scheduled Event',
      time: new Date().toISOString(),
    };
    const refused = await captureOutput(() => handler(forged, lambdaContext('onboarding-sweeper')));
    expect((refused.error as Error).message).not.toMatch(/valibot|source|aws\.events/);
    expect(logLines(refused.output)).toContainEqual(
      expect.objectContaining({ message: 'invalid event', path: 'source' }),
    );
    const scheduled = sampleEvent<Record<string, unknown>>('scheduled-sweep');
    scheduled.detail = { to: 'victim@example.org', userName: 'victim' };
    const answered = await captureOutput(() => handler(scheduled, lambdaContext('onboarding-sweeper')));
    expect(answered.error).toBeUndefined();
    expect(answered.result).toMatchObject({ entries: expect.any(Number), unreadable: 0 });
    expect(await mailsTo('victim@example.org')).toHaveLength(0);
  });

  it('an unreadable outbox entry is set aside, logged and counted, and the others are still swept', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    await confirm(event, groups, 1_500);
    const bad = {
      pk: 'OUTBOX#0',
      sk: `ENTRY#USER#${sub}-bad#ONBOARDING`,
      itemPk: `USER#${sub}-bad`,
      itemSk: 'ONBOARDING',
      effects: [
        {
          step: 'notifiedAt',
          type: 'mail',
          kind: 'private-note-for-z@example.org',
          to: 'z@example.org',
          values: {},
        },
        { step: 'welcomeSentAt', type: 'mail', kind: 'welcome', to: 'x@example.org', bcc: 'y@example.org' },
      ],
      dueAt: 0,
    };
    await table.documentClient().send(new PutCommand({ TableName: local.dynamo.tableName, Item: bad }));
    const swept = await sweep(groups);
    expect(swept.result).toMatchObject({ unreadable: 1 });
    expect(swept.result!.settled).toBeGreaterThanOrEqual(1);
    expect(swept.output).toContain('"OnboardingEffectAbandoned":1');
    expect(logLines(swept.output)).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'onboarding outbox entry unreadable; set aside for a day',
      }),
    );
    // The log names what was expected where, never a value the entry holds.
    expect(swept.output).not.toMatch(/[xyz]@example\.org/);
    expect(await mailsTo('x@example.org')).toHaveLength(0);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    const setAside = (await local.dynamo.scan()).find((item) => item.sk === bad.sk);
    expect(Number(setAside?.dueAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);
  });
});

import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CognitoSender } from '../../shared/aws/cognito.js';
import { loadSettings } from '../../shared/config/settings.js';
import type { PostConfirmationEvent } from '../../shared/events/index.js';
import type { OnboardingDependencies } from '../../shared/onboarding/index.js';
import { onboardingSettingSpecs } from '../../shared/onboarding/settings.js';
import { useLocalEmulators } from '../support/emulators.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput } from '../support/logs.js';

/**
 * Post confirmation against dynalite (profile, markers, security events) and the SES emulator
 * (mail). Group membership goes through a stand-in for the Cognito client that implements only
 * AdminAddUserToGroup, idempotently as Cognito does (cognito-local has no groups to speak of).
 * Faults: one failing call of one client, stubbed for that call only.
 */
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
let onboarding: typeof import('../../shared/onboarding/index.js');
let table: typeof import('../../shared/storage/table.js');
let mailClient: typeof import('../../shared/mail/ses.js');

beforeAll(async () => {
  onboarding = await import('../../shared/onboarding/index.js');
  table = await import('../../shared/storage/table.js');
  mailClient = await import('../../shared/mail/ses.js');
});
beforeEach(async () => local.ses.clear());
afterEach(() => vi.restoreAllMocks());

/**
 * Group memberships, as a set: adding a member twice is a no-op, as in Cognito. Each call takes
 * a few milliseconds, as a call to Cognito does, so concurrent invocations overlap.
 */
function groupsStub() {
  const members = new Map<string, Set<string>>();
  const callsPerGroup = new Map<string, number>();
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof AdminAddUserToGroupCommand)) throw new Error('unexpected command');
      const { GroupName, Username } = command.input;
      callsPerGroup.set(GroupName!, (callsPerGroup.get(GroupName!) ?? 0) + 1);
      await new Promise((resume) => setTimeout(resume, 15));
      if (!members.has(GroupName!)) members.set(GroupName!, new Set());
      members.get(GroupName!)!.add(Username!);
      return {};
    },
  } as unknown as CognitoSender;
  const calls = () => [...callsPerGroup.values()].reduce((sum, n) => sum + n, 0);
  return { client, members, callsPerGroup, calls };
}

let users = 0;
/** A ConfirmSignUp event of a new user (own sub and address), so tests do not share items. */
function confirmEvent(source = 'PostConfirmation_ConfirmSignUp'): PostConfirmationEvent {
  const event = sampleEvent<PostConfirmationEvent>(source);
  const id = `user-${++users}-${Math.random().toString(36).slice(2, 8)}`;
  event.userName = id;
  event.request.userAttributes.sub = id;
  event.request.userAttributes.email = `${id}@example.com`;
  return event;
}

const settings = (env: Record<string, string> = {}) =>
  loadSettings(onboardingSettingSpecs, { env, file: { onboarding: { defaultGroups: ['members', 'beta'] } } });

/** Dependencies of one test: the two default groups, the given Cognito stand-in and clock. */
const depsOf = (overrides: Partial<OnboardingDependencies> = {}) =>
  onboarding.onboardingDependencies({
    settings: settings(),
    cognito: () => groupsStub().client,
    ...overrides,
  });

/** A sweep as the schedule would run it once every entry is due (after the grace post confirmation gets). */
const sweepLater = (groups = groupsStub()) =>
  captureOutput(() =>
    onboarding.sweepOutbox(
      onboarding.sweeperDependencies({
        settings: settings(),
        cognito: () => groups.client,
        now: () => Date.now() + 60_000,
      }),
    ),
  );

/** Every entry of the onboarding outbox. */
async function outboxEntries() {
  return (await local.dynamo.scan()).filter((item) => String(item.pk).startsWith('OUTBOX#'));
}

async function itemsOf(sub: string) {
  return (await local.dynamo.scan()).filter((item) => item.pk === `USER#${sub}`);
}

async function mailsTo(address: string) {
  return (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address));
}

/**
 * Starts an invocation that claims the welcome mail and then hangs inside SES for good (frozen, as
 * a Lambda past its timeout: it never releases its claim); resolves once its lease stands.
 */
async function freezeInWelcomeMail(event: PostConfirmationEvent, deps: OnboardingDependencies) {
  vi.spyOn(mailClient.sesClient({ singleAttempt: true }), 'send').mockImplementationOnce(
    () => new Promise(() => {}),
  );
  void onboarding.postConfirmation(structuredClone(event), deps);
  await vi.waitFor(
    async () => {
      const item = (await itemsOf(event.request.userAttributes.sub!)).find((i) => i.sk === 'ONBOARDING');
      expect(item, JSON.stringify(item)).toHaveProperty(['lease:welcomeSentAt']);
    },
    { timeout: 3_000, interval: 100 },
  );
}

/** Counts the store calls by command while the test runs on (the real client does them). */
function countStoreCalls() {
  const client = table.documentClient();
  const send = client.send.bind(client);
  const counts: Record<string, number> = {};
  vi.spyOn(client, 'send').mockImplementation(((command: object) => {
    counts[command.constructor.name] = (counts[command.constructor.name] ?? 0) + 1;
    return send(command as never);
  }) as never);
  return () => ({ ...counts });
}

/** Fails the first call of one step's client, then lets every call through. */
const faults = {
  profile: () => {
    const send = table.documentClient().send.bind(table.documentClient());
    let failed = false;
    vi.spyOn(table.documentClient(), 'send').mockImplementation(((command: {
      input: { Item?: { sk?: string } };
    }) => {
      if (!failed && command.input.Item?.sk === 'PROFILE') {
        failed = true;
        return Promise.reject(
          Object.assign(new Error('Throughput exceeded'), {
            name: 'ProvisionedThroughputExceededException',
            $metadata: { httpStatusCode: 400 },
          }),
        );
      }
      return send(command as never);
    }) as never);
  },
  group: (groups: ReturnType<typeof groupsStub>) => {
    vi.spyOn(groups.client, 'send').mockRejectedValueOnce(
      Object.assign(new Error('Rate exceeded'), {
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
  },
  /** SES refuses the next mail of this kind (the welcome mail goes through the single-attempt client). */
  mail: (kind: 'welcome' | 'password-changed' = 'welcome') => {
    vi.spyOn(mailClient.sesClient({ singleAttempt: kind === 'welcome' }), 'send').mockRejectedValueOnce(
      Object.assign(new Error('Maximum sending rate exceeded'), {
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 429 },
      }),
    );
  },
};

describe('post confirmation on ConfirmSignUp', () => {
  it('creates the profile, adds the default groups and sends one welcome mail', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const deps = depsOf({ cognito: () => groups.client });
    await onboarding.postConfirmation(event, deps);
    const sub = event.request.userAttributes.sub!;
    const items = await itemsOf(sub);
    expect(items.find((i) => i.sk === 'PROFILE')).toMatchObject({
      email: `${sub}@example.com`,
      given_name: 'Jane',
      userName: sub,
    });
    expect(items.find((i) => i.sk === 'ONBOARDING')).toMatchObject({
      'group:members': expect.any(String),
      'group:beta': expect.any(String),
      welcomeSentAt: expect.any(String),
    });
    expect([...groups.members.keys()]).toEqual(['members', 'beta']);
    const mails = await mailsTo(`${sub}@example.com`);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ subject: 'Welcome to Gatehouse' });
  });

  it('invoked three times with the same event: one profile, one mail, each group call once', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const deps = depsOf({ cognito: () => groups.client });
    for (let i = 0; i < 3; i++) await onboarding.postConfirmation(structuredClone(event), deps);
    const sub = event.request.userAttributes.sub!;
    const items = await itemsOf(sub);
    expect(items.filter((i) => i.sk === 'PROFILE')).toHaveLength(1);
    expect(items.map((i) => i.sk).sort()).toEqual(['ONBOARDING', 'PROFILE']);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    expect(groups.calls()).toBe(2);
  });

  it('attack: 10 simultaneous identical invocations: one profile, one welcome mail, one call per group', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    const deps = depsOf({ cognito: () => groups.client });
    const runs = Array.from({ length: 10 }, () => onboarding.postConfirmation(structuredClone(event), deps));
    await Promise.all(runs);
    const items = await itemsOf(sub);
    expect(items.filter((i) => i.sk === 'PROFILE')).toHaveLength(1);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    expect(Object.fromEntries(groups.callsPerGroup)).toEqual({ members: 1, beta: 1 });
    // One claim per effect succeeded: one attempt each, no lease left.
    expect(items.find((i) => i.sk === 'ONBOARDING')).toEqual({
      pk: `USER#${sub}`,
      sk: 'ONBOARDING',
      'group:members': expect.any(String),
      'group:beta': expect.any(String),
      welcomeSentAt: expect.any(String),
      'attempts:group:members': 1,
      'attempts:group:beta': 1,
      'attempts:welcomeSentAt': 1,
    });
    expect(await outboxEntries()).toEqual([]);
  });

  it('claims each effect before it runs: the store calls of one sign-up, and of a retry after it', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const deps = depsOf({ cognito: () => groups.client });
    const calls = countStoreCalls();
    await onboarding.postConfirmation(structuredClone(event), deps);
    // The profile and outbox entry puts (the new profile says nothing is done yet: no read), then a
    // claim and a done marker per effect (2 groups, mail), and the entry deleted once all are done.
    expect(calls()).toEqual({ PutCommand: 2, UpdateCommand: 6, DeleteCommand: 1 });
    vi.restoreAllMocks();
    const retry = countStoreCalls();
    await onboarding.postConfirmation(structuredClone(event), deps);
    // A retry repeats the (refused) profile put and the entry put, reads the steps, finds every
    // effect done and deletes the entry its put wrote again.
    expect(retry()).toEqual({ PutCommand: 2, GetCommand: 1, DeleteCommand: 1 });
    expect(await outboxEntries()).toEqual([]);
  });

  it('attack: an invocation that died holding the welcome mail: the retry neither resends it nor loses the groups', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    // Enough time to start a mail (3 s), then frozen inside SES: it may or may not have sent it.
    await freezeInWelcomeMail(event, depsOf({ cognito: () => groups.client, deadline: Date.now() + 5_000 }));
    await vi.waitFor(
      async () => {
        const item = (await itemsOf(sub)).find((i) => i.sk === 'ONBOARDING');
        expect(Number(item?.['lease:welcomeSentAt'])).toBeLessThan(Date.now());
      },
      { timeout: 7_000, interval: 200 },
    );
    // Cognito's retry finds the lapsed lease: an unknown outcome, and the welcome mail is at most once.
    const retry = await captureOutput(() =>
      onboarding.postConfirmation(structuredClone(event), depsOf({ cognito: () => groups.client })),
    );
    expect(retry.error).toBeUndefined();
    expect(retry.output).toContain('"OnboardingEffectOutcomeUnknown":1');
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(0);
    const item = (await itemsOf(sub)).find((i) => i.sk === 'ONBOARDING');
    expect(item).toMatchObject({ 'closed:welcomeSentAt': 'outcome-unknown' });
    expect(item).not.toHaveProperty(['lease:welcomeSentAt']);
    expect(Object.fromEntries(groups.callsPerGroup)).toEqual({ members: 1, beta: 1 });
    expect(await outboxEntries()).toEqual([]);
  }, 15_000);

  it('leaves an effect to a live claim that outlasts its own deadline, without running it', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const sub = event.request.userAttributes.sub!;
    await freezeInWelcomeMail(event, depsOf({ cognito: () => groups.client, deadline: Date.now() + 60_000 }));
    const second = await captureOutput(() => onboarding.postConfirmation(structuredClone(event), depsOf()));
    expect(second.error).toBeUndefined();
    expect(second.output).toContain('onboarding effect left to the invocation that holds it');
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(0);
  });

  it.each(['profile', 'group', 'mail'] as const)(
    'a failing %s step: completed later (profile: by the retry; group, mail: by the sweeper); one profile, one mail, every group',
    async (step) => {
      const groups = groupsStub();
      const event = confirmEvent();
      const sub = event.request.userAttributes.sub!;
      const deps = depsOf({ cognito: () => groups.client });
      if (step === 'profile') faults.profile();
      if (step === 'group') faults.group(groups);
      if (step === 'mail') faults.mail();

      const first = await captureOutput(() => onboarding.postConfirmation(structuredClone(event), deps));
      // Only the profile blocks: without it nothing else ran; the others are logged and left to the
      // sweeper (Cognito got its answer: no invocation follows).
      if (step === 'profile') {
        expect(first.error).toMatchObject({ name: 'ProvisionedThroughputExceededException' });
        expect(await itemsOf(sub)).toEqual([]);
        await onboarding.postConfirmation(structuredClone(event), deps);
      } else {
        expect(first.error).toBeUndefined();
        expect(first.output).toContain('onboarding effect failed; the sweeper runs it again');
        expect(first.output).toContain('"OnboardingEffectDeferred":1');
      }
      await sweepLater(groups);
      await sweepLater(groups);
      const items = await itemsOf(sub);
      expect(items.filter((i) => i.sk === 'PROFILE')).toHaveLength(1);
      expect(items.find((i) => i.sk === 'ONBOARDING')).toMatchObject({
        'group:members': expect.any(String),
        'group:beta': expect.any(String),
        welcomeSentAt: expect.any(String),
      });
      expect(groups.members.get('members')).toEqual(new Set([sub]));
      expect(groups.members.get('beta')).toEqual(new Set([sub]));
      expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    },
  );

  it('fails the invocation on a failing mail when configured to block', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const deps = depsOf({
      settings: settings({ ONBOARDING_BLOCK_ON_FAILURE: 'true' }),
      cognito: () => groups.client,
    });
    faults.mail();
    const first = await captureOutput(() => onboarding.postConfirmation(structuredClone(event), deps));
    expect(first.error).toMatchObject({ name: 'TooManyRequestsException' });
    await sweepLater(groups);
    expect(await mailsTo(`${event.request.userAttributes.sub}@example.com`)).toHaveLength(1);
  });

  it('attack: a URL in given_name reaches the welcome mail (SES) in no link-shaped form, HTML or text', async () => {
    const event = confirmEvent();
    event.request.userAttributes.given_name =
      'Jane, verify at https://evil.example/login or www.evil.example';
    await onboarding.postConfirmation(event, depsOf());
    const [mail] = await mailsTo(event.request.userAttributes.email!);
    expect(mail).toBeDefined();
    for (const part of [mail!.body.html, mail!.body.text, mail!.subject]) {
      expect(part).not.toMatch(/evil\.example|https:\/\/evil/);
    }
    expect(mail!.body.text).toContain('https[:]//evil[.]example/login');
  });

  it('sends no welcome mail when turned off, or to a user without email', async () => {
    const groups = groupsStub();
    const off = depsOf({
      settings: settings({ ONBOARDING_WELCOME_MAIL: 'false' }),
      cognito: () => groups.client,
    });
    const event = confirmEvent();
    await onboarding.postConfirmation(event, off);
    const noEmail = confirmEvent();
    delete noEmail.request.userAttributes.email;
    await onboarding.postConfirmation(noEmail, { ...off, settings: settings() });
    expect(await local.ses.mails()).toHaveLength(0);
    expect(await itemsOf(noEmail.request.userAttributes.sub!)).toHaveLength(2);
  });
});

describe('post confirmation on ConfirmForgotPassword', () => {
  const NOW = Date.parse('2026-03-14T09:26:03.120Z');
  const securityEvents = async (sub: string) =>
    (await itemsOf(sub)).filter((i) => String(i.sk).startsWith('SECURITY#'));

  it('records one security event and one notification, however often Cognito retries within its window', async () => {
    const groups = groupsStub();
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    for (const offset of [0, 5_000, 15_000]) {
      const deps = depsOf({ cognito: () => groups.client, now: () => NOW + offset });
      await onboarding.postConfirmation(structuredClone(event), deps);
    }
    const records = await securityEvents(sub);
    expect(records).toEqual([
      expect.objectContaining({
        sk: expect.stringMatching(/^SECURITY#2026-03-14T09:26:03\.120Z#password-changed#[0-9a-f-]{36}$/),
        kind: 'password-changed',
        notifiedAt: expect.any(String),
      }),
    ]);
    const mails = await mailsTo(`${sub}@example.com`);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ subject: 'Your Gatehouse password was changed' });
    expect(groups.calls()).toBe(0);
  });

  it('attack: 10 simultaneous identical ConfirmForgotPassword invocations: one record, one mail', async () => {
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    const deps = depsOf();
    await Promise.all(
      Array.from({ length: 10 }, () => onboarding.postConfirmation(structuredClone(event), deps)),
    );
    expect(await securityEvents(sub)).toHaveLength(1);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
  });

  it('attack: a second reset in the same minute is recorded and mailed too (not keyed by the minute)', async () => {
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    // 09:26:03 and 09:26:40: one minute, two resets (the second after Cognito's retry window).
    for (const at of [NOW, NOW + 37_000]) {
      await onboarding.postConfirmation(structuredClone(event), depsOf({ now: () => at }));
      await onboarding.postConfirmation(structuredClone(event), depsOf({ now: () => at + 1_000 }));
    }
    const records = await securityEvents(sub);
    expect(records.map((r) => r.at).sort()).toEqual(['2026-03-14T09:26:03.120Z', '2026-03-14T09:26:40.120Z']);
    expect(new Set(records.map((r) => r.resetId)).size).toBe(2);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(2);
  });

  it('clears the compromised-credential flag on the sub and the migrated username profiles, creating none', async () => {
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    event.userName = `Legacy.${sub}`;
    const legacy = `NAME#${event.userName.toLowerCase()}`;
    for (const owner of [sub, legacy]) {
      await local.dynamo.client.send(
        new PutItemCommand({
          TableName: local.dynamo.tableName,
          Item: { pk: { S: `USER#${owner}` }, sk: { S: 'PROFILE' }, compromisedCredentials: { BOOL: true } },
        }),
      );
    }
    const deps = depsOf({ now: () => NOW });
    await onboarding.postConfirmation(structuredClone(event), deps);
    await onboarding.postConfirmation(structuredClone(event), deps);
    const profiles = (await local.dynamo.scan()).filter(
      (i) => i.sk === 'PROFILE' && [`USER#${sub}`, `USER#${legacy}`].includes(i.pk as string),
    );
    expect(profiles).toHaveLength(2);
    for (const profile of profiles) expect(profile).not.toHaveProperty('compromisedCredentials');

    const clean = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    await onboarding.postConfirmation(clean, deps);
    expect((await itemsOf(clean.request.userAttributes.sub!)).map((i) => i.sk)).not.toContain('PROFILE');
  });

  it("attack: a username equal to another user's sub does not clear that user's compromised-credential flag", async () => {
    const victim = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const victimSub = victim.request.userAttributes.sub!;
    await local.dynamo.client.send(
      new PutItemCommand({
        TableName: local.dynamo.tableName,
        Item: {
          pk: { S: `USER#${victimSub}` },
          sk: { S: 'PROFILE' },
          compromisedCredentials: { BOOL: true },
        },
      }),
    );
    const attacker = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    attacker.userName = victimSub;
    await onboarding.postConfirmation(attacker, depsOf({ now: () => NOW }));
    const [profile] = (await itemsOf(victimSub)).filter((i) => i.sk === 'PROFILE');
    expect(profile).toMatchObject({ compromisedCredentials: true });
    expect(await itemsOf(victimSub)).toHaveLength(1);
  });

  it('sends the notification after a failed mail through the sweeper, and only once', async () => {
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    const deps = depsOf({ now: () => NOW });
    faults.mail('password-changed');
    const first = await captureOutput(() => onboarding.postConfirmation(structuredClone(event), deps));
    expect(first.output).toContain('onboarding effect failed; the sweeper runs it again');
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(0);
    // Cognito got its answer: the sweeper sends it, and a later sweep does not again.
    await sweepLater();
    await sweepLater();
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    expect(await securityEvents(sub)).toEqual([expect.objectContaining({ notifiedAt: expect.any(String) })]);
  });

  it('creates no profile and sends nothing when notifications are off', async () => {
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const deps = depsOf({
      settings: settings({ ONBOARDING_PASSWORD_CHANGED_MAIL: 'false' }),
      now: () => NOW,
    });
    await onboarding.postConfirmation(event, deps);
    const items = await itemsOf(event.request.userAttributes.sub!);
    expect(items.map((i) => String(i.sk).split('#')[0]).sort()).toEqual(['RESET', 'SECURITY']);
    expect(await local.ses.mails()).toHaveLength(0);
  });
});

describe('the post-confirmation handler', () => {
  it.each(['PostConfirmation_ConfirmSignUp', 'PostConfirmation_ConfirmForgotPassword'])(
    'answers %s with the event',
    async (source) => {
      const { handler } = await import('../../functions/post-confirmation.js');
      const event = sampleEvent<PostConfirmationEvent>(source);
      const { result, error } = await captureOutput(() => handler(event, lambdaContext()));
      expect(error).toBeUndefined();
      expect(result).toMatchObject({ triggerSource: source, response: {} });
    },
  );
});

import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import type { PostConfirmationEvent } from '../../shared/events/index.js';
import { onboardingSettingSpecs } from '../../shared/onboarding/settings.js';
import type { CognitoSender } from '../../shared/sign-up/cognito.js';
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

/** Group memberships, as a set: adding a member twice is a no-op, as in Cognito. */
function groupsStub() {
  const members = new Map<string, Set<string>>();
  let calls = 0;
  const client = {
    send: async (command: unknown) => {
      if (!(command instanceof AdminAddUserToGroupCommand)) throw new Error('unexpected command');
      calls++;
      const { GroupName, Username } = command.input;
      if (!members.has(GroupName!)) members.set(GroupName!, new Set());
      members.get(GroupName!)!.add(Username!);
      return {};
    },
  } as unknown as CognitoSender;
  return { client, members, calls: () => calls };
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

async function itemsOf(sub: string) {
  return (await local.dynamo.scan()).filter((item) => item.pk === `USER#${sub}`);
}

async function mailsTo(address: string) {
  return (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address));
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
          }),
        );
      }
      return send(command as never);
    }) as never);
  },
  group: (groups: ReturnType<typeof groupsStub>) => {
    vi.spyOn(groups.client, 'send').mockRejectedValueOnce(
      Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }),
    );
  },
  mail: () => {
    vi.spyOn(mailClient.sesClient(), 'send').mockRejectedValueOnce(
      Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' }),
    );
  },
};

describe('post confirmation on ConfirmSignUp', () => {
  it('creates the profile, adds the default groups and sends one welcome mail', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const deps = { settings: settings(), cognito: () => groups.client, now: Date.now };
    await onboarding.postConfirmation(event, deps);
    const sub = event.request.userAttributes.sub!;
    const items = await itemsOf(sub);
    expect(items.find((i) => i.sk === 'PROFILE')).toMatchObject({
      email: `${sub}@example.com`,
      given_name: 'Jane',
      userName: sub,
    });
    expect(items.find((i) => i.sk === 'ONBOARDING')).toMatchObject({
      profileCreatedAt: expect.any(String),
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
    const deps = { settings: settings(), cognito: () => groups.client, now: Date.now };
    for (let i = 0; i < 3; i++) await onboarding.postConfirmation(structuredClone(event), deps);
    const sub = event.request.userAttributes.sub!;
    const items = await itemsOf(sub);
    expect(items.filter((i) => i.sk === 'PROFILE')).toHaveLength(1);
    expect(items.map((i) => i.sk).sort()).toEqual(['ONBOARDING', 'PROFILE']);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    expect(groups.calls()).toBe(2);
  });

  it('invoked three times concurrently: still one profile', async () => {
    const groups = groupsStub();
    const event = confirmEvent();
    const deps = { settings: settings(), cognito: () => groups.client, now: Date.now };
    await Promise.all([0, 1, 2].map(() => onboarding.postConfirmation(structuredClone(event), deps)));
    const items = await itemsOf(event.request.userAttributes.sub!);
    expect(items.filter((i) => i.sk === 'PROFILE')).toHaveLength(1);
  });

  it.each(['profile', 'group', 'mail'] as const)(
    'a failing %s step: the next invocation completes it; one profile, one mail, every group',
    async (step) => {
      const groups = groupsStub();
      const event = confirmEvent();
      const sub = event.request.userAttributes.sub!;
      const deps = { settings: settings(), cognito: () => groups.client, now: Date.now };
      if (step === 'profile') faults.profile();
      if (step === 'group') faults.group(groups);
      if (step === 'mail') faults.mail();

      const first = await captureOutput(() => onboarding.postConfirmation(structuredClone(event), deps));
      // Only the profile blocks: without it nothing else ran; the others are logged and left.
      if (step === 'profile') {
        expect(first.error).toMatchObject({ name: 'ProvisionedThroughputExceededException' });
        expect(await itemsOf(sub)).toEqual([]);
      } else {
        expect(first.error).toBeUndefined();
        expect(first.output).toContain('onboarding step failed');
      }

      await onboarding.postConfirmation(structuredClone(event), deps);
      await onboarding.postConfirmation(structuredClone(event), deps);
      const items = await itemsOf(sub);
      expect(items.filter((i) => i.sk === 'PROFILE')).toHaveLength(1);
      expect(items.find((i) => i.sk === 'ONBOARDING')).toMatchObject({
        profileCreatedAt: expect.any(String),
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
    const deps = {
      settings: settings({ ONBOARDING_BLOCK_ON_FAILURE: 'true' }),
      cognito: () => groups.client,
      now: Date.now,
    };
    faults.mail();
    const first = await captureOutput(() => onboarding.postConfirmation(structuredClone(event), deps));
    expect(first.error).toMatchObject({ name: 'TooManyRequestsException' });
    await onboarding.postConfirmation(structuredClone(event), deps);
    expect(await mailsTo(`${event.request.userAttributes.sub}@example.com`)).toHaveLength(1);
  });

  it('sends no welcome mail when turned off, or to a user without email', async () => {
    const groups = groupsStub();
    const off = {
      settings: settings({ ONBOARDING_WELCOME_MAIL: 'false' }),
      cognito: () => groups.client,
      now: Date.now,
    };
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
  const NOW = Date.parse('2026-03-14T09:26:53.120Z');

  it('records one security event and one notification, however often retried within the minute', async () => {
    const groups = groupsStub();
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    for (const offset of [0, 2_000, 5_000]) {
      const deps = { settings: settings(), cognito: () => groups.client, now: () => NOW + offset };
      await onboarding.postConfirmation(structuredClone(event), deps);
    }
    const items = await itemsOf(sub);
    expect(items).toEqual([
      expect.objectContaining({
        sk: 'SECURITY#2026-03-14T09:26:00.000Z#password-changed',
        kind: 'password-changed',
      }),
    ]);
    const mails = await mailsTo(`${sub}@example.com`);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ subject: 'Your Gatehouse password was changed' });
    expect(groups.calls()).toBe(0);
  });

  it('clears the compromised-credential flag on the sub and the migrated username profiles, creating none', async () => {
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    event.userName = `Legacy.${sub}`;
    const legacy = event.userName.toLowerCase();
    for (const owner of [sub, legacy]) {
      await local.dynamo.client.send(
        new PutItemCommand({
          TableName: local.dynamo.tableName,
          Item: { pk: { S: `USER#${owner}` }, sk: { S: 'PROFILE' }, compromisedCredentials: { BOOL: true } },
        }),
      );
    }
    const deps = { settings: settings(), cognito: () => groupsStub().client, now: () => NOW };
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

  it('sends the notification on the retry after a failed mail, and only once', async () => {
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const sub = event.request.userAttributes.sub!;
    const deps = { settings: settings(), cognito: () => groupsStub().client, now: () => NOW };
    faults.mail();
    const first = await captureOutput(() => onboarding.postConfirmation(structuredClone(event), deps));
    expect(first.output).toContain('password-changed mail failed');
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(0);
    await onboarding.postConfirmation(structuredClone(event), deps);
    await onboarding.postConfirmation(structuredClone(event), deps);
    expect(await mailsTo(`${sub}@example.com`)).toHaveLength(1);
    expect(await itemsOf(sub)).toEqual([expect.objectContaining({ notifiedAt: expect.any(String) })]);
  });

  it('creates no profile and sends nothing when notifications are off', async () => {
    const event = confirmEvent('PostConfirmation_ConfirmForgotPassword');
    const deps = {
      settings: settings({ ONBOARDING_PASSWORD_CHANGED_MAIL: 'false' }),
      cognito: () => groupsStub().client,
      now: () => NOW,
    };
    await onboarding.postConfirmation(event, deps);
    const items = await itemsOf(event.request.userAttributes.sub!);
    expect(items.map((i) => i.kind)).toEqual(['password-changed']);
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

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalSns, startLocalSns } from '../../scripts/local/emulators.js';
import { functionLoaders, localContext } from '../../scripts/local/registry.js';
import { sampleKeySettings } from '../../scripts/local/sample-keys.js';
import { SAMPLE_CODE } from '../../scripts/samples.js';
import { codeDigest, readMagicLink } from '../../shared/custom-auth/codes.js';
import { GENERIC_USER_MESSAGE } from '../../shared/errors/index.js';
import { metricsNamed } from '../support/emf.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { captureOutput, logLines } from '../support/logs.js';

/**
 * The attack on the custom senders' "send once": the provider accepts the message and its answer
 * comes after every deadline (an overloaded SES or SNS). A sender that let the SDK retry the
 * attempt, or released its marker so that Lambda's retry sends, would deliver the code twice.
 * Through the real handlers (one SES attempt, one SNS attempt), the SES emulator and the local
 * SNS outbox behind a fault proxy; the senders' 10-second budget (serverless.yml).
 */
const MAGIC_LINK_SECRET = 'a-magic-link-secret-of-at-least-32-characters';
const MAGIC_LINK_URL = 'https://app.example.com/sign-in/link';
const local = useLocalEmulators({
  SES_FROM_ADDRESS: 'auth@gatehouse.test',
  GATEHOUSE_MAGIC_LINK_SECRET: MAGIC_LINK_SECRET,
  GATEHOUSE_MAGIC_LINK_URL: MAGIC_LINK_URL,
});
let sns: LocalSns;
let sesProxy: FaultProxy;
let snsProxy: FaultProxy;

const SENDER_TIMEOUT_MS = 10_000;

beforeAll(async () => {
  sns = await startLocalSns();
  [sesProxy, snsProxy] = await Promise.all([
    startFaultProxy(local.ses.endpoint, 'aws-rest-json'),
    startFaultProxy(sns.endpoint, 'aws-query'),
  ]);
  Object.assign(process.env, sampleKeySettings(process.env), {
    SES_ENDPOINT: sesProxy.endpoint,
    SNS_ENDPOINT: snsProxy.endpoint,
  });
});

afterAll(async () => {
  await Promise.all([sesProxy?.stop(), snsProxy?.stop(), sns?.stop()]);
});

beforeEach(() => {
  sesProxy.set({ kind: 'none' });
  snsProxy.set({ kind: 'none' });
});

/** One invocation as Lambda makes it (the first, or an asynchronous retry of the same event). */
async function invoke(fn: 'custom-email-sender' | 'custom-sms-sender', event: unknown) {
  const { handler } = await functionLoaders[fn]!();
  const started = performance.now();
  const { error, output } = await captureOutput(() => handler(event, localContext(fn, SENDER_TIMEOUT_MS)));
  return { error, output, ms: performance.now() - started };
}

/** The channels a captured invocation counted `name` under (one entry per emitted value). */
function counted(output: string, name: string): string[] {
  return metricsNamed(output, name).flatMap((metric) => metric.dimensionSets.map((set) => set.channel!));
}

function senderEvent(source: string) {
  const event = sampleEvent<any>(source);
  const id = Math.random().toString(36).slice(2, 10);
  event.userName = `once-${id}`;
  event.request.userAttributes.email = `once-${id}@example.org`;
  event.request.userAttributes.phone_number = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  return event;
}

describe('a custom sender whose message the provider accepted but answered after the deadline', () => {
  it('email: SES has the mail once after the first invocation and both Lambda retries', async () => {
    const event = senderEvent('CustomEmailSender_SignUp');
    const to = event.request.userAttributes.email;
    sesProxy.set({ kind: 'slow-answer', ms: 15_000 });
    const first = await invoke('custom-email-sender', event);
    // One SES attempt, cut by its own 3 s limit: no second attempt inside the SDK.
    expect(sesProxy.requests()).toBe(1);
    expect(first.error).toBeUndefined();
    expect(first.ms).toBeLessThan(SENDER_TIMEOUT_MS);
    expect(logLines(first.output)).toContainEqual(
      expect.objectContaining({ message: 'message outcome unknown: not resent (at most once)' }),
    );
    // Its own metric: not a failure, since nothing retries it and the on-failure queue never holds it.
    expect(counted(first.output, 'DeliveryOutcomeUnknown')).toEqual(['email']);
    expect(counted(first.output, 'DeliveryFailed')).toEqual([]);
    expect(counted(first.output, 'Delivered')).toEqual([]);
    // Lambda's two asynchronous retries, SES healthy again.
    sesProxy.set({ kind: 'none' });
    const retries = [await invoke('custom-email-sender', event), await invoke('custom-email-sender', event)];
    expect(sesProxy.requests()).toBe(0);
    expect(retries.map((retry) => retry.error)).toEqual([undefined, undefined]);
    const mails = (await local.ses.mails()).filter((mail) => mail.destination.to.includes(to));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.body.text).toContain(SAMPLE_CODE);
    for (const { output } of [first, ...retries]) expect(output).not.toContain(SAMPLE_CODE);
  });

  it('SMS: SNS has the text once after the first invocation and both Lambda retries', async () => {
    const event = senderEvent('CustomSMSSender_SignUp');
    const phone = event.request.userAttributes.phone_number;
    snsProxy.set({ kind: 'slow-answer', ms: 15_000 });
    const first = await invoke('custom-sms-sender', event);
    expect(snsProxy.requests()).toBe(1);
    expect(first.error).toBeUndefined();
    expect(counted(first.output, 'DeliveryOutcomeUnknown')).toEqual(['sms']);
    expect(counted(first.output, 'DeliveryFailed')).toEqual([]);
    snsProxy.set({ kind: 'none' });
    await invoke('custom-sms-sender', event);
    await invoke('custom-sms-sender', event);
    expect(snsProxy.requests()).toBe(0);
    expect(sns.texts().filter((text) => text.phoneNumber === phone)).toHaveLength(1);
  });

  it('a send SES refused (503) is not closed: the retry mails it, once', async () => {
    const event = senderEvent('CustomEmailSender_ForgotPassword');
    const to = event.request.userAttributes.email;
    sesProxy.set({ kind: 'status', status: 503 });
    const first = await invoke('custom-email-sender', event);
    expect(first.error).toBeInstanceOf(Error);
    // A certain failure: counted as one, for Lambda's retry (and then the on-failure queue).
    expect(counted(first.output, 'DeliveryFailed')).toEqual(['email']);
    expect(counted(first.output, 'DeliveryOutcomeUnknown')).toEqual([]);
    sesProxy.set({ kind: 'none' });
    const retry = await invoke('custom-email-sender', event);
    await invoke('custom-email-sender', event);
    expect(counted(retry.output, 'Delivered')).toEqual(['email']);
    expect((await local.ses.mails()).filter((mail) => mail.destination.to.includes(to))).toHaveLength(1);
  });

  it('a text SNS refused (throttling) is a failure, thrown and counted as one: the retry texts it, once', async () => {
    const event = senderEvent('CustomSMSSender_Authentication');
    const phone = event.request.userAttributes.phone_number;
    snsProxy.set({ kind: 'throttle', error: 'ThrottlingException' });
    const first = await invoke('custom-sms-sender', event);
    expect(first.error).toBeInstanceOf(Error);
    expect(counted(first.output, 'DeliveryFailed')).toEqual(['sms']);
    expect(counted(first.output, 'DeliveryOutcomeUnknown')).toEqual([]);
    snsProxy.set({ kind: 'none' });
    await invoke('custom-sms-sender', event);
    await invoke('custom-sms-sender', event);
    expect(sns.texts().filter((text) => text.phoneNumber === phone)).toHaveLength(1);
  });

  it('a connection reset mid-call is an unknown outcome: counted as such, not thrown, never resent', async () => {
    const event = senderEvent('CustomEmailSender_ResendCode');
    const to = event.request.userAttributes.email;
    sesProxy.set({ kind: 'reset' });
    const first = await invoke('custom-email-sender', event);
    expect(first.error).toBeUndefined();
    expect(counted(first.output, 'DeliveryOutcomeUnknown')).toEqual(['email']);
    expect(counted(first.output, 'DeliveryFailed')).toEqual([]);
    sesProxy.set({ kind: 'none' });
    await invoke('custom-email-sender', event);
    expect(sesProxy.requests()).toBe(0);
    // The proxy reset it before SES saw it: the user asks for a new code (Cognito's resend).
    expect((await local.ses.mails()).filter((mail) => mail.destination.to.includes(to))).toHaveLength(0);
  });
});

/** A passwordless challenge's event: the app chose `method` at the provide-auth-parameters step. */
function passwordlessEvent(method: 'code' | 'magic-link') {
  const event = sampleEvent<any>('CreateAuthChallenge_Authentication');
  const id = Math.random().toString(36).slice(2, 10);
  event.userName = `code-${id}`;
  event.request.userAttributes.email = `code-${id}@example.org`;
  event.request.session = [
    {
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: false,
      challengeMetadata: 'PROVIDE_AUTH_PARAMETERS',
    },
  ];
  event.request.clientMetadata = { signInMethod: method };
  return event;
}

/** Create auth challenge as Cognito calls it: its handler, a 5-second budget. */
async function createChallenge(event: unknown) {
  const { handler } = await functionLoaders['create-auth-challenge']!();
  const started = performance.now();
  const { result, error, output } = await captureOutput(() =>
    handler(event, localContext('create-auth-challenge')),
  );
  return { result: result as any, error, output, ms: performance.now() - started };
}

const mailsTo = async (address: string) =>
  (await local.ses.mails()).filter((mail) => mail.destination.to.includes(address));

describe('create auth challenge whose mail SES accepted but answered after the deadline', () => {
  it('a sign-in code: mailed once, and the challenge Cognito gets within 5 s expects that very code', async () => {
    const event = passwordlessEvent('code');
    sesProxy.set({ kind: 'slow-answer', ms: 15_000 });
    const { result, error, output, ms } = await createChallenge(event);
    // One attempt, cut by its own 3 s: the SDK's retry would have mailed a second copy.
    expect(sesProxy.requests()).toBe(1);
    expect(error).toBeUndefined();
    expect(ms).toBeLessThan(5_000);
    expect(result.response.publicChallengeParameters).toEqual({ method: 'code', destination: 'email' });
    const mails = await mailsTo(event.request.userAttributes.email);
    expect(mails).toHaveLength(1);
    const code = mails[0]!.body.text?.match(/\b\d{6}\b/)?.[0];
    const challenge = result.response.privateChallengeParameters;
    expect(codeDigest(challenge.challengeId, code!)).toBe(challenge.codeDigest);
    expect(result.response.challengeMetadata).toBe(`EMAIL_CODE:${challenge.challengeId}`);
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'sign-in mail outcome unknown: the challenge stands, not resent (at most once)',
        kind: 'authentication-code',
      }),
    );
    expect(counted(output, 'DeliveryOutcomeUnknown')).toEqual(['email']);
    expect(output).not.toContain(code);
  });

  it('a magic link: mailed once, for the challenge Cognito gets', async () => {
    const event = passwordlessEvent('magic-link');
    sesProxy.set({ kind: 'slow-answer', ms: 15_000 });
    const { result, error, ms, output } = await createChallenge(event);
    expect(sesProxy.requests()).toBe(1);
    expect(error).toBeUndefined();
    expect(ms).toBeLessThan(5_000);
    const mails = await mailsTo(event.request.userAttributes.email);
    expect(mails).toHaveLength(1);
    const token = mails[0]!.body.text?.match(/#token=([\w.-]+)/)?.[1];
    const claims = readMagicLink(token!, MAGIC_LINK_SECRET);
    expect(result.response.challengeMetadata).toBe(`MAGIC_LINK:${claims?.c}`);
    expect(counted(output, 'DeliveryOutcomeUnknown')).toEqual(['email']);
    expect(output).not.toContain(token);
  });

  it.each([
    ['a 503', { kind: 'status', status: 503 } as const],
    ['throttling', { kind: 'throttle', error: 'ThrottlingException' } as const],
  ])(
    '%s (SES refused, nothing sent) gets one attempt more, then fails closed with nothing mailed',
    async (_, fault) => {
      const event = passwordlessEvent('code');
      sesProxy.set(fault);
      const { error, output, ms } = await createChallenge(event);
      expect(sesProxy.requests()).toBe(2);
      expect((error as Error).message).toBe(GENERIC_USER_MESSAGE);
      expect(ms).toBeLessThan(5_000);
      expect(counted(output, 'DeliveryOutcomeUnknown')).toEqual([]);
      expect(await mailsTo(event.request.userAttributes.email)).toHaveLength(0);
    },
  );
});

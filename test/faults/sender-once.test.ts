import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalSns, startLocalSns } from '../../scripts/local/emulators.js';
import { functionLoaders, localContext } from '../../scripts/local/registry.js';
import { sampleKeySettings } from '../../scripts/local/sample-keys.js';
import { SAMPLE_CODE } from '../../scripts/samples.js';
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
const local = useLocalEmulators({ SES_FROM_ADDRESS: 'auth@gatehouse.test' });
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
    expect(first.output).toContain('"DeliveryFailed":1');
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
    sesProxy.set({ kind: 'none' });
    await invoke('custom-email-sender', event);
    await invoke('custom-email-sender', event);
    expect((await local.ses.mails()).filter((mail) => mail.destination.to.includes(to))).toHaveLength(1);
  });
});

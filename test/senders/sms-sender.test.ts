import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, localEnvironment, startLocalDynamo } from '../../scripts/local/emulators.js';
import { loadSettings } from '../../shared/config/settings.js';
import type { CustomSmsSenderEvent } from '../../shared/events/messages.js';
import { mailSettingSpecs } from '../../shared/mail/settings.js';
import type { SmsSenderDependencies } from '../../shared/senders/sms-sender.js';
import { metricsNamed } from '../support/emf.js';
import { sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';
import {
  encryptCode,
  fakeAwsHandler,
  localCredentials,
  type RecordedRequest,
  snsPublished,
  snsThrottled,
  testKeyring,
} from './support.js';

let dynamo: LocalDynamo;
const keyring = testKeyring();
const CODE = '731904';

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  Object.assign(process.env, localEnvironment(dynamo));
});
afterAll(async () => dynamo?.stop());

const mail = loadSettings(mailSettingSpecs, { env: { MAIL_PRODUCT_NAME: 'Acme' }, file: {} });

/** SNS at the SDK level: the real Publish request is built and recorded; the answer is canned. */
function fakeSns(answer: () => { status?: number; body: string } = () => ({ body: snsPublished('sms-1') })) {
  const fake = fakeAwsHandler(answer);
  const client = new SNSClient({
    region: 'us-east-1',
    credentials: localCredentials,
    requestHandler: fake.handler,
    maxAttempts: 1,
  });
  return { client, requests: fake.requests };
}

async function dependencies(sns: SNSClient): Promise<SmsSenderDependencies> {
  const { codeDecrypter } = await import('../../shared/senders/decrypt.js');
  const { tableSentMarkers } = await import('../../shared/senders/sent-marker.js');
  const { publishSms } = await import('../../shared/senders/sns.js');
  return {
    decrypt: codeDecrypter(keyring),
    markers: tableSentMarkers(900),
    mail,
    publishSms: (sms) => publishSms(sms, sns),
    smsType: 'Transactional',
    smsSenderId: 'Acme',
  };
}

async function codeEvent(source: string, locale?: string): Promise<CustomSmsSenderEvent> {
  const event = sampleEvent<CustomSmsSenderEvent>(source);
  event.request.code = await encryptCode(keyring, CODE);
  if (locale) event.request.userAttributes.locale = locale;
  return event;
}

async function send(event: CustomSmsSenderEvent, sns: SNSClient) {
  const { sendCustomSms } = await import('../../shared/senders/sms-sender.js');
  const deps = await dependencies(sns);
  return captureOutput(async () => sendCustomSms(event, deps));
}

const published = (request: RecordedRequest) => Object.fromEntries(new URLSearchParams(request.body));

describe('custom SMS sender', () => {
  it.each([
    ['CustomSMSSender_SignUp', 'en', `Acme: your verification code is ${CODE}`],
    ['CustomSMSSender_ForgotPassword', 'pt-BR', `Acme: seu código para redefinir a senha é ${CODE}`],
    [
      'CustomSMSSender_Authentication',
      'es',
      `Acme: tu código de inicio de sesión es ${CODE}. No lo compartas.`,
    ],
    [
      'CustomSMSSender_AdminCreateUser',
      'en',
      `Acme: your username is jane.doe@example.com and your temporary password is ${CODE}`,
    ],
  ])(
    '%s in %s: publishes the decrypted code to the phone number through SNS',
    async (source, locale, text) => {
      const sns = fakeSns();
      const { result, output } = await send(await codeEvent(source, locale), sns.client);
      expect(result).toBe('sent');
      expect(sns.requests).toHaveLength(1);
      expect(published(sns.requests[0]!)).toMatchObject({
        Action: 'Publish',
        PhoneNumber: '+14155550100',
        Message: text,
        'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SMSType',
        'MessageAttributes.entry.1.Value.StringValue': 'Transactional',
        'MessageAttributes.entry.2.Name': 'AWS.SNS.SMS.SenderID',
      });
      expect(output).not.toContain(CODE);
      expect(output).not.toContain('+14155550100');
    },
  );

  it('texts once when the same event is delivered twice', async () => {
    const sns = fakeSns();
    const event = await codeEvent('CustomSMSSender_ResendCode');
    expect((await send(event, sns.client)).result).toBe('sent');
    expect((await send(structuredClone(event), sns.client)).result).toBe('duplicate');
    expect(sns.requests).toHaveLength(1);
  });

  it('on SNS throttling: logs without the code, releases the marker and throws so Lambda retries', async () => {
    const event = await codeEvent('CustomSMSSender_UpdateUserAttribute');
    const throttled = fakeSns(() => ({ status: 400, body: snsThrottled() }));
    const { error, output } = await send(event, throttled.client);
    expect(error).toMatchObject({ name: 'DeliveryError' });
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({ message: 'delivery failed', error: 'Throttling' }),
    );
    expect(output).not.toContain(CODE);
    expect(metricsNamed(output, 'DeliveryFailed').map((m) => m.dimensionSets)).toEqual([
      [{ service: 'gatehouse', channel: 'sms' }],
    ]);
    expect(metricsNamed(output, 'Delivered')).toEqual([]);
    const healthy = fakeSns();
    const retried = await send(event, healthy.client);
    expect(retried.result).toBe('sent');
    expect(metricsNamed(retried.output, 'Delivered').map((m) => m.dimensionSets)).toEqual([
      [{ service: 'gatehouse', channel: 'sms' }],
    ]);
  });

  it('drops a message for a user with no phone number', async () => {
    const sns = fakeSns();
    const event = await codeEvent('CustomSMSSender_VerifyUserAttribute');
    delete event.request.userAttributes.phone_number;
    const { result } = await send(event, sns.client);
    expect(result).toBe('undeliverable');
    expect(sns.requests).toHaveLength(0);
  });
});

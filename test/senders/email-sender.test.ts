import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import type { CustomEmailSenderEvent } from '../../shared/events/messages.js';
import { mailSettingSpecs } from '../../shared/mail/settings.js';
import type { EmailSenderDependencies } from '../../shared/senders/email-sender.js';
import { useLocalEmulators } from '../support/emulators.js';
import { sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';
import { encryptCode, fakeAwsHandler, localCredentials, testKeyring } from './support.js';

const local = useLocalEmulators();
const keyring = testKeyring();
const CODE = '493817';

beforeEach(async () => local.ses.clear());

const mail = loadSettings(mailSettingSpecs, {
  env: {
    SES_FROM_ADDRESS: 'auth@gatehouse.test',
    MAIL_PRODUCT_NAME: 'Acme',
    MESSAGE_CONFIRM_URL: 'https://app.acme.test/confirm',
  },
  file: {},
});

const adminGetUser = fakeAwsHandler(() => ({
  contentType: 'application/x-amz-json-1.1',
  body: JSON.stringify({
    Username: '4a6f3c1e-8d2b-4b8a-9f3e-2c1d0e9b7a65',
    UserAttributes: [
      { Name: 'email', Value: 'jane.doe@example.com' },
      { Name: 'given_name', Value: 'Jane' },
      { Name: 'locale', Value: 'pt-BR' },
    ],
    UserStatus: 'CONFIRMED',
    Enabled: true,
  }),
}));

async function dependencies(
  overrides: Partial<EmailSenderDependencies> = {},
): Promise<EmailSenderDependencies> {
  const { codeDecrypter } = await import('../../shared/senders/decrypt.js');
  const { tableSentMarkers } = await import('../../shared/senders/sent-marker.js');
  const { sendEmail } = await import('../../shared/mail/ses.js');
  const cognito = new CognitoIdentityProviderClient({
    region: 'us-east-1',
    credentials: localCredentials,
    requestHandler: adminGetUser.handler,
  });
  return {
    decrypt: codeDecrypter(keyring),
    markers: tableSentMarkers(900),
    mail,
    sendEmail,
    cognito: () => cognito,
    ...overrides,
  };
}

async function codeEvent(source: string, locale?: string): Promise<CustomEmailSenderEvent> {
  const event = sampleEvent<CustomEmailSenderEvent>(source);
  event.request.code = await encryptCode(keyring, CODE);
  if (locale) event.request.userAttributes.locale = locale;
  return event;
}

async function send(event: CustomEmailSenderEvent, deps?: EmailSenderDependencies) {
  const { sendCustomEmail } = await import('../../shared/senders/email-sender.js');
  return captureOutput(async () => sendCustomEmail(event, deps ?? (await dependencies())));
}

describe('custom email sender', () => {
  it.each([
    [
      'CustomEmailSender_SignUp',
      'en',
      'Your Acme verification code',
      `Use this code to confirm your address: ${CODE}`,
    ],
    ['CustomEmailSender_ForgotPassword', 'pt-BR', 'Redefina sua senha de Acme', `nova senha: ${CODE}`],
    ['CustomEmailSender_AdminCreateUser', 'es', 'Te invitaron a Acme', `Contraseña temporal: ${CODE}`],
    [
      'CustomEmailSender_Authentication',
      'pt',
      'Seu código de acesso a Acme',
      `Seu código de acesso: ${CODE}`,
    ],
    [
      'CustomEmailSender_VerifyUserAttribute',
      'en',
      'Verify your Acme contact details',
      `verify your address: ${CODE}`,
    ],
  ])(
    '%s in %s: decrypts the code and mails the template through SES',
    async (source, locale, subject, line) => {
      const { result, output } = await send(await codeEvent(source, locale));
      expect(result).toBe('sent');
      const [sent] = await local.ses.mails();
      expect(sent).toMatchObject({
        from: 'auth@gatehouse.test',
        destination: { to: ['jane.doe@example.com'] },
        subject,
      });
      expect(sent!.body.text).toContain(line);
      expect(sent!.body.html).toContain(CODE);
      expect(output).not.toContain(CODE);
      expect(output).not.toContain('jane.doe@example.com');
    },
  );

  it('links the code when a confirm URL is configured', async () => {
    await send(await codeEvent('CustomEmailSender_SignUp'));
    const [sent] = await local.ses.mails();
    expect(sent!.body.text).toContain(
      `https://app.acme.test/confirm?username=4a6f3c1e-8d2b-4b8a-9f3e-2c1d0e9b7a65&code=${CODE}`,
    );
  });

  it('shows the sign-in name, not the sub, in an invitation', async () => {
    await send(await codeEvent('CustomEmailSender_AdminCreateUser'));
    const [sent] = await local.ses.mails();
    expect(sent!.body.text).toContain('Username: jane.doe@example.com');
  });

  it('sends once when the same event is delivered twice, and again for a new event', async () => {
    const event = await codeEvent('CustomEmailSender_ResendCode');
    expect((await send(event)).result).toBe('sent');
    const retry = await send(structuredClone(event));
    expect(retry.result).toBe('duplicate');
    expect(logLines(retry.output)).toContainEqual(
      expect.objectContaining({ message: expect.stringContaining('already sent') }),
    );
    expect(await local.ses.mails()).toHaveLength(1);
    // A real resend carries a freshly encrypted code, so it is a different event.
    expect((await send(await codeEvent('CustomEmailSender_ResendCode'))).result).toBe('sent');
    expect(await local.ses.mails()).toHaveLength(2);
    const markers = (await local.dynamo.scan()).filter((item) => String(item.pk).startsWith('SENT#'));
    expect(markers.length).toBeGreaterThanOrEqual(2);
    expect(markers[0]).toMatchObject({ sk: 'ITEM', expiresAt: expect.any(Number) });
  });

  it('notifies an account takeover: looks the user up by USER_NAME and mails in their locale', async () => {
    const event = sampleEvent<CustomEmailSenderEvent>('CustomEmailSender_AccountTakeOverNotification');
    const before = adminGetUser.requests.length;
    const { result } = await send(event);
    expect(result).toBe('sent');
    const lookup = adminGetUser.requests[before]!;
    expect(lookup.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.AdminGetUser');
    expect(JSON.parse(lookup.body)).toEqual({
      UserPoolId: 'us-east-1_EXAMPLE1',
      Username: '4a6f3c1e-8d2b-4b8a-9f3e-2c1d0e9b7a65',
    });
    const [sent] = await local.ses.mails();
    expect(sent).toMatchObject({
      destination: { to: ['jane.doe@example.com'] },
      subject: 'Atividade suspeita na sua conta em Acme',
    });
    expect(sent!.body.text).toContain('Nós o bloqueamos.');
    expect(sent!.body.text).toContain('Local: Lagos, Nigeria');
    expect(sent!.body.text).toContain('Endereço IP: 198.51.100.77');
    expect(sent!.body.html).toContain(
      'href="https://auth.example.com/feedback?token=EXAMPLEVALIDTOKEN&amp;valid=false"',
    );
  });

  it('drops an undecryptable code without sending, and releases the marker', async () => {
    const event = sampleEvent<CustomEmailSenderEvent>('CustomEmailSender_SignUp'); // foreign KMS ciphertext
    const { result, output } = await send(event);
    expect(result).toBe('undeliverable');
    expect(await local.ses.mails()).toHaveLength(0);
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({ message: 'message not sent', reason: 'code could not be decrypted' }),
    );
    expect(output).not.toContain(event.request.code!);
    const { eventDigest } = await import('../../shared/senders/sent-marker.js');
    const items = await local.dynamo.scan();
    expect(items.find((item) => item.pk === `SENT#${eventDigest(event)}`)).toBeUndefined();
  });

  it('on an SES fault: logs without the code, releases the marker and throws so Lambda retries', async () => {
    const event = await codeEvent('CustomEmailSender_ForgotPassword');
    // As the SDK throws SES's answer: its HTTP status says SES did not take the mail.
    const throttled = Object.assign(new Error(`Rate exceeded for code ${CODE}`), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const failing = await dependencies({
      sendEmail: async () => {
        throw throttled;
      },
    });
    const { error, output } = await send(event, failing);
    expect(error).toMatchObject({ name: 'DeliveryError' });
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({ message: 'delivery failed', error: 'ThrottlingException' }),
    );
    expect(output).not.toContain(CODE);
    // Lambda's retry of the same event now goes through.
    expect((await send(event)).result).toBe('sent');
    expect(await local.ses.mails()).toHaveLength(1);
  });

  it('mails a hostile attribute as text, never as markup', async () => {
    const event = await codeEvent('CustomEmailSender_SignUp');
    event.request.userAttributes.given_name = '<img src=x onerror=alert(1)>';
    await send(event);
    const [sent] = await local.ses.mails();
    expect(sent!.body.html).not.toContain('<img');
    expect(sent!.body.html).toContain('Hello &lt;img src=x onerror=alert(1)&gt;,');
  });

  it('drops a message for a user with no email address', async () => {
    const event = await codeEvent('CustomEmailSender_SignUp');
    delete event.request.userAttributes.email;
    const { result, output } = await send(event);
    expect(result).toBe('undeliverable');
    expect(logLines(output)).toContainEqual(expect.objectContaining({ reason: 'user has no email address' }));
  });
});

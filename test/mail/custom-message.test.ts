import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import {
  type CustomMessageEvent,
  customEmailSenderSources,
  customMessageSources,
  customSmsSenderSources,
} from '../../shared/events/messages.js';
import { customMessageResponse, MESSAGE_LIMITS, messageProblems } from '../../shared/mail/custom-message.js';
import { messageKindOf } from '../../shared/mail/kinds.js';
import { availableLocales } from '../../shared/mail/render.js';
import { mailSettingSpecs } from '../../shared/mail/settings.js';
import { sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

const settings = (env: Record<string, string> = {}) => loadSettings(mailSettingSpecs, { env, file: {} });
const viaSes = settings({ COGNITO_EMAIL_SENDING_ACCOUNT: 'DEVELOPER' });
/** Every option on, longest values: the worst case for the limits. */
const everything = settings({
  COGNITO_EMAIL_SENDING_ACCOUNT: 'DEVELOPER',
  MAIL_LOGO_URL: 'https://cdn.example.com/brand/logo.png',
  MAIL_SUPPORT_ADDRESS: 'support@example.com',
  MAIL_APP_URL: 'https://app.example.com',
  MESSAGE_CONFIRM_URL: 'https://app.example.com/confirm',
  MESSAGE_RESET_URL: 'https://app.example.com/reset',
  MESSAGE_COGNITO_LINK: 'true',
});

function event(source: (typeof customMessageSources)[number], locale?: string): CustomMessageEvent {
  const sample = sampleEvent<CustomMessageEvent>(source);
  if (locale) sample.request.userAttributes.locale = locale;
  return sample;
}

const matrix = customMessageSources.flatMap((source) =>
  availableLocales.map((locale) => [source, locale] as const),
);

describe('custom message: every template, every locale, every source', () => {
  it.each(matrix)('%s in %s keeps every Cognito rule', (source, locale) => {
    for (const config of [settings(), viaSes, everything]) {
      const e = event(source, locale);
      const answer = customMessageResponse(e, config);
      expect(messageProblems(source, e.request, answer)).toEqual([]);
      expect(answer.smsMessage!.length).toBeLessThanOrEqual(MESSAGE_LIMITS.smsCharacters);
      expect(answer.smsMessage).toContain(e.request.codeParameter);
      if (config.emailSendingAccount === 'DEVELOPER') {
        expect(Buffer.byteLength(answer.emailMessage!, 'utf8')).toBeLessThanOrEqual(
          MESSAGE_LIMITS.emailUtf8Bytes,
        );
        expect(answer.emailMessage).toContain(e.request.codeParameter);
        expect(answer.emailSubject).toBeTruthy();
      }
      if (source === 'CustomMessage_AdminCreateUser') {
        expect(answer.smsMessage).toContain(e.request.usernameParameter);
        if (answer.emailMessage) expect(answer.emailMessage).toContain(e.request.usernameParameter);
      }
    }
  });
});

describe('custom message answers', () => {
  it('answers SMS only unless the pool sends through SES (Cognito rejects email fields otherwise)', () => {
    const answer = customMessageResponse(event('CustomMessage_SignUp'), settings());
    expect(answer).toEqual({ smsMessage: 'Gatehouse: your verification code is {####}' });
    const withEmail = customMessageResponse(event('CustomMessage_SignUp'), viaSes);
    expect(withEmail.emailSubject).toBe('Your Gatehouse verification code');
    expect(withEmail.emailMessage).toContain('<!DOCTYPE html>');
  });

  it('uses the request placeholders, never hard-coded ones', () => {
    const e = event('CustomMessage_AdminCreateUser');
    e.request.codeParameter = '{%%%%}';
    e.request.usernameParameter = '{user-name}';
    const answer = customMessageResponse(e, viaSes);
    expect(answer.smsMessage).toBe(
      'Gatehouse: your username is {user-name} and your temporary password is {%%%%}',
    );
    expect(answer.emailMessage).toContain('{user-name}');
    expect(answer.emailMessage).not.toContain('{####}');
  });

  it('localizes by clientMetadata.locale first, then the locale attribute', () => {
    const e = event('CustomMessage_ForgotPassword', 'es');
    expect(customMessageResponse(e, settings()).smsMessage).toContain('restablecer');
    e.request.clientMetadata = { locale: 'pt-BR' };
    expect(customMessageResponse(e, settings()).smsMessage).toContain('redefinir');
  });

  it('builds verification links from the request parameters when configured', () => {
    const e = event('CustomMessage_SignUp');
    const answer = customMessageResponse(e, everything);
    expect(answer.emailMessage).toContain(
      `href="https://app.example.com/confirm?username=${e.userName}&amp;code={####}"`,
    );
    expect(answer.emailMessage).toContain('{##Click Here##}');
    expect(customMessageResponse(event('CustomMessage_ForgotPassword'), everything).emailMessage).toContain(
      'https://app.example.com/reset?username=',
    );
  });

  it('shows a hostile attribute as text, never as markup', () => {
    const e = event('CustomMessage_SignUp');
    e.request.userAttributes.given_name = '<img src=x onerror=alert(document.cookie)>';
    const answer = customMessageResponse(e, viaSes);
    expect(answer.emailMessage).not.toContain('<img');
    expect(answer.emailMessage).toContain('&lt;img src=x onerror=alert(document[.]cookie)&gt;');
  });

  it.each([
    [
      'a product name that makes the SMS too long',
      { MAIL_PRODUCT_NAME: 'A'.repeat(40) },
      'CustomMessage_AdminCreateUser',
    ],
  ] as const)('falls back to a compact valid message for %s', async (_, env, source) => {
    const e = event(source);
    e.request.usernameParameter = `{${'u'.repeat(60)}}`;
    const config = settings({ ...env, COGNITO_EMAIL_SENDING_ACCOUNT: 'DEVELOPER' });
    const { result, output } = await captureOutput(async () => customMessageResponse(e, config));
    expect(messageProblems(source, e.request, result!)).toEqual([]);
    expect(result!.smsMessage).toBe(`${e.request.usernameParameter} {####}`);
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({
        message: expect.stringContaining('compact message'),
        problems: ['sms-too-long'],
      }),
    );
  });

  it('cuts a 7,000-character name, so the email stays within 20,000 UTF-8 bytes and keeps its template', async () => {
    const e = event('CustomMessage_SignUp');
    e.request.userAttributes.given_name = '語'.repeat(7_000);
    const { result } = await captureOutput(async () => customMessageResponse(e, viaSes));
    expect(messageProblems('CustomMessage_SignUp', e.request, result!)).toEqual([]);
    expect(result!.emailMessage).toContain(`${'語'.repeat(63)}…`);
    expect(result!.emailMessage).not.toContain('語'.repeat(64));
  });

  it("attack: a sign-up with the victim's address and a URL in given_name: the verification mail shows no link-shaped text", () => {
    for (const source of ['CustomMessage_SignUp', 'CustomMessage_ResendCode'] as const) {
      const e = event(source);
      e.request.userAttributes.given_name = 'Your account is locked, go to https://evil.example/unlock';
      const answer = customMessageResponse(e, viaSes);
      for (const part of [answer.emailMessage, answer.emailSubject, answer.smsMessage]) {
        expect(part).not.toMatch(/evil\.example|https:\/\/evil/);
      }
      expect(answer.emailMessage).toContain('https[:]//evil[.]example/unlock');
    }
  });

  it.each([
    [{ smsMessage: 'no code here' }, ['sms-placeholder-missing']],
    [{ smsMessage: `{####}${'x'.repeat(140)}` }, ['sms-too-long']],
    [{ smsMessage: '{####}', emailMessage: 'none', emailSubject: 's' }, ['email-placeholder-missing']],
    [
      { smsMessage: '{####}', emailMessage: `{####}${'é'.repeat(10_000)}`, emailSubject: 's' },
      ['email-too-long'],
    ],
    [{ smsMessage: '{####}', emailMessage: '{####}', emailSubject: 'x'.repeat(141) }, ['subject-too-long']],
  ])('names the broken rule of %j', (answer, problems) => {
    expect(messageProblems('CustomMessage_SignUp', { codeParameter: '{####}' }, answer)).toEqual(problems);
  });

  it('requires both the username and the code for AdminCreateUser', () => {
    const placeholders = { codeParameter: '{####}', usernameParameter: '{username}' };
    expect(messageProblems('CustomMessage_AdminCreateUser', placeholders, { smsMessage: '{####}' })).toEqual([
      'sms-placeholder-missing',
    ]);
  });

  it('maps every source of the custom message and both senders to one kind, the same for the same event', () => {
    for (const source of [...customMessageSources, ...customEmailSenderSources, ...customSmsSenderSources]) {
      expect(messageKindOf(source)).toBeTypeOf('string');
    }
    expect(messageKindOf('CustomMessage_ForgotPassword')).toBe('forgot-password');
    expect(messageKindOf('CustomEmailSender_ForgotPassword')).toBe('forgot-password');
    expect(messageKindOf('CustomSMSSender_AdminCreateUser')).toBe('admin-invitation');
    expect(messageKindOf('CustomEmailSender_AccountTakeOverNotification')).toBe('account-takeover');
    expect(() => messageKindOf('CustomMessage_Unknown')).toThrow('CustomMessage_Unknown');
  });
});

describe('custom message function', () => {
  it('answers through the middy chain with the localized message', async () => {
    const { handler } = await import('../../functions/custom-message.js');
    const e = event('CustomMessage_Authentication', 'es');
    const { result } = await captureOutput(() => handler(e, {} as never));
    expect((result as CustomMessageEvent).response.smsMessage).toBe(
      'Gatehouse: tu código de inicio de sesión es {####}. No lo compartas.',
    );
  });
});

describe('branding settings', () => {
  it('come from config/gatehouse.json for every function, the environment winning', () => {
    const fromFile = loadSettings(mailSettingSpecs, {
      env: { MAIL_BRAND_COLOR: '#000000' },
      file: { mail: { productName: 'Acme', brandColor: '#ffffff', supportAddress: 'help@acme.test' } },
    });
    expect(fromFile).toMatchObject({
      productName: 'Acme',
      brandColor: '#000000',
      supportAddress: 'help@acme.test',
    });
  });

  it.each([
    ['MAIL_BRAND_COLOR', 'red; background:url(x)'],
    ['MAIL_LOGO_URL', 'not a url'],
    ['COGNITO_EMAIL_SENDING_ACCOUNT', 'SES'],
  ])('refuse a malformed %s, naming it', (env, value) => {
    expect(() => loadSettings(mailSettingSpecs, { env: { [env]: value }, file: {} })).toThrow(env);
  });
});

describe('the recipient name, written once for every message', () => {
  it('falls back to the full name when given_name is empty, and to none when both are', async () => {
    const { recipientName } = await import('../../shared/mail/recipient.js');
    expect(recipientName({ given_name: 'Ann', name: 'Ann Lee' })).toBe('Ann');
    // Cognito keeps an attribute set to "": `||`, not `??`, or the greeting would read "Hello ,".
    expect(recipientName({ given_name: '', name: 'Ann Lee' })).toBe('Ann Lee');
    expect(recipientName({ given_name: '', name: '' })).toBeUndefined();
  });
});

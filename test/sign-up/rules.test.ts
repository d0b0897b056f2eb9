import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PreSignUpEvent } from '../../shared/events/index.js';
import { checkAttributes } from '../../shared/sign-up/attributes.js';
import { checkEmailDomain, domainMatches, isDisposableDomain } from '../../shared/sign-up/domains.js';
import { decideFlags } from '../../shared/sign-up/flags.js';
import { signUpRejections } from '../../shared/sign-up/messages.js';
import { signUpSettingSpecs } from '../../shared/sign-up/settings.js';
import { sampleEvent } from '../support/events.js';

const settingsWith = (file: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  loadSettings(signUpSettingSpecs, { env, file: { signUp: file } });

/** The code of the UserFacingError `run` throws, or 'ok'. */
function outcome(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof UserFacingError) return error.code;
    throw error;
  }
}

describe('domain wildcards', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['a.example.com', 'example.com', false],
    ['a.example.com', '*.example.com', true],
    ['a.b.example.com', '*.example.com', true],
    ['example.com', '*.example.com', false],
    ['badexample.com', '*.example.com', false],
  ])('%s against %s: %s', (domain, pattern, expected) => {
    expect(domainMatches(domain, pattern)).toBe(expected);
  });
});

describe('email domain policy', () => {
  const lists = {
    allowedDomains: ['example.com', '*.example.org', ' Partner.COM '],
    deniedDomains: ['blocked.example.org'],
  };
  it.each([
    ['jane@example.com', {}, 'ok'],
    ['  Jane@EXAMPLE.com ', {}, 'ok'],
    ['jane@example.com', lists, 'ok'],
    ['jane@partner.com', lists, 'ok'],
    ['jane@dept.example.org', lists, 'ok'],
    ['jane@example.org', lists, 'SIGNUP_DOMAIN_NOT_ALLOWED'],
    ['jane@blocked.example.org', lists, 'SIGNUP_DOMAIN_NOT_ALLOWED'],
    ['jane@other.net', lists, 'SIGNUP_DOMAIN_NOT_ALLOWED'],
    ['jane@other.net', { deniedDomains: ['*.net'] }, 'SIGNUP_DOMAIN_NOT_ALLOWED'],
    ['jane@mailinator.com', {}, 'SIGNUP_DISPOSABLE_EMAIL'],
    ['Jane@MAILINATOR.COM', {}, 'SIGNUP_DISPOSABLE_EMAIL'],
    ['jane@mailinator.com', { allowedDomains: ['mailinator.com'] }, 'SIGNUP_DISPOSABLE_EMAIL'],
    ['not-an-email', {}, 'SIGNUP_EMAIL_INVALID'],
    ['jane@', {}, 'SIGNUP_EMAIL_INVALID'],
    ['@example.com', {}, 'SIGNUP_EMAIL_INVALID'],
    ['jane@localhost', {}, 'SIGNUP_EMAIL_INVALID'],
  ])('%s with %j: %s', (email, file, expected) => {
    expect(outcome(() => checkEmailDomain(email, settingsWith(file)))).toBe(expected);
  });

  it('lets disposable addresses through when blocking is off', () => {
    const settings = settingsWith({}, { SIGNUP_BLOCK_DISPOSABLE: 'false' });
    expect(outcome(() => checkEmailDomain('jane@mailinator.com', settings))).toBe('ok');
  });

  it('recognises subdomains of a disposable provider', () => {
    expect(isDisposableDomain('inbox.mailinator.com')).toBe(true);
    expect(isDisposableDomain('example.com')).toBe(false);
  });
});

describe('attribute rules', () => {
  const settings = settingsWith({
    requiredAttributes: ['email', 'given_name'],
    attributeMaxLengths: { given_name: 5 },
    allowedCustomAttributes: ['custom:team'],
  });
  const base = { email: 'jane@example.com', given_name: 'Jane' };
  it.each([
    [{}, 'ok'],
    [{ given_name: '' }, 'SIGNUP_ATTRIBUTE_REQUIRED'],
    [{ given_name: '   ' }, 'SIGNUP_ATTRIBUTE_REQUIRED'],
    [{ given_name: 'Janette' }, 'SIGNUP_ATTRIBUTE_TOO_LONG'],
    [{ family_name: 'x'.repeat(257) }, 'SIGNUP_ATTRIBUTE_TOO_LONG'],
    [{ family_name: 'x'.repeat(256) }, 'ok'],
    [{ phone_number: '+14155550100' }, 'ok'],
    [{ phone_number: '4155550100' }, 'SIGNUP_PHONE_INVALID'],
    [{ phone_number: '+1 415 555 0100' }, 'SIGNUP_PHONE_INVALID'],
    [{ phone_number: '+0123456' }, 'SIGNUP_PHONE_INVALID'],
    [{ phone_number: '+1234567890123456' }, 'SIGNUP_PHONE_INVALID'],
    [{ 'custom:team': 'blue' }, 'ok'],
    [{ 'custom:role': 'admin' }, 'SIGNUP_ATTRIBUTE_NOT_ALLOWED'],
    [{ 'cognito:user_status': 'EXTERNAL_PROVIDER' }, 'ok'],
  ])('%j: %s', (extra, expected) => {
    expect(outcome(() => checkAttributes({ ...base, ...extra } as Record<string, string>, settings))).toBe(
      expected,
    );
  });

  it('leaves custom attributes to administrators and provider mappings', () => {
    const attributes = { ...base, 'custom:role': 'admin' };
    expect(
      outcome(() => checkAttributes(attributes, settings, { customAllowList: false, lengthLimits: true })),
    ).toBe('ok');
  });

  it('leaves the length of federated values to inbound federation', () => {
    const attributes = { ...base, picture: `https://idp.example.com/${'x'.repeat(400)}` };
    expect(
      outcome(() => checkAttributes(attributes, settings, { customAllowList: false, lengthLimits: false })),
    ).toBe('ok');
    expect(outcome(() => checkAttributes(attributes, settings))).toBe('SIGNUP_ATTRIBUTE_TOO_LONG');
  });
});

describe('auto-confirm and auto-verify flags', () => {
  const settings = settingsWith({ trustedDomains: ['example.com'] });
  const event = (source: string, attributes: Record<string, string>) => {
    const e = sampleEvent<PreSignUpEvent>(source);
    e.request.userAttributes = attributes;
    return e;
  };
  const none = { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };
  it.each([
    [
      'PreSignUp_SignUp',
      { email: 'jane@example.com' },
      'example.com',
      { ...none, autoConfirmUser: true, autoVerifyEmail: true },
    ],
    ['PreSignUp_SignUp', { email: 'jane@other.com' }, 'other.com', none],
    ['PreSignUp_SignUp', { email: '' }, undefined, none],
    ['PreSignUp_AdminCreateUser', { email: 'jane@example.com', email_verified: 'true' }, 'example.com', none],
    [
      'PreSignUp_ExternalProvider',
      { email: 'jane@other.com', email_verified: 'true' },
      'other.com',
      { ...none, autoConfirmUser: true, autoVerifyEmail: true },
    ],
    [
      'PreSignUp_ExternalProvider',
      { email: 'jane@other.com', email_verified: 'false' },
      'other.com',
      { ...none, autoConfirmUser: true },
    ],
    ['PreSignUp_ExternalProvider', { email_verified: 'true' }, undefined, { ...none, autoConfirmUser: true }],
    [
      'PreSignUp_ExternalProvider',
      { phone_number: '+14155550100', phone_number_verified: 'true' },
      undefined,
      { ...none, autoConfirmUser: true, autoVerifyPhone: true },
    ],
    [
      'PreSignUp_ExternalProvider',
      { phone_number: '', phone_number_verified: 'true' },
      undefined,
      { ...none, autoConfirmUser: true },
    ],
  ])('%s %j', (source, attributes, domain, expected) => {
    expect(decideFlags(event(source, attributes), domain, settings)).toEqual(expected);
  });

  it('confirms no federated user when federated auto-confirm is off', () => {
    const off = settingsWith({}, { SIGNUP_AUTO_CONFIRM_FEDERATED: 'false' });
    const e = event('PreSignUp_ExternalProvider', { email: 'jane@other.com', email_verified: 'true' });
    expect(decideFlags(e, 'other.com', off)).toEqual(none);
  });
});

describe('rejection messages', () => {
  it('are stable, distinct sentences', () => {
    const messages = Object.values(signUpRejections);
    expect(new Set(messages).size).toBe(messages.length);
    for (const message of messages) expect(message).toMatch(/^[A-Z].*\.$/);
  });
});

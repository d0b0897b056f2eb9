import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/config/settings.js';
import { UserFacingError } from '../../shared/errors/index.js';
import type { PreSignUpEvent } from '../../shared/events/index.js';
import { checkAttributes } from '../../shared/sign-up/attributes.js';
import {
  checkEmailDomain,
  domainMatches,
  isDisposableDomain,
  registrableDomain,
} from '../../shared/sign-up/domains.js';
import { decideFlags } from '../../shared/sign-up/flags.js';
import { signUpRejections } from '../../shared/sign-up/messages.js';
import { signUpSettingSpecs } from '../../shared/sign-up/settings.js';
import { ipBucket } from '../../shared/sign-up/source-ip.js';
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

  // Domain tricks the issue-18 review played and found refused: each stays refused.
  it.each([
    ['upper case', 'jane@PARTNER.com', 'ok'],
    ['a trailing dot', 'jane@example.com.', 'SIGNUP_EMAIL_INVALID'],
    ['a look-alike domain', 'jane@examp1e.com', 'SIGNUP_DOMAIN_NOT_ALLOWED'],
    ['the allowed domain nested under another', 'jane@example.com.evil.net', 'SIGNUP_DOMAIN_NOT_ALLOWED'],
    ['a suffix that is not a subdomain', 'jane@badexample.org', 'SIGNUP_DOMAIN_NOT_ALLOWED'],
    ['a Cyrillic homoglyph (а for a)', 'jane@ex\u0430mple.com', 'SIGNUP_DOMAIN_NOT_ALLOWED'],
    ['a second @', 'jane@evil.net@example.com', 'ok'],
    ['an @ in the domain part', 'jane@example.com@evil.net', 'SIGNUP_DOMAIN_NOT_ALLOWED'],
  ])('domain trick refused: %s (%s → %s)', (_, email, expected) => {
    expect(outcome(() => checkEmailDomain(email, settingsWith(lists)))).toBe(expected);
  });

  it.each([
    ['a subdomain of a disposable provider', 'jane@inbox.mailinator.com'],
    ['upper case', 'jane@MailInator.Com'],
    ['surrounding spaces', ' jane@mailinator.com '],
  ])('disposable evasion refused: %s', (_, email) => {
    expect(outcome(() => checkEmailDomain(email, settingsWith()))).toBe('SIGNUP_DISPOSABLE_EMAIL');
  });

  it('attack 12: a Unicode deny-list entry matches the punycode address, and the other way round', () => {
    const unicodeEntry = settingsWith({ deniedDomains: ['Bücher.de'] });
    expect(unicodeEntry.deniedDomains).toEqual(['xn--bcher-kva.de']);
    expect(outcome(() => checkEmailDomain('jane@xn--bcher-kva.de', unicodeEntry))).toBe(
      'SIGNUP_DOMAIN_NOT_ALLOWED',
    );
    expect(outcome(() => checkEmailDomain('jane@bücher.de', unicodeEntry))).toBe('SIGNUP_DOMAIN_NOT_ALLOWED');
    const punycodeEntry = settingsWith({ deniedDomains: ['*.xn--bcher-kva.de'] });
    expect(outcome(() => checkEmailDomain('jane@shop.bücher.de', punycodeEntry))).toBe(
      'SIGNUP_DOMAIN_NOT_ALLOWED',
    );
    const allowed = settingsWith({ allowedDomains: ['bücher.de'] });
    expect(outcome(() => checkEmailDomain('jane@XN--BCHER-KVA.DE', allowed))).toBe('ok');
  });

  it('refuses a domain-list entry that is no domain, naming it', () => {
    expect(() => settingsWith({ deniedDomains: ['not a domain'] })).toThrow(
      /signUp\.deniedDomains .*\.0: must be a domain name/,
    );
  });

  it.each([
    ['no email attribute', {}],
    ['an empty email', { email: '' }],
    ['a blank email', { email: '   ' }],
  ])('attack 11: a non-empty allow-list refuses a sign-up with %s', (_, attributes) => {
    const email = (attributes as { email?: string }).email;
    expect(outcome(() => checkEmailDomain(email, settingsWith(lists)))).toBe('SIGNUP_EMAIL_REQUIRED');
    const exempt = settingsWith(lists, { SIGNUP_ALLOW_WITHOUT_EMAIL: 'true' });
    expect(outcome(() => checkEmailDomain(email, exempt))).toBe('ok');
    expect(outcome(() => checkEmailDomain(email, settingsWith()))).toBe('ok');
  });

  it('lets a trusted domain skip the allow-list and the disposable check, never the deny-list', () => {
    const trusted = settingsWith({
      allowedDomains: ['example.com'],
      deniedDomains: ['blocked.example.net'],
      trustedDomains: ['*.example.net', 'mailinator.com'],
    });
    expect(outcome(() => checkEmailDomain('jane@corp.example.net', trusted))).toBe('ok');
    expect(outcome(() => checkEmailDomain('jane@mailinator.com', trusted))).toBe('ok');
    expect(outcome(() => checkEmailDomain('jane@blocked.example.net', trusted))).toBe(
      'SIGNUP_DOMAIN_NOT_ALLOWED',
    );
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

  it('attack 14: an attribute named after an Object member gets the default limit, not none', () => {
    const strict = settingsWith(
      { attributeMaxLengths: { given_name: 5 } },
      { SIGNUP_MAX_ATTRIBUTE_LENGTH: '8' },
    );
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const attributes = JSON.parse(`{"email": "jane@example.com", "${name}": "${'x'.repeat(9)}"}`);
      expect(
        outcome(() => checkAttributes(attributes, strict)),
        name,
      ).toBe('SIGNUP_ATTRIBUTE_TOO_LONG');
    }
    const required = settingsWith({ requiredAttributes: ['constructor'] });
    expect(outcome(() => checkAttributes({ email: 'jane@example.com' }, required))).toBe(
      'SIGNUP_ATTRIBUTE_REQUIRED',
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

describe('registrable domains and IP buckets (velocity keys)', () => {
  it.each([
    ['example.com', 'example.com'],
    ['a.b.example.com', 'example.com'],
    ['mail.example.co.uk', 'example.co.uk'],
    ['x7.wildcard-dns.example.org', 'example.org'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['shop.xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['corp.internal', 'corp.internal'],
  ])('%s counts under %s', (domain, expected) => {
    expect(registrableDomain(domain)).toBe(expected);
  });

  it.each([
    ['198.51.100.77', '198.51.100.77'],
    [' 198.51.100.77 ', '198.51.100.77'],
    ['::ffff:198.51.100.77', '198.51.100.77'],
    ['::FFFF:c633:644d', '198.51.100.77'],
    ['2001:db8:0:1::1', '2001:db8:0:1:0:0:0:0/64'],
    ['2001:DB8:0:1:ffff:ffff:ffff:ffff', '2001:db8:0:1:0:0:0:0/64'],
    ['2001:db8:0:2::1', '2001:db8:0:2:0:0:0:0/64'],
    ['not-an-ip', undefined],
    ['', undefined],
  ])('%j counts under %s', (text, expected) => {
    expect(ipBucket(text)).toBe(expected);
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
    ['PreSignUp_SignUp', { email: 'jane@example.com' }, none],
    ['PreSignUp_SignUp', { email: 'jane@example.com', email_verified: 'true' }, none],
    ['PreSignUp_SignUp', { email: 'jane@other.com' }, none],
    ['PreSignUp_SignUp', { email: '' }, none],
    ['PreSignUp_AdminCreateUser', { email: 'jane@example.com', email_verified: 'true' }, none],
    [
      'PreSignUp_ExternalProvider',
      { email: 'jane@other.com', email_verified: 'true' },
      { ...none, autoConfirmUser: true, autoVerifyEmail: true },
    ],
    [
      'PreSignUp_ExternalProvider',
      { email: 'jane@other.com', email_verified: 'false' },
      { ...none, autoConfirmUser: true },
    ],
    ['PreSignUp_ExternalProvider', { email_verified: 'true' }, { ...none, autoConfirmUser: true }],
    [
      'PreSignUp_ExternalProvider',
      { phone_number: '+14155550100', phone_number_verified: 'true' },
      { ...none, autoConfirmUser: true, autoVerifyPhone: true },
    ],
    [
      'PreSignUp_ExternalProvider',
      { phone_number: '', phone_number_verified: 'true' },
      { ...none, autoConfirmUser: true },
    ],
  ])('%s %j', (source, attributes, expected) => {
    expect(decideFlags(event(source, attributes), settings)).toEqual(expected);
  });

  it('attack 1: a self sign-up from a trusted domain is neither confirmed nor verified', () => {
    const e = event('PreSignUp_SignUp', { email: 'ceo@corp.example' });
    const trusted = settingsWith({ trustedDomains: ['corp.example'] });
    expect(decideFlags(e, trusted)).toEqual(none);
  });

  it('confirms no federated user when federated auto-confirm is off', () => {
    const off = settingsWith({}, { SIGNUP_AUTO_CONFIRM_FEDERATED: 'false' });
    const e = event('PreSignUp_ExternalProvider', { email: 'jane@other.com', email_verified: 'true' });
    expect(decideFlags(e, off)).toEqual(none);
  });
});

describe('rejection messages', () => {
  it('are stable, distinct sentences', () => {
    const messages = Object.values(signUpRejections);
    expect(new Set(messages).size).toBe(messages.length);
    for (const message of messages) expect(message).toMatch(/^[A-Z].*\.$/);
  });
});

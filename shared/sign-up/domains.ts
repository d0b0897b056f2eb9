import { isDisposableEmailDomain } from 'disposable-email-domains-js';
import { getDomain } from 'tldts-icann';
import { asciiDomain } from './ascii-domain.js';
import { rejectSignUp } from './messages.js';
import type { SignUpSettings } from './settings.js';

/** Trimmed, lower-cased address: the form every comparison uses. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The ASCII domain of an address, or undefined when the address has no `local@domain` shape. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  return asciiDomain(email.slice(at + 1));
}

/**
 * The registrable domain (public suffix + one label, ICANN section of the Public Suffix List):
 * `a.b.example.co.uk` → `example.co.uk`. Whoever owns it can mint any number of subdomains, so
 * limits counted per domain count per registrable domain. A host under no known suffix is its own.
 */
export function registrableDomain(domain: string): string {
  return getDomain(domain) ?? domain;
}

/**
 * `pattern` is a domain (`example.com`, exact) or a wildcard (`*.example.com`, any subdomain
 * but not the apex: list both to accept both).
 */
export function domainMatches(domain: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) return domain.endsWith(pattern.slice(1));
  return domain === pattern;
}

export function domainInList(domain: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => domainMatches(domain, pattern));
}

/** True when the domain, or a parent domain, is a known disposable-mail provider. */
export function isDisposableDomain(domain: string): boolean {
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    if (isDisposableEmailDomain(labels.slice(i).join('.'))) return true;
  }
  return false;
}

type DomainSettings = Pick<
  SignUpSettings,
  'allowedDomains' | 'deniedDomains' | 'trustedDomains' | 'blockDisposable' | 'allowWithoutEmail'
>;

/**
 * Domain policy of one sign-up: deny-list first, then (unless the domain is trusted) the
 * allow-list and disposable providers. A non-empty allow-list also refuses a sign-up without an
 * email, unless `allowWithoutEmail`. Returns the ASCII domain for the later policies.
 */
export function checkEmailDomain(rawEmail: string | undefined, settings: DomainSettings): string | undefined {
  if (rawEmail === undefined || rawEmail.trim() === '') {
    if (settings.allowedDomains.length > 0 && !settings.allowWithoutEmail) {
      throw rejectSignUp('SIGNUP_EMAIL_REQUIRED');
    }
    return undefined;
  }
  const domain = emailDomain(normalizeEmail(rawEmail));
  if (!domain) throw rejectSignUp('SIGNUP_EMAIL_INVALID');
  if (domainInList(domain, settings.deniedDomains)) throw rejectSignUp('SIGNUP_DOMAIN_NOT_ALLOWED');
  if (domainInList(domain, settings.trustedDomains)) return domain;
  if (settings.allowedDomains.length > 0 && !domainInList(domain, settings.allowedDomains)) {
    throw rejectSignUp('SIGNUP_DOMAIN_NOT_ALLOWED');
  }
  if (settings.blockDisposable && isDisposableDomain(domain)) throw rejectSignUp('SIGNUP_DISPOSABLE_EMAIL');
  return domain;
}

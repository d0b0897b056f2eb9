import { isDisposableEmailDomain } from 'disposable-email-domains-js';
import { rejectSignUp } from './messages.js';
import type { SignUpSettings } from './settings.js';

/** Trimmed, lower-cased address: the form every comparison uses. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The domain part of a normalised address, or undefined when the address has no `local@domain` shape. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  const domain = email.slice(at + 1);
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain) ? domain : undefined;
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

/**
 * Domain policy of one address: deny-list first, then the allow-list, then disposable
 * providers. Returns the domain for the later policies.
 */
export function checkEmailDomain(
  rawEmail: string,
  settings: Pick<SignUpSettings, 'allowedDomains' | 'deniedDomains' | 'blockDisposable'>,
): string {
  const domain = emailDomain(normalizeEmail(rawEmail));
  if (!domain) throw rejectSignUp('SIGNUP_EMAIL_INVALID');
  if (domainInList(domain, settings.deniedDomains)) throw rejectSignUp('SIGNUP_DOMAIN_NOT_ALLOWED');
  if (settings.allowedDomains.length > 0 && !domainInList(domain, settings.allowedDomains)) {
    throw rejectSignUp('SIGNUP_DOMAIN_NOT_ALLOWED');
  }
  if (settings.blockDisposable && isDisposableDomain(domain)) throw rejectSignUp('SIGNUP_DISPOSABLE_EMAIL');
  return domain;
}

import { domainToASCII } from 'node:url';

/*
 * Kept apart from domains.ts (and its lists) because the settings import it, and the settings
 * are in bundles that never check a domain.
 */

const ASCII_DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;
/** What may follow `*.` in a list: a domain, or a single label (`*.net`). */
const ASCII_LABELS = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;

/**
 * A domain in its ASCII (punycode) form, lower-cased: `Bücher.DE` → `xn--bcher-kva.de`, so that
 * both spellings of one domain compare equal. Undefined when it is not a dotted host name.
 */
export function asciiDomain(domain: string): string | undefined {
  const ascii = domainToASCII(domain.trim());
  return ASCII_DOMAIN.test(ascii) ? ascii : undefined;
}

/**
 * A domain-list entry in the form addresses are compared in: `*.` kept, the rest in ASCII, one
 * trailing dot dropped. Undefined when the entry is not a domain.
 */
export function asciiDomainPattern(entry: string): string | undefined {
  const trimmed = entry.trim().replace(/\.$/, '');
  if (!trimmed.startsWith('*.')) return asciiDomain(trimmed);
  const ascii = domainToASCII(trimmed.slice(2));
  return ASCII_LABELS.test(ascii) ? `*.${ascii}` : undefined;
}

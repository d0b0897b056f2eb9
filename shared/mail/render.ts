import { ownValue } from '../config/lookup.js';
import type { CompiledTemplates, MessageKind, MessagePart } from './kinds.js';
import generated from './templates.generated.json';

/**
 * The message renderer: a minimal mustache-style interpolator (`{{name}}`, `{{#name}}…{{/name}}`,
 * `{{^name}}…{{/name}}`, and `{{{body}}}` for the layout only) over the templates compiled into
 * the bundle. A library (mustache.js is ~10 KB minified, handlebars far more) would add bytes to
 * four bundles for features the templates do not need; this is forty lines and escapes by default.
 */
const templates = generated as CompiledTemplates;

/** The locales that have templates. */
export const availableLocales: readonly string[] = Object.keys(templates.locales);
export const BASE_LOCALE = 'en';

/** Branding every message shows; from the mail settings. */
export interface Branding {
  product: string;
  logoUrl?: string;
  brandColor: string;
  backgroundColor: string;
  supportAddress?: string;
  appUrl?: string;
}

export interface RenderedMessage {
  /** The locale whose templates were used first (`pt` for a `pt-BR` user). */
  locale: string;
  subject: string;
  html: string;
  text: string;
  sms: string;
}

export interface RenderRequest {
  locale?: string;
  defaultLocale?: string;
  /** Message values (`name`, `code`, `link`…): user data, escaped in HTML. */
  values: Record<string, string | undefined>;
  branding: Branding;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const SECTION = /\{\{([#^])([\w-]+)\}\}([\s\S]*?)\{\{\/\2\}\}/g;
const VARIABLE = /\{\{\{([\w-]+)\}\}\}|\{\{([\w-]+)\}\}/g;

/**
 * Fills a template in one pass, so a value that itself contains `{{…}}` is never expanded.
 * `html`: double-brace values are escaped; triple braces insert already-rendered HTML.
 */
export function interpolate(
  template: string,
  values: Record<string, string | undefined>,
  mode: 'html' | 'text',
): string {
  const withSections = expandSections(template, values);
  return withSections.replace(VARIABLE, (_, raw: string | undefined, name: string | undefined) => {
    const value = values[(raw ?? name)!] ?? '';
    return mode === 'html' && name !== undefined ? escapeHtml(value) : value;
  });
}

function expandSections(template: string, values: Record<string, string | undefined>): string {
  return template.replace(SECTION, (_, kind: string, name: string, inner: string) => {
    const present = (values[name] ?? '') !== '';
    return present === (kind === '#') ? expandSections(inner, values) : '';
  });
}

/** `pt_br` → `pt-BR`; undefined for anything that is not a locale tag. */
export function normalizeLocale(locale: string | undefined): string | undefined {
  const match = /^([a-zA-Z]{2,3})(?:[-_]([a-zA-Z0-9]{2,8}))?/.exec(locale?.trim() ?? '');
  if (!match) return undefined;
  const language = match[1]!.toLowerCase();
  const region = match[2];
  if (!region) return language;
  return `${language}-${region.length === 2 ? region.toUpperCase() : region}`;
}

/**
 * The locales to try, most specific first, kept to those with templates:
 * `pt-BR` → `pt-BR`, `pt`, the default locale (and its language), `en`.
 */
export function localeChain(requested: string | undefined, defaultLocale = BASE_LOCALE): string[] {
  const chain: string[] = [];
  for (const tag of [normalizeLocale(requested), normalizeLocale(defaultLocale), BASE_LOCALE]) {
    if (!tag) continue;
    chain.push(tag);
    if (tag.includes('-')) chain.push(tag.split('-')[0]!);
  }
  return [...new Set(chain)].filter((tag) => Object.hasOwn(templates.locales, tag));
}

/**
 * The values Gatehouse or Cognito makes (codes, links built from settings, Cognito's one-click
 * feedback links, times, durations, Cognito's placeholders); every other value comes from a user
 * or a client (names, device, location, IP) and is shown through `userText`.
 */
const GATEHOUSE_VALUES = new Set([
  'code',
  'link',
  'cognitoLink',
  'linkValid',
  'linkInvalid',
  'username',
  'time',
  'minutes',
]);

/** The longest user-supplied value a message shows (characters), cut with an ellipsis. */
export const USER_VALUE_MAX_CHARACTERS = 64;

/**
 * A user-supplied value as a message shows it: on one line, at most `USER_VALUE_MAX_CHARACTERS`,
 * and never link-shaped, so a mail client cannot make it a link (a `given_name` of
 * `https://evil.example/reset` would otherwise reach a victim's inbox as one): a dot before two
 * letters becomes `[.]` (domains, addresses, `www.`) and a scheme's colon `[:]` (`https[:]//`).
 * Ordinary names have neither.
 */
export function userText(value: string): string {
  const oneLineValue = value.replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
  const characters = [...oneLineValue];
  const capped =
    characters.length > USER_VALUE_MAX_CHARACTERS
      ? `${characters.slice(0, USER_VALUE_MAX_CHARACTERS - 1).join('')}…`
      : oneLineValue;
  return capped.replace(LINK_DOT, '[.]').replace(SCHEME_COLON, '[:]');
}

/** A dot (or a full-width or ideographic one) before two letters: a domain's, as linkifiers read it. */
const LINK_DOT = /[.．。｡](?=\p{L}{2})/gu;
/** The colon of a scheme: before `//`, or after a scheme that needs none. */
const SCHEME_COLON = /:(?=\s*[\\/]{2})|(?<=\b(?:mailto|javascript|data|tel|sms|file))\s*:/giu;

function shownValues(values: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      value === undefined || GATEHOUSE_VALUES.has(name) ? value : userText(value),
    ]),
  );
}

/** Renders every part of one message for one locale, with branding and escaping applied. */
export function renderMessage(kind: MessageKind, request: RenderRequest): RenderedMessage {
  const chain = localeChain(request.locale, request.defaultLocale);
  const locale = chain.find((tag) => templates.locales[tag]!.messages[kind]) ?? BASE_LOCALE;
  const part = (name: MessagePart) =>
    firstDefined(chain, (tag) => templates.locales[tag]!.messages[kind]?.[name]);
  const phrase = (name: string) =>
    firstDefined(chain, (tag) => ownValue(templates.locales[tag]!.common, name));

  const { branding } = request;
  // Branding comes last: a user-supplied value never replaces the product or the colours.
  const values: Record<string, string | undefined> = {
    ...shownValues(request.values),
    product: branding.product,
    logoUrl: branding.logoUrl,
    brandColor: branding.brandColor,
    backgroundColor: branding.backgroundColor,
    supportAddress: branding.supportAddress,
    appUrl: branding.appUrl,
    lang: locale,
  };
  for (const name of ['greeting', 'ignore', 'footer', 'supportLabel']) {
    values[name] = interpolate(phrase(name), values, 'text');
  }
  const subject = oneLine(interpolate(part('subject'), values, 'text'));
  const heading = oneLine(interpolate(part('heading'), values, 'text'));
  const bodyHtml = interpolate(part('html'), values, 'html');
  const bodyText = interpolate(part('text'), values, 'text');
  return {
    locale,
    subject,
    html: interpolate(templates.layout.html, { ...values, subject, heading, body: bodyHtml }, 'html'),
    text: `${interpolate(templates.layout.text, { ...values, body: bodyText }, 'text').trim()}\n`,
    sms: oneLine(interpolate(part('sms'), values, 'text')),
  };
}

function firstDefined(chain: string[], pick: (tag: string) => string | undefined): string {
  for (const tag of chain) {
    const found = pick(tag);
    if (found !== undefined) return found;
  }
  return '';
}

/** Subjects and SMS are one line: a value with a line break cannot add a header or a second line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

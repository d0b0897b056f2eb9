import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileTemplates, generatedFile } from '../../scripts/compile-templates.js';
import { messageKinds, messageParts } from '../../shared/mail/kinds.js';
import {
  availableLocales,
  type Branding,
  escapeHtml,
  interpolate,
  localeChain,
  normalizeLocale,
  renderMessage,
  USER_VALUE_MAX_CHARACTERS,
  userText,
} from '../../shared/mail/render.js';

const branding: Branding = { product: 'Acme', brandColor: '#112233', backgroundColor: '#ffffff' };

describe('compiled templates', () => {
  it('are up to date with the template files (run `npm run templates` after editing them)', () => {
    const onDisk = JSON.parse(readFileSync(generatedFile, 'utf8'));
    expect(onDisk).toEqual(compileTemplates());
  });

  it('ship English and at least two complete other locales', () => {
    expect(availableLocales).toContain('en');
    expect(availableLocales.filter((l) => l !== 'en').length).toBeGreaterThanOrEqual(2);
    const compiled = compileTemplates();
    for (const locale of availableLocales) {
      for (const kind of messageKinds) {
        for (const part of messageParts) expect(compiled.locales[locale]!.messages[kind]![part]).toBeTruthy();
      }
    }
  });

  it('use raw (triple-brace) insertion only in the layouts', () => {
    const compiled = compileTemplates();
    for (const locale of Object.values(compiled.locales)) {
      expect(JSON.stringify(locale)).not.toContain('{{{');
    }
  });
});

describe('interpolate', () => {
  it.each([
    ['{{a}}', { a: '<b>' }, 'html', '&lt;b&gt;'],
    ['{{a}}', { a: '<b>' }, 'text', '<b>'],
    ['{{{a}}}', { a: '<b>' }, 'html', '<b>'],
    ['"{{a}}"', { a: `" onmouseover='x'` }, 'html', '"&quot; onmouseover=&#39;x&#39;"'],
    ['{{#a}}yes {{a}}{{/a}}{{^a}}no{{/a}}', { a: 'x' }, 'text', 'yes x'],
    ['{{#a}}yes {{a}}{{/a}}{{^a}}no{{/a}}', { a: '' }, 'text', 'no'],
    ['{{#a}}{{#b}}both{{/b}}{{/a}}', { a: '1', b: '1' }, 'text', 'both'],
    ['{{missing}}!', {}, 'html', '!'],
    ['{{a}}', { a: '{{b}}', b: 'expanded' }, 'text', '{{b}}'],
  ] as const)('%s with %j (%s) → %s', (template, values, mode, expected) => {
    expect(interpolate(template, values, mode)).toBe(expected);
  });

  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('locales', () => {
  it.each([
    ['pt_br', 'pt-BR'],
    ['PT-br', 'pt-BR'],
    ['es-419', 'es-419'],
    ['en', 'en'],
    ['', undefined],
    ['??', undefined],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizeLocale(input)).toBe(expected);
  });

  it.each([
    ['pt-BR', 'en', ['pt', 'en']],
    ['es-MX', 'en', ['es', 'en']],
    ['fr-CA', 'en', ['en']],
    [undefined, 'es', ['es', 'en']],
    ['de', 'pt-BR', ['pt', 'en']],
  ] as const)('%s with default %s falls back through %j', (locale, fallback, chain) => {
    expect(localeChain(locale, fallback)).toEqual(chain);
  });

  it('renders pt-BR from the pt templates', () => {
    const message = renderMessage('sign-up-code', { locale: 'pt-BR', values: { code: '1' }, branding });
    expect(message.locale).toBe('pt');
    expect(message.subject).toBe('Seu código de verificação de Acme');
  });
});

describe('renderMessage', () => {
  const hostile = '<img src=x onerror=alert(1)>"\'&';
  it.each(messageKinds)('%s shows hostile values as text in HTML, keeps them in plain text', (kind) => {
    const values = Object.fromEntries(
      [
        'name',
        'username',
        'code',
        'link',
        'device',
        'location',
        'ip',
        'time',
        'linkValid',
        'linkInvalid',
      ].map((key) => [key, hostile]),
    );
    for (const locale of availableLocales) {
      const message = renderMessage(kind, { locale, values, branding });
      expect(message.html).not.toContain('<img');
      expect(message.html).not.toMatch(/onerror=alert\(1\)>"/);
      expect(message.subject).not.toMatch(/[\r\n]/);
      expect(message.sms).not.toMatch(/[\r\n]/);
    }
  });

  it.each(messageKinds)(
    'attack: URL-shaped names, devices and locations never become links in %s (HTML, text, subject, SMS)',
    (kind) => {
      const urls = [
        'https://evil.example/reset',
        'Jane, confirm at www.evil.example',
        'support@evil.example',
        'javascript:alert(1)',
        'evil。example',
      ];
      for (const url of urls) {
        const values = { name: url, device: url, location: url, ip: url, code: '123456' };
        for (const locale of availableLocales) {
          const message = renderMessage(kind, { locale, values, branding });
          for (const part of [message.html, message.text, message.subject, message.sms]) {
            expect(part).not.toMatch(/evil[.。]example|https:\/\/evil|javascript:/);
          }
        }
      }
    },
  );

  it('attack: a long name is cut to USER_VALUE_MAX_CHARACTERS; ordinary names are shown as given', () => {
    const long = renderMessage('welcome', { values: { name: `Jane${'e'.repeat(500)}` }, branding });
    expect(long.text).toContain(`Jane${'e'.repeat(USER_VALUE_MAX_CHARACTERS - 5)}…`);
    expect(long.text).not.toContain('e'.repeat(USER_VALUE_MAX_CHARACTERS));
    for (const name of ['J.R.R. Tolkien', 'Zoë Ångström', "O'Brien-Smith", '李小龍']) {
      expect(userText(name)).toBe(name);
    }
  });

  it('attack (already refused): template syntax in a name or a locale is shown, never expanded', () => {
    const message = renderMessage('sign-up-code', {
      locale: '{{code}}',
      values: { name: '{{code}} {{{body}}} {{#code}}x{{/code}}', code: '123456' },
      branding,
    });
    expect(message.locale).toBe('en');
    expect(message.text).toContain('{{code}} {{{body}}} {{#code}}x{{/code}}');
    expect(message.text.match(/123456/g)).toHaveLength(1);
    const traversal = renderMessage('welcome', { locale: '../../etc/passwd', values: {}, branding });
    expect(traversal.locale).toBe('en');
  });

  it('does not let a value override the branding', () => {
    const message = renderMessage('welcome', { values: { product: 'Evil Corp' }, branding });
    expect(message.subject).toBe('Welcome to Acme');
  });

  it('shows the logo when configured, else the product name', () => {
    const withLogo = renderMessage('welcome', {
      values: {},
      branding: { ...branding, logoUrl: 'https://cdn.acme.test/logo.png' },
    });
    expect(withLogo.html).toContain('<img src="https://cdn.acme.test/logo.png" alt="Acme"');
    expect(renderMessage('welcome', { values: {}, branding }).html).not.toContain('<img');
  });
});

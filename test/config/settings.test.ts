import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { settingCatalog } from '../../scripts/setting-catalog.js';
import { loadSettings, setting } from '../../shared/config/settings.js';
import { ConfigError } from '../../shared/errors/index.js';

const specs = {
  maxAttempts: setting({
    env: 'MAX_ATTEMPTS',
    schema: v.pipe(v.number(), v.integer(), v.minValue(1)),
    default: 5,
    doc: 'd',
  }),
  mode: setting({
    env: 'MODE',
    schema: v.picklist(['audit', 'enforce']),
    default: 'audit' as const,
    doc: 'd',
  }),
  domains: setting({
    file: 'signUp.allowedDomains',
    schema: v.array(v.string()),
    default: [] as string[],
    doc: 'd',
  }),
};

describe('one configuration mechanism', () => {
  it('takes the environment first, then the bundled file, then the default', () => {
    const settings = loadSettings(specs, {
      env: { MAX_ATTEMPTS: '3' },
      file: { signUp: { allowedDomains: ['example.com'] } },
    });
    expect(settings).toEqual({ maxAttempts: 3, mode: 'audit', domains: ['example.com'] });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it.each([
    [{ MAX_ATTEMPTS: 'three' }, {}, 'Setting MAX_ATTEMPTS (environment):'],
    [{ MAX_ATTEMPTS: '0' }, {}, 'Setting MAX_ATTEMPTS (environment):'],
    [{ MODE: 'block' }, {}, 'Setting MODE (environment):'],
    [
      {},
      { signUp: { allowedDomains: 'example.com' } },
      'Setting signUp.allowedDomains (config/gatehouse.json): ',
    ],
    [
      {},
      { signUp: { allowedDomains: ['ok', 7] } },
      'Setting signUp.allowedDomains (config/gatehouse.json).1:',
    ],
  ])('fails loudly naming the setting: %j %j', (env, file, message) => {
    expect(() => loadSettings(specs, { env, file })).toThrow(ConfigError);
    expect(() => loadSettings(specs, { env, file })).toThrow(message);
  });

  it('every default of every setting is valid and parses to itself (a scalar default is used unparsed)', () => {
    for (const [group, groupSpecs] of Object.entries(settingCatalog)) {
      for (const [key, spec] of Object.entries(groupSpecs)) {
        const parsed = v.safeParse(spec.schema, spec.default);
        expect(parsed.success, `${group}.${key}`).toBe(true);
        expect(parsed.output, `${group}.${key}`).toStrictEqual(spec.default);
        expect(loadSettings({ [key]: spec }, { env: {}, file: {} })[key], `${group}.${key}`).toStrictEqual(
          spec.default,
        );
      }
    }
  });

  it('a list default is a copy: no caller can change the spec through its settings', () => {
    const settings = loadSettings(specs, { env: {}, file: {} });
    expect(settings.domains).toEqual([]);
    expect(settings.domains).not.toBe(specs.domains.default);
  });
});

import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
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
});

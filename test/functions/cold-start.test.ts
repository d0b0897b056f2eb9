import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../shared/errors/index.js';

/**
 * Every function reads and checks its settings when it loads: a bad setting fails the cold start
 * (the deployment's first start, naming the setting), never a user's first sign-up or sign-in.
 * These four read theirs on each call before.
 */
describe('a bad setting fails the cold start', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it.each([
    ['pre-sign-up', 'SIGNUP_BLOCK_DISPOSABLE', 'perhaps', () => import('../../functions/pre-sign-up.js')],
    [
      'post-confirmation',
      'ONBOARDING_WELCOME_MAIL',
      'perhaps',
      () => import('../../functions/post-confirmation.js'),
    ],
    ['migrate-user', 'MIGRATION_SOURCE', 'ftp', () => import('../../functions/migrate-user.js')],
    [
      'inbound-federation',
      'FEDERATION_WHEN_NOTHING_MAPS',
      'shrug',
      () => import('../../functions/inbound-federation.js'),
    ],
  ])('%s refuses to load with %s=%s, naming it', async (_, name, value, load) => {
    vi.resetModules();
    vi.stubEnv(name, value);
    const loading = load();
    // A fresh module graph: its own ConfigError class, so compared by name.
    await expect(loading).rejects.toMatchObject({ name: ConfigError.name });
    await expect(loading).rejects.toThrow(name);
  });

  it('migrate-user refuses an http legacy store without its URL at load', async () => {
    vi.resetModules();
    vi.stubEnv('MIGRATION_SOURCE', 'http');
    vi.stubEnv('MIGRATION_HTTP_URL', '');
    await expect(import('../../functions/migrate-user.js')).rejects.toThrow('Setting MIGRATION_HTTP_URL');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  GatehouseError,
  rejection,
  UserFacingError,
  userFacingMessages,
} from '../../shared/errors/index.js';
import { legacyStore } from '../../shared/migration/stores.js';
import { noKeyDecrypter } from '../../shared/senders/decrypt.js';
import { projectRoot, sourceFiles } from '../support/import-graph.js';

describe('one error module', () => {
  it('writes every user-facing message from the registry, with its code', () => {
    const error = rejection('SIGNUP_DOMAIN_NOT_ALLOWED');
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error).toBeInstanceOf(GatehouseError);
    expect(error).toMatchObject({
      name: 'UserFacingError',
      code: 'SIGNUP_DOMAIN_NOT_ALLOWED',
      message: userFacingMessages.SIGNUP_DOMAIN_NOT_ALLOWED,
    });
    expect(rejection('RISK_EVENT_NOT_FOUND', 'e-1').message).toBe('No event e-1 for this user.');
  });

  it('has no user-facing message written outside the registry', () => {
    const elsewhere = [...sourceFiles('shared'), ...sourceFiles('functions')].filter(
      (file) =>
        !file.startsWith('shared/errors/') &&
        /new UserFacingError\(/.test(readFileSync(`${projectRoot}/${file}`, 'utf8')),
    );
    expect(elsewhere).toEqual([]);
  });

  it('has no error class outside shared/errors but the few that carry a feature reason', () => {
    const classes = [...sourceFiles('shared'), ...sourceFiles('functions')].flatMap((file) =>
      [...readFileSync(`${projectRoot}/${file}`, 'utf8').matchAll(/class (\w+) extends (\w|\.)*Error\b/g)]
        .filter(() => !file.startsWith('shared/errors/'))
        .map((match) => `${file}: ${match[1]}`),
    );
    expect(classes.sort()).toEqual([
      // aws-jwt-verify's own base, so that its verifier reports the failed claim like its own checks.
      'shared/alb/verify.ts: AccessTokenClaimError',
      'shared/authorizer/request.ts: AuthorizationFailure',
      'shared/authorizer/verify.ts: CognitoClaimError',
      'shared/authorizer/verify.ts: JwksUnavailableError',
    ]);
  });

  it('raises a ConfigError naming the setting when the legacy endpoint is missing or no key is set', async () => {
    expect(() => legacyStore({ source: 'http' } as Parameters<typeof legacyStore>[0])).toThrow(ConfigError);
    expect(() => legacyStore({ source: 'http' } as Parameters<typeof legacyStore>[0])).toThrow(
      'Setting MIGRATION_HTTP_URL: is not set, and MIGRATION_SOURCE is http',
    );
    await expect(noKeyDecrypter('abc')).rejects.toBeInstanceOf(ConfigError);
    await expect(noKeyDecrypter('abc')).rejects.toThrow('Setting KMS_KEY_ARN: is not set');
  });
});

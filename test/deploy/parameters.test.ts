/**
 * The deploy parameters are checked before anything reaches AWS: each missing or contradictory
 * parameter is one line of the error that stops `serverless package` / `serverless deploy`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Parameters, parameterProblems, resolveParameters } from '../../scripts/deploy/parameters';
import { repoRoot, runServerlessPackage } from '../../scripts/package';

const params = (
  parse(readFileSync(join(repoRoot, 'serverless.yml'), 'utf8')) as {
    params: Record<string, Record<string, unknown>>;
  }
).params;
const known = Object.keys(params.default!);
const defaults = resolveParameters(params, 'prod');

const problems = (changes: Parameters, command: 'package' | 'deploy' = 'package') =>
  parameterProblems({ ...defaults, ...changes }, known, command);

describe('deploy parameter check', () => {
  it('accepts the defaults for a package (a created pool, Cognito delivering)', () => {
    expect(problems({})).toEqual([]);
  });

  it.each([
    [
      'an existing pool without its app client',
      { userPoolId: 'eu-west-1_AbC123' },
      /^userPoolClientId: required with an existing pool/,
    ],
    [
      'an app client without the pool it belongs to',
      { userPoolClientId: 'abc123' },
      /^userPoolClientId: given without userPoolId/,
    ],
    [
      'a malformed pool id',
      { userPoolId: 'my-pool', userPoolClientId: 'abc' },
      /^userPoolId: must be a user pool id/,
    ],
    [
      'a key while Cognito delivers (the senders are not wired)',
      { kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc' },
      /^kmsKeyArn: only the custom senders use a key/,
    ],
    [
      'a malformed key ARN',
      { messageDelivery: 'senders', kmsKeyArn: 'alias/mine' },
      /^kmsKeyArn: must be a KMS key ARN/,
    ],
    ['an unknown delivery', { messageDelivery: 'ses' }, /^messageDelivery: must be one of cognito, senders/],
    [
      'threat protection for a pool this stack does not own',
      { userPoolId: 'eu-west-1_AbC123', userPoolClientId: 'abc', threatProtection: 'audit' },
      /^threatProtection: applies to the pool this stack creates/,
    ],
    [
      'an unknown threat protection mode',
      { threatProtection: 'on' },
      /^threatProtection: must be one of off, audit, enforced/,
    ],
    [
      'a magic-link secret without the page',
      { magicLinkSecretName: 'gatehouse/prod/magic-link' },
      /^magicLinkSecretName, magicLinkUrl: magic links need both/,
    ],
    [
      'a secret value where its name belongs (attack: the secret in plain parameters)',
      { legacyAuthorizationSecretName: 'Bearer abc def' },
      /^legacyAuthorizationSecretName: must be a Secrets Manager secret name/,
    ],
    [
      'the plain magic-link secret parameter, which is gone (a secret is never a parameter)',
      { magicLinkSecret: 'x'.repeat(32) },
      /^magicLinkSecret: not a parameter of this service/,
    ],
    [
      'a short context secret (its value never echoed)',
      { contextSecret: 'short-secret!' },
      /^contextSecret: must be empty \(the stack generates a Secrets Manager secret\) or 32\+ letters and digits \(local runs only\)$/,
    ],
    [
      'a retention CloudWatch does not offer',
      { logRetentionInDays: '10' },
      /^logRetentionInDays: must be one of CloudWatch's periods/,
    ],
    [
      'an authorizer cache beyond an hour',
      { authorizerCacheTtl: '7200' },
      /^authorizerCacheTtl: must be a whole number from 0 to 3600/,
    ],
    [
      'both an alarm address and a topic of ones own (the address would subscribe to no topic)',
      { alarmEmail: 'ops@acme.io', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' },
      /^alarmEmail: subscribes to the topic this stack creates, and alarmTopicArn replaces it/,
    ],
    [
      'an alarm topic that is not an SNS topic ARN',
      { alarmTopicArn: 'ops-alarms' },
      /^alarmTopicArn: must be an SNS topic ARN/,
    ],
    ['a malformed alarm address', { alarmEmail: 'ops' }, /^alarmEmail: must be an email address/],
    [
      'a surge threshold of zero (every single block would alarm)',
      { alarmSurgeThreshold: '0' },
      /^alarmSurgeThreshold: must be a whole number from 1 to 100000/,
    ],
    [
      'a geo database that is not a MaxMind file',
      { geoDatabasePath: 'geoip/GeoLite2-City.tar.gz' },
      /^geoDatabasePath: must be a MaxMind database file \(\.mmdb\)/,
    ],
    [
      'a misspelt parameter',
      { userPoolID: 'eu-west-1_AbC123' },
      /^userPoolID: not a parameter of this service/,
    ],
  ])('refuses %s', (_, changes, line) => {
    const found = problems(changes as Parameters);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(line);
  });

  it('reports every problem, one line each', () => {
    expect(
      problems({ userPoolId: 'eu-west-1_AbC123', threatProtection: 'audit', messageDelivery: 'x' }),
    ).toHaveLength(3);
  });

  it('refuses the placeholder From address for a deploy, not for a package', () => {
    expect(problems({}, 'deploy')).toEqual([
      'sesFromAddress: no-reply@example.com cannot be a verified SES identity; set the address your users get mail from',
    ]);
    expect(problems({ sesFromAddress: 'auth@mail.acme.io' }, 'deploy')).toEqual([]);
  });

  it('takes a value as the framework does: --param over the stage over the default', () => {
    const block = { default: { logLevel: 'INFO', tableName: '' }, prod: { logLevel: 'WARN' } };
    expect(resolveParameters(block, 'prod', ['tableName=kept'])).toEqual({
      logLevel: 'WARN',
      tableName: 'kept',
    });
    expect(resolveParameters(block, 'dev')).toEqual({ logLevel: 'INFO', tableName: '' });
  });

  it('stops `serverless package` before anything is built, one line per problem', () => {
    const out = mkdtempSync(join(tmpdir(), 'gatehouse-params-'));
    const run = runServerlessPackage([
      '--param=userPoolId=eu-west-1_AbC123',
      '--param=messageDelivery=senders',
      '--param=threatProtection=enforced',
      '--package',
      out,
    ]);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('Deploy parameters for stage "dev" have 2 problem(s):');
    expect(run.output).toContain(
      '  - userPoolClientId: required with an existing pool (userPoolId=eu-west-1_AbC123)',
    );
    expect(run.output).toContain('  - threatProtection: applies to the pool this stack creates');
    expect(run.output).not.toContain('esbuild');
  }, 60_000);
});

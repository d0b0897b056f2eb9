/**
 * `npm run wire-pool` against a local stand-in (cognito-local, whose UpdateUserPool resets every
 * field it is not given, as Cognito's does): the dry run shows the merged configuration and
 * changes nothing; the real run changes the LambdaConfig and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeUserPoolCommand,
  UpdateUserPoolCommand,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gatehouseTriggers,
  mergeLambdaConfig,
  type StackOutput,
  wirePool,
} from '../../scripts/deploy/wire-pool';
import { type LocalCognito, startCognitoLocal } from '../../scripts/local/cognito';
import { freePort } from '../../scripts/local/processes';
import { repoRoot } from '../../scripts/package';

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:gatehouse-prod-${name}`;
const OUTPUT_FIELDS: [string, string][] = [
  ['PreSignUp', 'preSignUp'],
  ['PostConfirmation', 'postConfirmation'],
  ['UserMigration', 'migrateUser'],
  ['PreTokenGenerationConfig', 'preTokenGeneration'],
  ['CustomMessage', 'customMessage'],
  ['PreAuthentication', 'preAuthentication'],
  ['PostAuthentication', 'postAuthentication'],
  ['DefineAuthChallenge', 'defineAuthChallenge'],
  ['CreateAuthChallenge', 'createAuthChallenge'],
  ['VerifyAuthChallengeResponse', 'verifyAuthChallenge'],
  ['CustomEmailSender', 'customEmailSender'],
  ['CustomSMSSender', 'customSmsSender'],
  ['InboundFederation', 'inboundFederation'],
];
/** The stack outputs of a deploy with messageDelivery=cognito. */
const OUTPUTS: StackOutput[] = [
  { OutputKey: 'TableName', OutputValue: 'gatehouse-prod-GatehouseTable-1ABC' },
  ...OUTPUT_FIELDS.map(([field, fn]) => ({
    OutputKey: `${fn[0]!.toUpperCase()}${fn.slice(1)}FunctionArn`,
    OutputValue: arn(fn),
    Description: `LambdaConfig.${field}`,
  })),
];
const OTHER_TEAM_HOOK = 'arn:aws:lambda:eu-west-1:123456789012:function:other-team-hook';

/** The pool's own settings, which wiring must keep. */
const POOL_SETTINGS = {
  Policies: {
    PasswordPolicy: {
      MinimumLength: 14,
      RequireNumbers: true,
      RequireSymbols: true,
      RequireLowercase: true,
      RequireUppercase: false,
      TemporaryPasswordValidityDays: 3,
    },
  },
  EmailVerificationSubject: 'Your Acme code',
  EmailVerificationMessage: 'Acme code: {####}',
  MfaConfiguration: 'OFF' as const,
  UserPoolTags: { team: 'identity' },
  LambdaConfig: {
    PreSignUp: OTHER_TEAM_HOOK,
    PostAuthentication: OTHER_TEAM_HOOK,
    PreTokenGeneration: OTHER_TEAM_HOOK,
  },
};

let cognito: LocalCognito;

async function describePool(): Promise<UserPoolType> {
  return (await cognito.client.send(new DescribeUserPoolCommand({ UserPoolId: cognito.userPoolId })))
    .UserPool!;
}

/** What must not change: the pool without its LambdaConfig and bookkeeping dates. */
const settingsOf = (pool: UserPoolType) => {
  const { LambdaConfig: _, LastModifiedDate: __, ...rest } = pool;
  return rest;
};

beforeAll(async () => {
  cognito = await startCognitoLocal({
    port: await freePort(),
    lambdaEndpoint: 'http://127.0.0.1:9',
    triggerFunctions: {},
  });
  await cognito.client.send(new UpdateUserPoolCommand({ UserPoolId: cognito.userPoolId, ...POOL_SETTINGS }));
}, 60_000);

afterAll(async () => {
  await cognito?.stop();
});

describe('wire-pool', () => {
  it('takes the triggers from the outputs: the custom message when Cognito delivers, the senders and key otherwise', () => {
    const cognitoDelivers = gatehouseTriggers(OUTPUTS);
    expect(cognitoDelivers.CustomMessage).toBe(arn('customMessage'));
    expect(cognitoDelivers).not.toHaveProperty('CustomEmailSender');
    expect(cognitoDelivers.PreTokenGenerationConfig).toEqual({
      LambdaArn: arn('preTokenGeneration'),
      LambdaVersion: 'V2_0',
    });
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/k1';
    const sendersDeliver = gatehouseTriggers([
      ...OUTPUTS,
      { OutputKey: 'CustomSenderKeyArn', OutputValue: key },
    ]);
    expect(sendersDeliver).not.toHaveProperty('CustomMessage');
    expect(sendersDeliver.CustomEmailSender).toEqual({
      LambdaArn: arn('customEmailSender'),
      LambdaVersion: 'V1_0',
    });
    expect(sendersDeliver.KMSKeyID).toBe(key);
    // Never a version ARN: the pool would stay on that code forever.
    expect(JSON.stringify(sendersDeliver)).not.toMatch(/function:[\w-]+:\d+/);
  });

  it('keeps triggers it does not provide and drops the delivery it does not use', () => {
    const merged = mergeLambdaConfig(
      {
        CustomEmailSender: { LambdaArn: OTHER_TEAM_HOOK, LambdaVersion: 'V1_0' },
        KMSKeyID: 'k',
        CreateAuthChallenge: OTHER_TEAM_HOOK,
      },
      { CustomMessage: arn('customMessage') },
    );
    expect(merged).toEqual({ CustomMessage: arn('customMessage'), CreateAuthChallenge: OTHER_TEAM_HOOK });
  });

  it('dry run (the CLI, against cognito-local): prints the merged configuration and changes nothing', async () => {
    const before = await describePool();
    const outputsFile = join(mkdtempSync(join(tmpdir(), 'gatehouse-wire-')), 'outputs.json');
    writeFileSync(outputsFile, JSON.stringify(OUTPUTS));
    const run = spawnSync(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [
        'scripts/deploy/wire-pool.ts',
        '--stage',
        'prod',
        '--user-pool-id',
        cognito.userPoolId,
        '--outputs',
        outputsFile,
        '--endpoint',
        cognito.endpoint,
        '--region',
        'us-east-1',
        '--dry-run',
      ],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
        // spawnSync blocks the event loop, so the test's own timeout (60 s) could never fire.
        timeout: 50_000,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`  ~ PreSignUp: ${OTHER_TEAM_HOOK} -> ${arn('preSignUp')}`);
    expect(run.stdout).toContain(`  - PreTokenGeneration: ${OTHER_TEAM_HOOK}`);
    expect(run.stdout).toContain(`  + CustomMessage: ${arn('customMessage')}`);
    expect(run.stdout).toContain('dry run: nothing sent');
    const request = JSON.parse(
      run.stdout.slice(run.stdout.indexOf('would be:') + 'would be:'.length),
    ) as Record<string, unknown>;
    expect(request.EmailVerificationSubject).toBe('Your Acme code');
    expect(request.Policies).toEqual(POOL_SETTINGS.Policies);
    expect(await describePool()).toEqual(before);
  }, 60_000);

  it('writes the pool back whole: LambdaConfig merged, every other setting as it was', async () => {
    const before = await describePool();
    await wirePool({
      userPoolId: cognito.userPoolId,
      outputs: OUTPUTS,
      cognito: cognito.client,
      dryRun: false,
      log: () => {},
    });
    const after = await describePool();
    expect(settingsOf(after)).toEqual(settingsOf(before));
    expect(after.LambdaConfig?.PreSignUp).toBe(arn('preSignUp'));
    expect(after.LambdaConfig?.CustomMessage).toBe(arn('customMessage'));
    expect(after.LambdaConfig).not.toHaveProperty('PreTokenGeneration');
    expect(after.EmailVerificationSubject).toBe('Your Acme code');
  });
});

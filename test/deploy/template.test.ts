/**
 * The deployable artefact: packages the service (no credentials, no network) for a pool this stack
 * creates and for an existing pool, and checks the CloudFormation template CloudFormation would
 * create from each (conditions applied) and the zips `serverless deploy` would upload.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsActionsOf, lambdaSentActions } from '../../scripts/deploy/aws-calls';
import { type LocalDynamo, startLocalDynamo } from '../../scripts/local/emulators.js';
import {
  accessClaims,
  createTestKey,
  signToken,
  startTestIssuer,
  type TestIssuer,
  type TestKey,
} from '../../scripts/local/test-issuer.js';
import { repoRoot } from '../../scripts/package';
import { settingCatalog } from '../../scripts/setting-catalog.js';
import { revokeTokenId } from '../../shared/authorizer/revoke.js';
import { METRIC } from '../../shared/observability/metrics.js';
import { buildMmdb, cityRecord } from '../risk/support/mmdb.js';
import { sampleEvent } from '../support/events.js';
import {
  extractZip,
  type PackagedStack,
  packageStack,
  type Resource,
  referencedIds,
  statements,
  type Template,
} from './stack';

/** The Cognito trigger of each function, as named in the user pool's LambdaConfig. */
const TRIGGERS = {
  PreSignUp: 'preSignUp',
  PostConfirmation: 'postConfirmation',
  UserMigration: 'migrateUser',
  PreTokenGenerationConfig: 'preTokenGeneration',
  CustomMessage: 'customMessage',
  PreAuthentication: 'preAuthentication',
  PostAuthentication: 'postAuthentication',
  DefineAuthChallenge: 'defineAuthChallenge',
  CreateAuthChallenge: 'createAuthChallenge',
  VerifyAuthChallengeResponse: 'verifyAuthChallenge',
  CustomEmailSender: 'customEmailSender',
  CustomSMSSender: 'customSmsSender',
  InboundFederation: 'inboundFederation',
} as const;

/** Triggers configured as `{LambdaArn, LambdaVersion}` rather than a bare ARN. */
const VERSIONED_TRIGGERS: Record<string, string> = {
  PreTokenGenerationConfig: 'V2_0',
  CustomEmailSender: 'V1_0',
  CustomSMSSender: 'V1_0',
  InboundFederation: 'V1_0',
};

const SENDER_TRIGGERS = ['CustomEmailSender', 'CustomSMSSender'];

/**
 * Every function of serverless.yml, found from the entries in functions/ (the product) and demo/
 * (the demo's backends), by serverless.yml key: `functions/pre-sign-up.ts` is `preSignUp`.
 */
const ENTRIES = new Map(
  ['functions', 'demo'].flatMap((folder) =>
    readdirSync(join(repoRoot, folder))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => [
        file.replace(/\.ts$/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
        `${folder}/${file}`,
      ]),
  ),
);
const FUNCTIONS = [...ENTRIES.keys()];

/** Serverless's logical id of a function: `preSignUp` -> `PreSignUpLambdaFunction`. */
const logicalId = (name: string): string => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;
const getAttArn = (name: string) => ({ 'Fn::GetAtt': [logicalId(name), 'Arn'] });
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

const EXISTING_POOL = 'eu-west-1_Existing1';
const RETAINED_TABLE = 'gatehouse-retained';
const MAGIC_LINK_SECRET = 'gatehouse/prod/magic-link';
const LEGACY_SECRET = 'gatehouse/prod/legacy-authorization';
const ALARM_EMAIL = 'ops@acme.io';
const ALARM_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';
/** Settings whose value is itself a secret (local runs only): never in a deployed environment. */
const PLAIN_SECRET_SETTINGS = Object.values(settingCatalog)
  .flatMap((specs) => Object.values(specs).map((spec) => spec.env ?? ''))
  .filter((name) => /(SECRET|AUTHORIZATION)$/.test(name));
/** The functions that sign or verify the sign-in context: they read the context key (every variant). */
const CONTEXT_KEY_READERS = [
  'signInContext',
  'preSignUp',
  'preAuthentication',
  'postAuthentication',
  'defineAuthChallenge',
  'verifyAuthChallenge',
  'migrateUser',
];
/** The stack's own context secret, as a policy names it (Ref of a secret is its ARN). */
const CONTEXT_SECRET = { Ref: 'ContextSecret' };
/** Functions that read a named secret, and which (the existing-pool variant names none). */
const SECRET_READERS: Record<string, string> = {
  createAuthChallenge: MAGIC_LINK_SECRET,
  verifyAuthChallenge: MAGIC_LINK_SECRET,
  migrateUser: LEGACY_SECRET,
  preSignUp: LEGACY_SECRET,
};

let created: PackagedStack;
let existing: PackagedStack;

/** A tiny MaxMind database standing in for GeoLite2-City.mmdb (the layer holds whatever file it is given). */
const GEO_DATABASE = '.serverless-test/GeoLite2-City.mmdb';
/** The functions that run the risk engine, and so get the geo database layer. */
const GEO_FUNCTIONS = ['preAuthentication', 'postAuthentication', 'defineAuthChallenge'];

beforeAll(() => {
  mkdirSync(join(repoRoot, '.serverless-test'), { recursive: true });
  writeFileSync(
    join(repoRoot, GEO_DATABASE),
    buildMmdb({ '203.0.113.0/24': cityRecord('JP', 35.68, 139.69) }),
  );
  // Each packaging bundles in a work folder of its own (scripts/package.ts: ownWorkFolder).
  created = packageStack('created-pool', {
    messageDelivery: 'senders',
    threatProtection: 'enforced',
    magicLinkSecretName: MAGIC_LINK_SECRET,
    magicLinkUrl: 'https://app.example.org/sign-in/link',
    legacyAuthorizationSecretName: LEGACY_SECRET,
    alarmEmail: ALARM_EMAIL,
    geoDatabasePath: GEO_DATABASE,
  });
  existing = packageStack('existing-pool', {
    userPoolId: EXISTING_POOL,
    userPoolClientId: 'existingclient1',
    tableName: RETAINED_TABLE,
    alarmTopicArn: ALARM_TOPIC,
    alarmSurgeThreshold: '50',
  });
}, 300_000);

const stacks = () =>
  [
    ['created pool', created.template],
    ['existing pool', existing.template],
  ] as const;

/** The role a function runs with. */
function roleOf(template: Template, fn: string): string {
  return (template.Resources[logicalId(fn)]!.Properties.Role as { 'Fn::GetAtt': [string, string] })[
    'Fn::GetAtt'
  ][0];
}

/** Every statement that applies to a role: its inline policies and the AWS::IAM::Policy resources attached to it. */
function roleStatements(template: Template, role: string): Record<string, unknown>[] {
  const attached = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`{"Ref":"${role}"}`),
  );
  return [...statements(template.Resources[role]?.Properties.Policies), ...statements(attached)];
}

describe('user pool created by the stack (messageDelivery=senders, threatProtection=enforced)', () => {
  const lambdaConfig = () =>
    created.template.Resources.UserPool!.Properties.LambdaConfig as Record<string, unknown>;

  it('exists only when no userPoolId parameter is given', () => {
    expect(created.raw.Resources.UserPool?.Condition).toBe('CreateUserPool');
    expect(created.raw.Resources.UserPoolClient?.Condition).toBe('CreateUserPool');
    expect(created.template.Resources.UserPool?.Type).toBe('AWS::Cognito::UserPool');
    expect(existing.template.Resources.UserPool).toBeUndefined();
    expect(existing.template.Resources.UserPoolClient).toBeUndefined();
  });

  it.each(Object.entries(TRIGGERS).filter(([t]) => t !== 'CustomMessage'))(
    'wires %s to %s, unqualified',
    (trigger, fn) => {
      const version = VERSIONED_TRIGGERS[trigger];
      expect(lambdaConfig()[trigger]).toEqual(
        version ? { LambdaArn: getAttArn(fn), LambdaVersion: version } : getAttArn(fn),
      );
    },
  );

  it('does not wire the custom message: the senders deliver every message', () => {
    expect(lambdaConfig()).not.toHaveProperty('CustomMessage');
    const permission = created.template.Resources.CustomMessageCognitoPermission;
    expect(permission).toBeUndefined();
  });

  it('gives the custom senders the key this stack creates', () => {
    expect(lambdaConfig().KMSKeyID).toEqual({ 'Fn::GetAtt': ['CustomSenderKey', 'Arn'] });
    expect(created.template.Resources.CustomSenderKey?.Type).toBe('AWS::KMS::Key');
  });

  it('is on the Plus tier with threat protection enforced, and notifies users of account takeover', () => {
    const pool = created.template.Resources.UserPool!.Properties;
    expect(pool.UserPoolTier).toBe('PLUS');
    expect(pool.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    const risk = created.template.Resources.UserPoolRiskConfiguration!.Properties;
    expect(risk.UserPoolId).toEqual({ Ref: 'UserPool' });
    const actions = (
      risk.AccountTakeoverRiskConfiguration as { Actions: Record<string, { Notify: boolean }> }
    ).Actions;
    expect(actions.HighAction).toEqual({ EventAction: 'BLOCK', Notify: true });
  });
});

describe('existing pool (messageDelivery=cognito, tableName given)', () => {
  it('creates no pool, no client, no table and no key', () => {
    for (const id of [
      'UserPool',
      'UserPoolClient',
      'GatehouseTable',
      'CustomSenderKey',
      'UserPoolRiskConfiguration',
    ]) {
      expect(existing.template.Resources[id], id).toBeUndefined();
    }
  });

  it('gives the authorizer the pool and client as plain values', () => {
    const env = (
      existing.template.Resources.AuthorizerLambdaFunction!.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env.USER_POOL_ID).toBe(EXISTING_POOL);
    expect(env.USER_POOL_CLIENT_ID).toBe('existingclient1');
    expect(env.TABLE_NAME).toBe(RETAINED_TABLE);
  });

  it('lets Cognito invoke the custom message but not the senders (messageDelivery=cognito)', () => {
    expect(existing.template.Resources.CustomMessageCognitoPermission).toBeDefined();
    expect(existing.template.Resources.CustomEmailSenderCognitoPermission).toBeUndefined();
    expect(existing.template.Resources.CustomSmsSenderCognitoPermission).toBeUndefined();
    const env = (
      existing.template.Resources.CustomEmailSenderLambdaFunction!.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env.KMS_KEY_ARN).toBe('');
  });

  it('scopes every pool permission to the existing pool ARN exactly', () => {
    const poolStatements = statements(existing.template.Resources).filter((s) =>
      asArray(s.Action).some((a) => String(a).startsWith('cognito-idp:')),
    );
    expect(poolStatements.length).toBeGreaterThan(0);
    for (const s of poolStatements)
      expect(JSON.stringify(s.Resource)).toContain(`:userpool/${EXISTING_POOL}`);
  });
});

describe.each(['created', 'existing'] as const)(
  '%s pool: Cognito may invoke exactly the wired triggers',
  (variant) => {
    const stack = () => (variant === 'created' ? created : existing).template;
    const wired = () =>
      Object.entries(TRIGGERS).filter(([trigger]) =>
        variant === 'created' ? trigger !== 'CustomMessage' : !SENDER_TRIGGERS.includes(trigger),
      );

    it('has one cognito-idp permission per wired trigger, on the unqualified ARN, scoped to the pool', () => {
      for (const [, fn] of wired()) {
        const permissions = Object.values(stack().Resources).filter(
          (r) =>
            r.Type === 'AWS::Lambda::Permission' &&
            r.Properties.Principal === 'cognito-idp.amazonaws.com' &&
            JSON.stringify(r.Properties.FunctionName) === JSON.stringify(getAttArn(fn)),
        );
        expect(permissions, fn).toHaveLength(1);
        expect(permissions[0]!.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
        const sourceArn = JSON.stringify(permissions[0]!.Properties.SourceArn);
        expect(sourceArn).toContain(
          variant === 'created' ? '{"Fn::GetAtt":["UserPool","Arn"]}' : `userpool/${EXISTING_POOL}`,
        );
      }
    });

    it('grants cognito-idp nothing on functions it does not trigger', () => {
      const wiredFns = wired().map(([, fn]) => fn);
      for (const fn of FUNCTIONS.filter((f) => !wiredFns.includes(f as never))) {
        const granted = Object.values(stack().Resources).some(
          (r) =>
            r.Type === 'AWS::Lambda::Permission' &&
            r.Properties.Principal === 'cognito-idp.amazonaws.com' &&
            JSON.stringify(r.Properties.FunctionName) === JSON.stringify(getAttArn(fn)),
        );
        expect(granted, fn).toBe(false);
      }
    });

    it('outputs the unqualified ARN of every trigger function, and no version', () => {
      const outputs = stack().Outputs ?? {};
      for (const [trigger, fn] of Object.entries(TRIGGERS)) {
        const output = Object.values(outputs).find((o) => o.Description === `LambdaConfig.${trigger}`);
        expect(output?.Value, trigger).toEqual(getAttArn(fn));
      }
      // A function's version ARN would pin a pool to old code (a layer's version ARN is another matter).
      expect(Object.keys(outputs).filter((key) => /LambdaFunctionQualifiedArn$/.test(key))).toEqual([]);
      expect(Object.values(stack().Resources).filter((r) => r.Type === 'AWS::Lambda::Version')).toEqual([]);
    });
  },
);

describe('custom sender key policy', () => {
  // As the Cognito developer guide documents it for custom sender triggers: kms:CreateGrant for
  // cognito-idp.amazonaws.com, on condition of this account and the pool.
  it('lets Cognito create a grant for this account and pool, and nothing more', () => {
    const policy = created.template.Resources.CustomSenderKey!.Properties.KeyPolicy;
    const cognito = statements(policy).filter((s) =>
      JSON.stringify(s.Principal).includes('cognito-idp.amazonaws.com'),
    );
    expect(cognito).toHaveLength(1);
    expect(cognito[0]!.Action).toEqual(['kms:CreateGrant']);
    const condition = cognito[0]!.Condition as Record<string, Record<string, unknown>>;
    expect(condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(JSON.stringify(condition.ArnLike!['aws:SourceArn'])).toContain(':userpool/*');
  });

  it('names an existing pool exactly', () => {
    const withKey = packageStackPolicyForExisting();
    expect(JSON.stringify(withKey)).toContain(`:userpool/${EXISTING_POOL}`);
  });

  it('gives kms:Decrypt on the key to the two senders only', () => {
    const decrypt = Object.entries(created.template.Resources).filter(([, r]) =>
      statements(r.Type === 'AWS::KMS::Key' ? {} : r).some((s) => asArray(s.Action).includes('kms:Decrypt')),
    );
    expect(decrypt.map(([id]) => id)).toEqual(['CustomSenderKeyPolicy']);
    expect(decrypt[0]![1].Properties.Roles).toEqual([
      { Ref: 'CustomEmailSenderRole' },
      { Ref: 'CustomSmsSenderRole' },
    ]);
  });
});

/** The existing-pool key statement, from the raw template (that variant creates no key). */
function packageStackPolicyForExisting(): unknown {
  const key = existing.raw.Resources.CustomSenderKey!.Properties.KeyPolicy;
  const cognito = statements(key).find((s) => JSON.stringify(s.Principal).includes('cognito-idp'));
  const ifs = (cognito!.Condition as { ArnLike: { 'aws:SourceArn': { 'Fn::If': unknown[] } } }).ArnLike[
    'aws:SourceArn'
  ]['Fn::If'];
  expect(ifs[0]).toBe('CreateUserPool');
  return ifs[2];
}

describe('DynamoDB table', () => {
  it('is created under a generated name, retained, on-demand, with TTL on expiresAt, PITR, encryption and no index', () => {
    const table = created.template.Resources.GatehouseTable!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).not.toHaveProperty('TableName');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.Properties).not.toHaveProperty('GlobalSecondaryIndexes');
    const env = (
      created.template.Resources.PreSignUpLambdaFunction!.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env.TABLE_NAME).toEqual({ Ref: 'GatehouseTable' });
  });

  // remove + deploy: the retained table keeps its generated name, the new stack creates another
  // (no "already exists"); or the stage names the retained table and the stack creates none.
  it('is imported by name after remove + deploy: no table created, every statement on that table', () => {
    const dynamo = statements(existing.template.Resources).filter((s) =>
      asArray(s.Action).some((a) => String(a).startsWith('dynamodb:')),
    );
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) {
      expect(JSON.stringify(s.Resource)).toContain(`:table/${RETAINED_TABLE}"`);
      expect(JSON.stringify(s.Resource)).not.toContain('index');
    }
  });
});

describe.each(['created', 'existing'] as const)('%s pool: IAM', (variant) => {
  const stack = () => (variant === 'created' ? created : existing).template;

  // Deny statements may use wildcards: they only take permissions away. NotAction is checked everywhere.
  it('has no statement allowing every action, or every action of a service', () => {
    const all = statements(stack().Resources);
    const wildcard = all.filter((s) =>
      [...(s.Effect === 'Deny' ? [] : asArray(s.Action)), ...asArray(s.NotAction)].some(
        (action) => action === '*' || (typeof action === 'string' && /^[\w-]+:\*$/.test(action)),
      ),
    );
    expect(wildcard).toEqual([]);
  });

  it.each(FUNCTIONS)('%s runs with a role of its own that writes only its own log group', (fn) => {
    const role = roleOf(stack(), fn);
    expect(FUNCTIONS.filter((other) => other !== fn).map((other) => roleOf(stack(), other))).not.toContain(
      role,
    );
    const logs = statements(stack().Resources[role]).filter((s) =>
      asArray(s.Action).includes('logs:PutLogEvents'),
    );
    const logGroup = `${fn[0]!.toUpperCase()}${fn.slice(1)}LogGroup`;
    expect(logs).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
      },
    ]);
  });
});

/** The AWS actions a role allows, apart from writing its logs (each once: resources are checked apart). */
function allowedActions(template: Template, role: string): string[] {
  const actions = roleStatements(template, role)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => asArray(s.Action).map(String))
    .filter((a) => !a.startsWith('logs:'));
  return [...new Set(actions)].sort();
}

describe('least privilege: each role allows exactly what its bundle sends', () => {
  const sent = new Map<string, string[]>();
  beforeAll(async () => {
    for (const [fn, entry] of ENTRIES) sent.set(fn, await awsActionsOf(repoRoot, entry));
  }, 180_000);

  /** What the bundle sends, and what Lambda sends with the function's role (its destinations). */
  const needed = (template: Template, fn: string) =>
    [...sent.get(fn)!, ...lambdaSentActions(template, logicalId(fn))].sort();

  it.each(FUNCTIONS)('%s (custom senders delivering)', (fn) => {
    expect(allowedActions(created.template, roleOf(created.template, fn))).toEqual(
      needed(created.template, fn),
    );
  });

  it.each(FUNCTIONS)('%s (existing pool, Cognito delivering: no key for the senders)', (fn) => {
    const expected = needed(existing.template, fn)
      .filter((a) => a !== 'secretsmanager:GetSecretValue' || CONTEXT_KEY_READERS.includes(fn))
      .filter((a) => a !== 'kms:Decrypt' || (!fn.startsWith('customS') && !fn.startsWith('customE')));
    expect(allowedActions(existing.template, roleOf(existing.template, fn))).toEqual(expected);
  });

  it('limits AdminGetUser to the pool', () => {
    const statement = roleStatements(created.template, 'CustomEmailSenderRole').find((s) =>
      asArray(s.Action).includes('cognito-idp:AdminGetUser'),
    );
    expect(statement?.Resource).toEqual({ 'Fn::GetAtt': ['UserPool', 'Arn'] });
  });
});

describe('secrets', () => {
  it.each(['created', 'existing'] as const)(
    'no function of the %s-pool stack has a secret in its environment',
    (variant) => {
      const template = (variant === 'created' ? created : existing).template;
      for (const fn of FUNCTIONS) {
        const env =
          (
            template.Resources[logicalId(fn)]!.Properties.Environment as {
              Variables?: Record<string, unknown>;
            }
          )?.Variables ?? {};
        // A plain-value setting may only be there empty (the local-only parameter, unset), and no
        // value anywhere is a dynamic reference CloudFormation would resolve into the environment.
        const secretLike = Object.entries(env).filter(
          ([name, value]) => PLAIN_SECRET_SETTINGS.includes(name) && value !== '',
        );
        expect(secretLike, fn).toEqual([]);
        expect(JSON.stringify(env), fn).not.toContain('{{resolve:');
      }
      expect(PLAIN_SECRET_SETTINGS).toEqual(
        expect.arrayContaining([
          'GATEHOUSE_MAGIC_LINK_SECRET',
          'MIGRATION_HTTP_AUTHORIZATION',
          'RISK_CONTEXT_SECRET',
        ]),
      );
    },
  );

  it.each(Object.entries(SECRET_READERS))('%s may read only its own secret (%s)', (fn, secret) => {
    const reads = roleStatements(created.template, roleOf(created.template, fn))
      .filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'))
      .filter((s) => JSON.stringify(s.Resource) !== JSON.stringify(CONTEXT_SECRET));
    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads[0]!.Resource)).toContain(`:secret:${secret}-??????`);
    const env = (
      created.template.Resources[logicalId(fn)]!.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(Object.values(env)).toContain(secret);
  });

  it.each(['created', 'existing'] as const)(
    'the context key may be read by the functions that sign or verify contexts, and only that secret (%s pool)',
    (variant) => {
      const template = (variant === 'created' ? created : existing).template;
      for (const fn of CONTEXT_KEY_READERS) {
        const reads = roleStatements(template, roleOf(template, fn)).filter(
          (s) => JSON.stringify(s.Resource) === JSON.stringify(CONTEXT_SECRET),
        );
        expect(reads, fn).toEqual([
          { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: CONTEXT_SECRET },
        ]);
      }
    },
  );

  it('no other role may read a secret', () => {
    for (const fn of FUNCTIONS.filter((f) => !(f in SECRET_READERS) && !CONTEXT_KEY_READERS.includes(f))) {
      const reads = roleStatements(created.template, roleOf(created.template, fn)).filter((s) =>
        asArray(s.Action).some((a) => String(a).startsWith('secretsmanager:')),
      );
      expect(reads, fn).toEqual([]);
    }
  });
});

describe('functions', () => {
  it.each(FUNCTIONS)('%s runs on nodejs22.x, arm64', (fn) => {
    const props = created.template.Resources[logicalId(fn)]!.Properties;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
  });

  it('gives synchronous triggers 5 seconds and the authorizer 512 MB', () => {
    for (const fn of Object.values(TRIGGERS).filter(
      (f) => !f.startsWith('custom') || f === 'customMessage',
    )) {
      expect(created.template.Resources[logicalId(fn)]!.Properties.Timeout).toBe(5);
    }
    expect(created.template.Resources[logicalId('authorizer')]!.Properties.MemorySize).toBe(512);
  });

  it('protects GET /items with the Lambda authorizer', () => {
    const route = created.template.Resources.HttpApiRouteGetItems!.Properties;
    expect(route.RouteKey).toBe('GET /items');
    expect(route.AuthorizationType).toBe('CUSTOM');
    const authorizer = created.template.Resources.HttpApiAuthorizerGatehouse!.Properties;
    expect(authorizer.AuthorizerPayloadFormatVersion).toBe('2.0');
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(logicalId('authorizer'));
  });

  it.each(['created', 'existing'] as const)(
    'serves POST /sign-out behind the authorizer; its role writes the table and nothing else (%s pool)',
    (variant) => {
      const template = (variant === 'created' ? created : existing).template;
      const route = Object.values(template.Resources).find(
        (r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === 'POST /sign-out',
      );
      expect(route).toBeDefined();
      expect(route!.Properties.AuthorizationType).toBe('CUSTOM');
      expect(route!.Properties.AuthorizerId).toEqual({ Ref: 'HttpApiAuthorizerGatehouse' });
      const target = route!.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = target['Fn::Join'][1][1].Ref;
      expect(JSON.stringify(template.Resources[integration]?.Properties.IntegrationUri)).toContain(
        logicalId('signOut'),
      );
      // GlobalSignOut is authorized by the caller's access token: no cognito-idp permission at all.
      expect(allowedActions(template, roleOf(template, 'signOut'))).toEqual(['dynamodb:PutItem']);
    },
  );

  it('refers only to resources that exist once conditions are applied', () => {
    for (const stack of stacks()) {
      const [, template] = stack;
      const known = new Set([
        ...Object.keys(template.Resources),
        'AWS::AccountId',
        'AWS::Region',
        'AWS::Partition',
        'AWS::StackName',
        'AWS::URLSuffix',
        'AWS::NoValue',
      ]);
      const dangling = [...referencedIds({ r: template.Resources, o: template.Outputs })].filter(
        (id) => !known.has(id),
      );
      expect(dangling, stack[0]).toEqual([]);
    }
  });
});

describe('operator console', () => {
  const routes = () =>
    Object.values(created.template.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties)
      .filter((p) => String(p.RouteKey).includes('/console'));

  it('leaves only the page public and puts every API route behind the authorizer', () => {
    const byKey = Object.fromEntries(routes().map((p) => [p.RouteKey, p.AuthorizationType ?? 'NONE']));
    expect(byKey).toEqual({
      'GET /console': 'NONE',
      'GET /console/{file}': 'NONE',
      'ANY /console/api/{proxy+}': 'CUSTOM',
    });
  });

  it('may search users, read their groups and sign them out, on the pool only', () => {
    const cognito = roleStatements(created.template, 'ConsoleRole').filter((s) =>
      asArray(s.Action).some((a) => String(a).startsWith('cognito-idp:')),
    );
    expect(cognito).toHaveLength(1);
    expect(cognito[0]!.Resource).toEqual({ 'Fn::GetAtt': ['UserPool', 'Arn'] });
  });
});

describe('the signed sign-in context', () => {
  it('serves POST /sign-in-context without an authorizer', () => {
    const route = created.template.Resources.HttpApiRoutePostSignDashinDashcontext!.Properties;
    expect(route.RouteKey).toBe('POST /sign-in-context');
    expect(route.AuthorizationType).toBeUndefined();
  });

  it('gives the endpoint and the triggers that verify a generated Secrets Manager secret by its ARN, never its value', () => {
    const secret = created.template.Resources.ContextSecret!;
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(created.raw.Resources.ContextSecret?.Condition).toBe('CreateContextSecret');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
    for (const [, template] of stacks()) {
      for (const fn of CONTEXT_KEY_READERS) {
        const env = (
          template.Resources[logicalId(fn)]!.Properties.Environment as {
            Variables: Record<string, unknown>;
          }
        ).Variables;
        expect(env.RISK_CONTEXT_SECRET_ID, fn).toEqual(CONTEXT_SECRET);
        expect(env.RISK_CONTEXT_SECRET, fn).toBe('');
      }
    }
    expect(JSON.stringify(created.template.Resources.AuthorizerLambdaFunction)).not.toContain(
      'RISK_CONTEXT_SECRET',
    );
  });
});

describe('zips', () => {
  it('has exactly one zip per function (and the geo database layer when given)', () => {
    expect(created.zips.map((z) => z.file).sort()).toEqual(
      [...FUNCTIONS.map((fn) => `${fn}.zip`), 'geoip.zip'].sort(),
    );
    expect(existing.zips.map((z) => z.file).sort()).toEqual(FUNCTIONS.map((fn) => `${fn}.zip`).sort());
  });

  it.each(FUNCTIONS)('%s.zip holds its bundled handler and no node_modules', (fn) => {
    const zip = created.zips.find((z) => z.file === `${fn}.zip`);
    expect(zip).toBeDefined();
    expect(zip!.nodeModulesEntries).toEqual([]);
    expect(
      zip!.entries.some((e) => e.startsWith(ENTRIES.get(fn)!.split('/')[0]!) && e.endsWith('.mjs')),
    ).toBe(true);
  });

  it.each(FUNCTIONS)("%s.zip holds its own bundle and lazy chunks, and no other function's", (fn) => {
    const handler = created.template.Resources[logicalId(fn)]!.Properties.Handler as string;
    const bundle = handler.slice(0, handler.lastIndexOf('.'));
    const zip = created.zips.find((z) => z.file === `${fn}.zip`)!;
    expect(zip.entries).toContain(`${bundle}.mjs`);
    for (const entry of zip.entries) expect(entry).toMatch(new RegExp(`^${bundle}\\.[\\w.-]*mjs$`));
  });
});

/**
 * The authorizer's revocation check and its DynamoDB client are a chunk of their own, loaded only
 * when AUTHORIZER_REVOCATION is on (`npm run bench -- authorizer`: the client was most of the
 * cold import). Played on the zip as Lambda unpacks it, in a Node process of its own.
 */
describe('the authorizer zip: revocation as a lazy chunk', () => {
  const POOL = 'local_ZipTest1';
  const CLIENT = 'zip-client';
  let dir: string;
  let key: TestKey;
  let issuer: TestIssuer;
  let dynamo: LocalDynamo;
  let entry: string;
  let revocationChunk: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-authorizer-zip-'));
    const files = extractZip(join(created.dir, 'authorizer.zip'), dir);
    entry = join(dir, 'functions', 'authorizer.mjs');
    // The chunk the bundle loads (a zip packaged while another packaging shared the build folder
    // may also hold that one's chunks, under other hashes).
    const imported = readFileSync(entry, 'utf8').match(
      /import\("\.\/(authorizer\.revocation-\w+\.mjs)"\)/,
    )?.[1];
    revocationChunk = `functions/${imported}`;
    expect(files).toContain(revocationChunk);
    key = createTestKey('zip-key');
    [issuer, dynamo] = await Promise.all([startTestIssuer([key]), startLocalDynamo('gatehouse-zip')]);
  });
  afterAll(async () => {
    await Promise.all([issuer?.stop(), dynamo?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What the bundle and the chunks it imports statically hold: what every cold start reads. */
  function eagerCode(file: string, seen = new Set<string>()): string {
    if (seen.has(file)) return '';
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    const imported = [...code.matchAll(/(?:^|[;}\s])import(?:[^'"()]*?from)?\s*["']\.\/([^"']+)["']/g)];
    return code + imported.map(([, name]) => eagerCode(join(dir, 'functions', name!), seen)).join('');
  }

  /** Imports the unpacked bundle in a fresh process with `env`, then answers `tokens` on the sample route. */
  async function coldStart(env: Record<string, string>, tokens: string[] = []) {
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(entry).href)});
      const event = JSON.parse(process.env.ZIP_TEST_EVENT);
      const context = { awsRequestId: 'zip-test', getRemainingTimeInMillis: () => 3000 };
      const answers = [];
      for (const token of JSON.parse(process.env.ZIP_TEST_TOKENS)) {
        event.headers.authorization = 'Bearer ' + token;
        try {
          answers.push((await handler(structuredClone(event), context)).policyDocument.Statement[0].Effect);
        } catch (error) {
          answers.push(error.message);
        }
      }
      console.log('ANSWERS ' + JSON.stringify(answers));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        USER_POOL_ID: POOL,
        USER_POOL_CLIENT_ID: CLIENT,
        AUTHORIZER_LOCAL_ISSUER: issuer.base,
        TABLE_NAME: dynamo.tableName,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        ZIP_TEST_EVENT: JSON.stringify(sampleEvent('http-v2')),
        ZIP_TEST_TOKENS: JSON.stringify(tokens),
        ...env,
      },
      timeout: 15_000,
    });
    const line = stdout.split('\n').find((text) => text.startsWith('ANSWERS '));
    return JSON.parse(line!.slice('ANSWERS '.length)) as string[];
  }

  const reader = (extra: Record<string, unknown> = {}) =>
    signToken(key, accessClaims(issuer.issuer(POOL), CLIENT, { 'cognito:groups': ['readers'], ...extra }));

  it('is a chunk of the zip that the bundle never imports statically', () => {
    expect(revocationChunk).toBeDefined();
    const eager = eagerCode(entry);
    expect(eager).not.toContain('DynamoDB_20120810'); // the DynamoDB client's service id
    expect(readFileSync(join(dir, revocationChunk), 'utf8')).toContain('REVOKED#');
  });

  it('loads from the zip when revocation is on, and refuses a revoked token read through it', async () => {
    const revoked = crypto.randomUUID();
    await revokeTokenId(
      DynamoDBDocumentClient.from(dynamo.client),
      dynamo.tableName,
      revoked,
      Math.floor(Date.now() / 1000) + 3600,
    );
    const answers = await coldStart({ AUTHORIZER_REVOCATION: 'true' }, [reader(), reader({ jti: revoked })]);
    expect(answers).toEqual(['Allow', 'Unauthorized']);
  });

  it('attack: with the chunk missing, an authorizer with revocation on never starts (fails closed)', async () => {
    rmSync(join(dir, revocationChunk));
    // Without revocation the chunk is never read: the same zip still starts and allows.
    expect(await coldStart({ AUTHORIZER_REVOCATION: 'false' }, [reader()])).toEqual(['Allow']);
    // With it, the cold start fails: Lambda reports an init error and API Gateway answers 500,
    // never an answer that skipped the revocation check.
    const failure = await coldStart({ AUTHORIZER_REVOCATION: 'true' }, [reader()]).catch(
      (error: Error & { stderr?: string }) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as { stderr?: string }).stderr).toContain('authorizer.revocation-');
  });
});

describe('the local sample keys cannot reach a deployed function', () => {
  const environment = (template: Template, fn: string) =>
    ((
      template.Resources[logicalId(fn)]!.Properties.Environment as
        | { Variables?: Record<string, unknown> }
        | undefined
    )?.Variables ?? {}) as Record<string, unknown>;

  it.each(['customEmailSender', 'customSmsSender'])(
    '%s of a stack that wires the senders has KMS_KEY_ARN, so it refuses SENDER_LOCAL_AES_KEY',
    (fn) => {
      expect(environment(created.template, fn).KMS_KEY_ARN).toBeTruthy();
    },
  );

  it.each(FUNCTIONS)('%s sets no local-only setting', (fn) => {
    for (const [, template] of stacks()) {
      const names = Object.keys(environment(template, fn));
      expect(names).not.toContain('SENDER_LOCAL_AES_KEY');
      expect(names).not.toContain('AUTHORIZER_LOCAL_JWKS');
      expect(names).not.toContain('AUTHORIZER_LOCAL_ISSUER');
    }
  });
});

describe.each(['created', 'existing'] as const)('%s pool: operations', (variant) => {
  const stack = () => (variant === 'created' ? created : existing).template;
  const resources = () => stack().Resources;
  const topic = () => (variant === 'created' ? { Ref: 'AlarmTopic' } : ALARM_TOPIC);
  const alarms = () =>
    Object.entries(resources()).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm') as [
      string,
      Resource,
    ][];
  const environment = (fn: string) =>
    (resources()[logicalId(fn)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

  it('sends each custom sender event that fails after two retries to an encrypted SQS queue', () => {
    const queue = resources().SenderFailureQueue!;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    for (const fn of ['customEmailSender', 'customSmsSender']) {
      const configs = Object.values(resources()).filter(
        (r) =>
          r.Type === 'AWS::Lambda::EventInvokeConfig' &&
          JSON.stringify(r.Properties.FunctionName) === JSON.stringify({ Ref: logicalId(fn) }),
      );
      expect(configs, fn).toHaveLength(1);
      expect(configs[0]!.Properties).toMatchObject({
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['SenderFailureQueue', 'Arn'] } } },
      });
    }
  });

  it('lets only the two senders send to that queue, and only to it', () => {
    const senders = Object.entries(resources()).filter(([, r]) =>
      statements(r).some((s) => asArray(s.Action).some((a) => String(a).startsWith('sqs:'))),
    );
    expect(senders.map(([id]) => id).sort()).toEqual(['CustomEmailSenderRole', 'CustomSmsSenderRole']);
    for (const [, role] of senders) {
      const sqs = statements(role).filter((s) => asArray(s.Action).some((a) => String(a).startsWith('sqs:')));
      expect(sqs).toEqual([
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: { 'Fn::GetAtt': ['SenderFailureQueue', 'Arn'] },
        },
      ]);
    }
  });

  it('alarms as soon as a message waits in the on-failure queue', () => {
    const alarm = resources().SenderFailureQueueAlarm!.Properties;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['SenderFailureQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topic()],
    });
  });

  it('logs every HTTP API request as JSON to a log group with the stage retention, never a token', () => {
    const stage = resources().HttpApiStage!.Properties;
    const settings = stage.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    // The stage's logRetentionInDays (7 on dev), as the functions' own log groups.
    expect(resources().HttpApiLogGroup!.Properties.RetentionInDays).toBe(7);
    expect(resources().PreSignUpLogGroup!.Properties.RetentionInDays).toBe(7);
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      authorizerError: '$context.authorizer.error',
    });
    // What could hold a credential: a header, a claim, the authorizer's context map.
    for (const variable of Object.values(format)) {
      expect(variable).toMatch(/^\$context\.[\w.]+$/);
      expect(variable).not.toMatch(
        /header|authorization|token|claims|cookie|authorizer\.(?!error$|principalId$)/i,
      );
    }
  });

  it('has an alarm on errors that are not deliberate refusals, and on throttles, for every function', () => {
    for (const fn of FUNCTIONS) {
      const name = `${fn[0]!.toUpperCase()}${fn.slice(1)}`;
      const errors = resources()[`${name}ErrorsAlarm`]?.Properties;
      expect(errors, fn).toBeDefined();
      const [lambdaErrors, refused, expression] = errors!.Metrics as Record<
        string,
        Record<string, unknown>
      >[];
      expect(lambdaErrors!.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
        },
        Stat: 'Sum',
      });
      // The function dimension is the name the function's middleware emits (its file name).
      expect(refused!.MetricStat).toMatchObject({
        Metric: {
          Namespace: environment(fn).POWERTOOLS_METRICS_NAMESPACE,
          MetricName: 'Refused',
          Dimensions: [
            { Name: 'service', Value: environment(fn).POWERTOOLS_SERVICE_NAME },
            { Name: 'function', Value: fn.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) },
          ],
        },
      });
      expect(expression).toMatchObject({ Expression: 'errors - FILL(refused, 0)', ReturnData: true });
      expect(errors).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      const throttles = resources()[`${name}ThrottlesAlarm`]?.Properties;
      expect(throttles, fn).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
        Threshold: 1,
      });
    }
  });

  it('alarms when the p99 duration of a trigger Cognito waits for nears its 5 seconds', () => {
    const synchronous = Object.entries(TRIGGERS)
      .filter(([trigger]) => !SENDER_TRIGGERS.includes(trigger))
      .map(([, fn]) => fn);
    const watched = alarms()
      .filter(([, a]) => a.Properties.MetricName === 'Duration')
      .map(([, a]) => {
        expect(a.Properties).toMatchObject({
          ExtendedStatistic: 'p99',
          ComparisonOperator: 'GreaterThanThreshold',
        });
        expect(a.Properties.Threshold as number).toBeLessThan(5000);
        expect(a.Properties.Threshold as number).toBeGreaterThanOrEqual(3000);
        return (a.Properties.Dimensions as { Value: { Ref: string } }[])[0]!.Value.Ref;
      });
    expect(watched.sort()).toEqual(synchronous.map(logicalId).sort());
  });

  it('alarms on a surge of risk blocks and of lockouts, on the metrics the functions emit', () => {
    const env = environment('preAuthentication');
    const risk = resources().RiskBlockSurgeAlarm!.Properties;
    expect(risk).toMatchObject({
      Namespace: env.POWERTOOLS_METRICS_NAMESPACE,
      MetricName: 'RiskDecision',
      Dimensions: [
        { Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME },
        { Name: 'action', Value: 'block' },
      ],
      Statistic: 'Sum',
    });
    expect(Number(risk.Threshold)).toBe(variant === 'created' ? 20 : 50);
    const lockouts = resources().LockoutSurgeAlarm!.Properties;
    expect(lockouts).toMatchObject({
      Namespace: env.POWERTOOLS_METRICS_NAMESPACE,
      MetricName: 'Lockouts',
      Dimensions: [{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }],
    });
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('Gatehouse/dev');
  });

  it('alarms only on metrics the functions emit (by their METRIC names)', () => {
    const namespace = environment('preAuthentication').POWERTOOLS_METRICS_NAMESPACE;
    const watched = alarms().flatMap(([, alarm]) => {
      const queries = (alarm.Properties.Metrics ?? []) as {
        MetricStat?: { Metric: Record<string, unknown> };
      }[];
      return [alarm.Properties, ...queries.map((query) => query.MetricStat?.Metric ?? {})];
    });
    const named = watched.filter((metric) => metric.Namespace === namespace).map((m) => m.MetricName);
    expect(named).toEqual(expect.arrayContaining(['Refused', 'RiskDecision', 'Lockouts']));
    for (const name of named) expect(Object.values(METRIC)).toContain(name);
  });

  it('notifies the alarm topic from every alarm: the one it creates (with the address subscribed) or the one given', () => {
    expect(alarms().length).toBeGreaterThan(FUNCTIONS.length * 2);
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties.AlarmActions, id).toEqual([topic()]);
      expect(alarm.Properties.OKActions, id).toEqual([topic()]);
    }
    if (variant === 'created') {
      expect(resources().AlarmTopic?.Type).toBe('AWS::SNS::Topic');
      expect(resources().AlarmEmailSubscription?.Properties).toEqual({
        TopicArn: { Ref: 'AlarmTopic' },
        Protocol: 'email',
        Endpoint: ALARM_EMAIL,
      });
    } else {
      expect(resources().AlarmTopic).toBeUndefined();
      expect(resources().AlarmEmailSubscription).toBeUndefined();
    }
  });

  it('has one dashboard that shows every alarm and the metrics the README names', () => {
    const dashboards = Object.values(resources()).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = (dashboards[0]!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    const parsed = JSON.parse(body) as { widgets: { type: string; properties: Record<string, unknown> }[] };
    const alarmWidget = parsed.widgets.find((w) => w.type === 'alarm')!;
    expect((alarmWidget.properties.alarms as string[]).length).toBe(alarms().length);
    for (const [id] of alarms()) expect(body).toContain(`:alarm:\${${id}}`);
    // Each metric entry is an array (an expression's too: `[{expression, id}]`), as CloudWatch's
    // dashboard body structure requires; the Gatehouse metrics it shows are exactly those the
    // functions emit, by whole name (`Failed` inside `DeliveryFailed` does not count).
    const namespace = environment('preAuthentication').POWERTOOLS_METRICS_NAMESPACE;
    const shown = new Set<string>();
    for (const widget of parsed.widgets.filter((w) => w.type === 'metric')) {
      for (const entry of widget.properties.metrics as unknown[]) {
        expect(Array.isArray(entry), JSON.stringify(entry)).toBe(true);
        const [first, second] = entry as [unknown, unknown];
        if (first === namespace) shown.add(String(second));
        const expression = (first as { expression?: string }).expression ?? '';
        for (const [, name] of expression.matchAll(/MetricName="(\w+)"/g)) shown.add(name!);
      }
    }
    // The handler's own `Duration` is shown as Lambda's (p99 per trigger, against the 5 s).
    const expected = Object.values(METRIC).filter((name) => name !== METRIC.duration);
    expect([...shown].sort()).toEqual(expected.sort());
    // Every ${...} CloudFormation fills in is a resource of this stack or a pseudo parameter.
    for (const [, ref] of body.matchAll(/\$\{([\w:]+)(?:\.\w+)?\}/g)) {
      expect(ref!.startsWith('AWS::') || ref! in resources(), ref).toBe(true);
    }
  });
});

describe('the MaxMind database as an optional layer', () => {
  const environment = (template: Template, fn: string) =>
    (template.Resources[logicalId(fn)]!.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;

  it('given geoDatabasePath: one layer holding only that file, on the functions that run the risk engine, found at /opt', () => {
    const layer = created.template.Resources.GeoipLambdaLayer!;
    expect(layer.Type).toBe('AWS::Lambda::LayerVersion');
    expect(layer.Properties).toMatchObject({
      CompatibleRuntimes: ['nodejs22.x'],
      CompatibleArchitectures: ['arm64'],
    });
    const zip = created.zips.find((z) => z.file === 'geoip.zip')!;
    expect(zip.entries).toEqual(['GeoLite2-City.mmdb']);
    for (const fn of FUNCTIONS) {
      const props = created.template.Resources[logicalId(fn)]!.Properties;
      if (GEO_FUNCTIONS.includes(fn)) {
        expect(props.Layers, fn).toEqual([{ Ref: 'GeoipLambdaLayer' }]);
        expect(environment(created.template, fn).RISK_GEOIP_DATABASE, fn).toBe('/opt/GeoLite2-City.mmdb');
      } else {
        expect(props.Layers, fn).toBeUndefined();
        expect(environment(created.template, fn)?.RISK_GEOIP_DATABASE, fn).toBeUndefined();
      }
      const bundle = created.zips.find((z) => z.file === `${fn}.zip`)!;
      expect(
        bundle.entries.some((e) => e.endsWith('.mmdb')),
        fn,
      ).toBe(false);
    }
  });

  it('without it: no layer, and no function looks for a database (the geo lookup stays off)', () => {
    expect(
      Object.values(existing.template.Resources).filter((r) => r.Type === 'AWS::Lambda::LayerVersion'),
    ).toEqual([]);
    for (const fn of FUNCTIONS) {
      expect(existing.template.Resources[logicalId(fn)]!.Properties.Layers, fn).toBeUndefined();
      expect(JSON.stringify(existing.template.Resources[logicalId(fn)]), fn).not.toContain(
        'RISK_GEOIP_DATABASE',
      );
    }
  });
});

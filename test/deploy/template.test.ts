/**
 * The deployable artefact: packages the service once (no credentials, no network) and checks the
 * CloudFormation template and the zips that `serverless deploy` would upload.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  inspectZips,
  packageDir,
  repoRoot,
  runServerlessPackage,
  type ZipReport,
} from '../../scripts/package';

interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown>;
}

interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
}

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

const FUNCTIONS = [...Object.values(TRIGGERS), 'authorizer', 'sampleApi', 'riskFeedback', 'console'];

const TEMPLATE_PATH = join(packageDir, 'cloudformation-template-update-stack.json');

/** Serverless's logical id of a function: `preSignUp` -> `PreSignUpLambdaFunction`. */
const logicalId = (name: string): string => `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;

const getAttArn = (name: string) => ({ 'Fn::GetAtt': [logicalId(name), 'Arn'] });

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestMtime(join(path, entry))),
    stat.mtimeMs,
  );
}

/** `.serverless/` is reused when it is newer than everything that goes into it. */
function packageIsFresh(): boolean {
  if (!existsSync(TEMPLATE_PATH)) return false;
  const inputs = ['serverless.yml', 'package-lock.json', 'functions', 'shared', 'config'].map((p) =>
    join(repoRoot, p),
  );
  return statSync(TEMPLATE_PATH).mtimeMs > Math.max(...inputs.map(newestMtime));
}

/** Every policy statement anywhere in the template (roles, managed policies, key policies). */
function statements(node: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) {
    for (const item of node) statements(item, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.Statement)) {
      for (const statement of record.Statement) found.push(statement as Record<string, unknown>);
    }
    for (const value of Object.values(record)) statements(value, found);
  }
  return found;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

let template: Template;
let resources: Record<string, Resource>;
let zips: ZipReport[];

beforeAll(() => {
  if (!packageIsFresh()) {
    const run = runServerlessPackage();
    if (run.status !== 0) throw new Error(`serverless package failed:\n${run.output}`);
  }
  template = JSON.parse(readFileSync(TEMPLATE_PATH, 'utf8')) as Template;
  resources = template.Resources;
  zips = inspectZips();
}, 300_000);

describe('user pool created by the stack', () => {
  it('exists only when no userPoolId parameter is given', () => {
    expect(resources.UserPool?.Type).toBe('AWS::Cognito::UserPool');
    expect(resources.UserPool?.Condition).toBe('CreateUserPool');
    expect(template.Conditions?.CreateUserPool).toEqual({ 'Fn::Equals': ['', ''] });
    expect(resources.UserPoolClient?.Condition).toBe('CreateUserPool');
  });

  it.each(Object.entries(TRIGGERS))('wires %s to %s', (trigger, fn) => {
    const lambdaConfig = resources.UserPool!.Properties.LambdaConfig as Record<string, unknown>;
    const version = VERSIONED_TRIGGERS[trigger];
    if (version) {
      expect(lambdaConfig[trigger]).toEqual({ LambdaArn: getAttArn(fn), LambdaVersion: version });
    } else {
      expect(lambdaConfig[trigger]).toEqual(getAttArn(fn));
    }
  });

  it('gives the custom senders a KMS key', () => {
    const lambdaConfig = resources.UserPool!.Properties.LambdaConfig as Record<string, unknown>;
    expect(lambdaConfig.KMSKeyID).toEqual({ 'Fn::GetAtt': ['CustomSenderKey', 'Arn'] });
  });
});

describe('Cognito may invoke every trigger', () => {
  it.each(Object.values(TRIGGERS))('%s has a cognito-idp permission scoped to the pool', (fn) => {
    const permissions = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties.Principal === 'cognito-idp.amazonaws.com' &&
        JSON.stringify(r.Properties.FunctionName) === JSON.stringify(getAttArn(fn)),
    );
    expect(permissions).toHaveLength(1);
    const sourceArn = JSON.stringify(permissions[0]!.Properties.SourceArn);
    expect(sourceArn).toContain('"CreateUserPool"');
    expect(sourceArn).toContain('{"Fn::GetAtt":["UserPool","Arn"]}');
  });

  it('grants cognito-idp nothing on the authorizer or the API', () => {
    for (const fn of ['authorizer', 'sampleApi', 'riskFeedback']) {
      const granted = Object.values(resources).some(
        (r) =>
          r.Type === 'AWS::Lambda::Permission' &&
          r.Properties.Principal === 'cognito-idp.amazonaws.com' &&
          JSON.stringify(r.Properties.FunctionName) === JSON.stringify(getAttArn(fn)),
      );
      expect(granted).toBe(false);
    }
  });
});

describe('DynamoDB table', () => {
  it('is on-demand with TTL on expiresAt, point-in-time recovery, encryption and gsi1', () => {
    const tables = Object.values(resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const table = tables[0]!.Properties;
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    const indexes = table.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[];
    expect(indexes.map((i) => i.IndexName)).toEqual(['gsi1']);
    expect(indexes[0]!.KeySchema).toEqual([
      { AttributeName: 'gsi1pk', KeyType: 'HASH' },
      { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
    ]);
  });
});

describe('IAM', () => {
  // Deny statements may use wildcards: they only take permissions away (Serverless's own
  // deployment-bucket policy denies s3:* without TLS). NotAction is checked everywhere.
  it('has no statement allowing every action, or every action of a service', () => {
    const all = statements(resources);
    expect(all.length).toBeGreaterThan(0);
    const wildcard = all.filter((s) =>
      [...(s.Effect === 'Deny' ? [] : asArray(s.Action)), ...asArray(s.NotAction)].some(
        (action) => action === '*' || (typeof action === 'string' && /^[\w-]+:\*$/.test(action)),
      ),
    );
    expect(wildcard).toEqual([]);
  });

  it.each(FUNCTIONS)('%s runs with a role of its own that writes only its own log group', (fn) => {
    const props = resources[logicalId(fn)]!.Properties;
    const role = (props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const others = FUNCTIONS.filter((other) => other !== fn).map(
      (other) =>
        (resources[logicalId(other)]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    expect(others).not.toContain(role);
    const logs = statements(resources[role]).filter((s) => asArray(s.Action).includes('logs:PutLogEvents'));
    const logGroup = `${fn[0]!.toUpperCase()}${fn.slice(1)}LogGroup`;
    expect(logs).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
      },
    ]);
  });

  it('lets risk feedback only Query and PutItem on the table', () => {
    const dynamo = statements(resources.RiskFeedbackRole).filter((s) =>
      asArray(s.Action).some((a) => typeof a === 'string' && a.startsWith('dynamodb:')),
    );
    expect(dynamo).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': ['GatehouseTable', 'Arn'] },
      },
    ]);
  });

  it('scopes every DynamoDB statement to the table and its index', () => {
    const dynamo = statements(resources).filter((s) =>
      asArray(s.Action).some((a) => typeof a === 'string' && a.startsWith('dynamodb:')),
    );
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) {
      expect(JSON.stringify(s.Resource)).toContain('"GatehouseTable"');
      expect(JSON.stringify(s.Resource)).not.toContain('"*"');
    }
  });
});

describe('functions', () => {
  it.each(FUNCTIONS)('%s runs on nodejs22.x, arm64', (fn) => {
    const props = resources[logicalId(fn)]!.Properties;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
  });

  it('gives synchronous triggers 5 seconds and the authorizer 512 MB', () => {
    for (const fn of Object.values(TRIGGERS).filter(
      (f) => !f.startsWith('custom') || f === 'customMessage',
    )) {
      expect(resources[logicalId(fn)]!.Properties.Timeout).toBe(5);
    }
    expect(resources[logicalId('authorizer')]!.Properties.MemorySize).toBe(512);
  });

  it('protects GET /items with the Lambda authorizer', () => {
    const route = resources.HttpApiRouteGetItems!.Properties;
    expect(route.RouteKey).toBe('GET /items');
    expect(route.AuthorizationType).toBe('CUSTOM');
    const authorizer = resources.HttpApiAuthorizerGatehouse!.Properties;
    expect(authorizer.AuthorizerPayloadFormatVersion).toBe('2.0');
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(logicalId('authorizer'));
  });
});

describe('operator console', () => {
  const routes = () =>
    Object.values(resources)
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
    const cognito = statements(resources.ConsolePoolPolicy).filter((s) =>
      asArray(s.Action).some((a) => String(a).startsWith('cognito-idp:')),
    );
    expect(cognito).toHaveLength(1);
    expect(asArray(cognito[0]!.Action).sort()).toEqual([
      'cognito-idp:AdminListGroupsForUser',
      'cognito-idp:AdminUserGlobalSignOut',
      'cognito-idp:ListUsers',
    ]);
    expect(JSON.stringify(cognito[0]!.Resource)).toContain('UserPool');
  });
});

describe('zips', () => {
  it('has exactly one zip per function', () => {
    expect(zips.map((z) => z.file).sort()).toEqual(FUNCTIONS.map((fn) => `${fn}.zip`).sort());
  });

  it.each(FUNCTIONS)('%s.zip holds its bundled handler and no node_modules', (fn) => {
    const zip = zips.find((z) => z.file === `${fn}.zip`);
    expect(zip).toBeDefined();
    expect(zip!.nodeModulesEntries).toEqual([]);
    expect(zip!.entries.some((e) => e.startsWith('functions/') && e.endsWith('.mjs'))).toBe(true);
  });
});

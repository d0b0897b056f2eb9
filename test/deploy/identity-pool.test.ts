import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { identityPoolResources } from '../../scripts/deploy/identity-pool';
import { repoRoot, runServerlessPackage } from '../../scripts/package';

/**
 * The optional identity pool (`identityPool=true`): packaged for real with a configuration that
 * maps two groups to roles, and its template read back; plus the generator's refusals.
 */
const ADMINS = 'arn:aws:iam::123456789012:role/gatehouse/admins-role';
const READERS = 'arn:aws:iam::123456789012:role/gatehouse-readers';

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  Outputs?: Record<string, { Value: unknown }>;
}

let withPool: Template;
let withoutPool: Template;

function packaged(name: string, params: string[]): Template {
  const dir = join(repoRoot, '.serverless-test', name);
  const run = runServerlessPackage([...params, '--package', dir]);
  if (run.status !== 0) throw new Error(`serverless package failed:\n${run.output}`);
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
}

beforeAll(() => {
  const config = JSON.parse(readFileSync(join(repoRoot, 'config', 'gatehouse.json'), 'utf8'));
  config.tokens = {
    ...config.tokens,
    groupRoles: [
      { group: 'admins', roleArn: ADMINS },
      { group: 'readers', roleArn: READERS },
    ],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-idp-')), 'gatehouse.json');
  writeFileSync(file, JSON.stringify(config));
  const previous = process.env.GATEHOUSE_CONFIG_FILE;
  process.env.GATEHOUSE_CONFIG_FILE = file;
  try {
    withPool = packaged('identity-pool', ['--param=identityPool=true']);
  } finally {
    if (previous === undefined) delete process.env.GATEHOUSE_CONFIG_FILE;
    else process.env.GATEHOUSE_CONFIG_FILE = previous;
  }
  withoutPool = packaged('identity-pool-off', []);
}, 600_000);

const ofType = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

describe('identityPool=true in the generated template', () => {
  it('creates an identity pool for the stack user pool and app client, authenticated only, token checked', () => {
    const [[, pool] = []] = ofType(withPool, 'AWS::Cognito::IdentityPool');
    expect(pool?.Properties).toMatchObject({
      AllowUnauthenticatedIdentities: false,
      CognitoIdentityProviders: [
        {
          ProviderName: {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub pattern
            'Fn::Sub': ['cognito-idp.${AWS::Region}.amazonaws.com/${PoolId}', { PoolId: expect.anything() }],
          },
          ClientId: expect.anything(),
          ServerSideTokenCheck: true,
        },
      ],
    });
    expect(JSON.stringify(pool?.Properties)).toContain('"Ref":"UserPool"');
    expect(JSON.stringify(pool?.Properties)).toContain('"Ref":"UserPoolClient"');
  });

  it('maps roles from the token and denies ambiguous ones, with no default role', () => {
    const [[, attachment] = []] = ofType(withPool, 'AWS::Cognito::IdentityPoolRoleAttachment');
    expect(attachment?.Properties.IdentityPoolId).toEqual({ Ref: 'GatehouseIdentityPool' });
    expect(Object.values(attachment?.Properties.RoleMappings)).toEqual([
      expect.objectContaining({ Type: 'Token', AmbiguousRoleResolution: 'Deny' }),
    ]);
    expect(attachment?.Properties.Roles).toBeUndefined();
  });

  it('creates one role per configured group, named as its ARN says', () => {
    const roles = Object.fromEntries(ofType(withPool, 'AWS::IAM::Role'));
    expect(roles.GatehouseGroupRoleadmins?.Properties).toMatchObject({
      RoleName: 'admins-role',
      Path: '/gatehouse/',
    });
    expect(roles.GatehouseGroupRolereaders?.Properties).toMatchObject({
      RoleName: 'gatehouse-readers',
      Path: '/',
    });
  });

  it.each(['GatehouseGroupRoleadmins', 'GatehouseGroupRolereaders'])(
    '%s trusts only this identity pool, for authenticated identities',
    (id) => {
      const trust = withPool.Resources[id]?.Properties.AssumeRolePolicyDocument;
      expect(trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
          Condition: {
            StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: 'GatehouseIdentityPool' } },
            'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
          },
        },
      ]);
    },
  );

  it('outputs the identity pool id', () => {
    expect(withPool.Outputs?.IdentityPoolId?.Value).toEqual({ Ref: 'GatehouseIdentityPool' });
  });

  it('adds nothing when the parameter is not set', () => {
    expect(ofType(withoutPool, 'AWS::Cognito::IdentityPool')).toEqual([]);
    expect(Object.keys(withoutPool.Resources).filter((id) => id.startsWith('GatehouseGroupRole'))).toEqual(
      [],
    );
  });
});

describe('identity pool generator', () => {
  const input = { userPoolId: { Ref: 'UserPool' }, clientId: { Ref: 'UserPoolClient' } };

  it('refuses to build a pool without tokens.groupRoles, saying what it needs', () => {
    expect(() => identityPoolResources({ ...input, groupRoles: [] })).toThrow(
      'identityPool: needs tokens.groupRoles',
    );
  });

  it('refuses two groups that would give one resource name', () => {
    const groupRoles = [
      { group: 'a-b', roleArn: ADMINS },
      { group: 'ab', roleArn: READERS },
    ];
    expect(() => identityPoolResources({ ...input, groupRoles })).toThrow('same resource name');
  });
});

/**
 * The optional identity pool (serverless.yml parameter `identityPool=true`): users exchange their
 * ID token for AWS credentials of the role their groups give them. Added to the packaged template
 * by the local plugin scripts/deploy/identity-pool.cjs, from the same `tokens.groupRoles` the pre
 * token generation function bundles, so the roles the tokens name are the roles the stack creates.
 *
 * - `AWS::Cognito::IdentityPool`: authenticated identities only, the stack's user pool and app
 *   client as its one provider, with the server-side token check (a signed-out token is refused).
 * - `AWS::Cognito::IdentityPoolRoleAttachment`: role mapping `Token` (the ID token's
 *   `cognito:preferred_role`, else its one `cognito:roles` entry) with ambiguous roles denied: a
 *   token with several roles and no preferred one, or none, gets no credentials. No default role.
 * - One `AWS::IAM::Role` per configured group, named as in its ARN, whose trust policy admits
 *   only this identity pool (`aud`) and authenticated identities (`amr`). It holds no permissions:
 *   attach your own policies to it.
 */
import { loadSettings } from '../../shared/config/settings.js';
import { type GroupRoles, tokenSettingSpecs } from '../../shared/tokens/settings.js';

/** A CloudFormation value: a literal, or an intrinsic function such as `{Ref: ...}`. */
type CfnValue = unknown;

export interface IdentityPoolInput {
  /** `tokens.groupRoles` of the configuration the functions bundle. */
  groupRoles: GroupRoles;
  /** The user pool id and app client id (literals, or references to the stack's own). */
  userPoolId: CfnValue;
  clientId: CfnValue;
}

export interface IdentityPoolFragment {
  Resources: Record<string, Record<string, unknown>>;
  Outputs: Record<string, Record<string, unknown>>;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)?([\w+=,.@-]+)$/;

/** `tokens.groupRoles` of a bundled configuration (validated as the function validates it). */
export function groupRolesOf(config: unknown): GroupRoles {
  return loadSettings({ groupRoles: tokenSettingSpecs.groupRoles }, { env: {}, file: config }).groupRoles;
}

/** The resources and outputs of the identity pool; throws naming the problem when it cannot be built. */
export function identityPoolResources(input: IdentityPoolInput): IdentityPoolFragment {
  if (input.groupRoles.length === 0) {
    throw new Error(
      'identityPool: needs tokens.groupRoles in config/gatehouse.json (or the stage file): the roles it hands out',
    );
  }
  const provider = {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub pattern
    'Fn::Sub': ['cognito-idp.${AWS::Region}.amazonaws.com/${PoolId}', { PoolId: input.userPoolId }],
  };
  const resources: IdentityPoolFragment['Resources'] = {
    GatehouseIdentityPool: {
      Type: 'AWS::Cognito::IdentityPool',
      Properties: {
        AllowUnauthenticatedIdentities: false,
        AllowClassicFlow: false,
        CognitoIdentityProviders: [
          { ProviderName: provider, ClientId: input.clientId, ServerSideTokenCheck: true },
        ],
      },
    },
    GatehouseIdentityPoolRoleAttachment: {
      Type: 'AWS::Cognito::IdentityPoolRoleAttachment',
      Properties: {
        IdentityPoolId: { Ref: 'GatehouseIdentityPool' },
        RoleMappings: {
          userPool: {
            IdentityProvider: { 'Fn::Join': [':', [provider, input.clientId]] },
            Type: 'Token',
            AmbiguousRoleResolution: 'Deny',
          },
        },
      },
    },
  };
  const logicalIds = new Set<string>();
  for (const { group, roleArn } of input.groupRoles) {
    const match = ROLE_ARN.exec(roleArn);
    if (!match) throw new Error(`tokens.groupRoles: ${roleArn} is not an IAM role ARN`);
    const [, , account, path, name] = match as unknown as [
      string,
      string,
      string,
      string | undefined,
      string,
    ];
    const logicalId = `GatehouseGroupRole${group.replace(/[^A-Za-z0-9]/g, '')}`;
    if (logicalIds.has(logicalId)) {
      throw new Error(
        `tokens.groupRoles: groups "${group}" and another one give the same resource name ${logicalId}`,
      );
    }
    logicalIds.add(logicalId);
    resources[logicalId] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: name,
        Path: path ?? '/',
        Description: `Gatehouse identity pool role of the group ${group} (account ${account})`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: 'cognito-identity.amazonaws.com' },
              Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
              Condition: {
                StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: 'GatehouseIdentityPool' } },
                'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
              },
            },
          ],
        },
      },
    };
  }
  return {
    Resources: resources,
    Outputs: {
      IdentityPoolId: {
        Description: 'The identity pool (fromCognitoIdentityPool identityPoolId)',
        Value: { Ref: 'GatehouseIdentityPool' },
      },
    },
  };
}

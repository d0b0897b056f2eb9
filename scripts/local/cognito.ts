import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  AdminListGroupsForUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { type ManagedProcess, spawnManaged, temporaryDirectory } from './processes.js';

/**
 * cognito-local (a Cognito user-pool API emulator) in a child process, with a user pool and an
 * app client created at start. Its triggers call a Lambda endpoint (`lambdaEndpoint`): the trigger
 * tap in front of serverless-offline. Its tokens are RS256 JWTs with the JWKS at
 * `<endpoint>/<poolId>/.well-known/jwks.json` and the issuer `<endpoint>/<poolId>`.
 */
export interface LocalCognito {
  endpoint: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  jwksUri: string;
  /** An SDK client pointed at the emulator (any credentials are accepted). */
  client: CognitoIdentityProviderClient;
  process: ManagedProcess;
  /** Codes cognito-local "delivered" (it prints them instead of sending mail), newest last. */
  deliveredCodes(): { destination: string; code: string; subject?: string; message?: string }[];
  /** Same event fixes as the trigger tap applies (see `fixCognitoLocalEvent`). */
  fixEvent(event: Record<string, unknown>): Promise<string[]>;
  stop(): Promise<void>;
}

/** The triggers cognito-local can call, by the name its config uses. */
export type CognitoLocalTrigger =
  | 'PreSignUp'
  | 'PostConfirmation'
  | 'UserMigration'
  | 'PreTokenGeneration'
  | 'CustomMessage'
  | 'PostAuthentication';

export interface CognitoStartOptions {
  port: number;
  lambdaEndpoint: string;
  triggerFunctions: Partial<Record<CognitoLocalTrigger, string>>;
  /**
   * Pools that exist from the start under these ids (CreateUserPool picks a random one), e.g. the
   * sample events' `us-east-1_EXAMPLE1`, so that a function's lookup of a sample user finds it.
   */
  existingPools?: string[];
  startTimeoutMs?: number;
}

/** A pool file as cognito-local keeps it (`.cognito/db/<id>.json`), with its AWS defaults. */
function writeExistingPool(dbDirectory: string, poolId: string): void {
  const { USER_POOL_AWS_DEFAULTS } = require('cognito-local/lib/services/cognitoService.js') as {
    USER_POOL_AWS_DEFAULTS: Record<string, unknown>;
  };
  const now = new Date().toISOString();
  const options = {
    ...USER_POOL_AWS_DEFAULTS,
    Id: poolId,
    Name: poolId,
    CreationDate: now,
    LastModifiedDate: now,
  };
  writeFileSync(join(dbDirectory, `${poolId}.json`), JSON.stringify({ Users: {}, Options: options }));
}

const require = createRequire(import.meta.url);
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startCognitoLocal(options: CognitoStartOptions): Promise<LocalCognito> {
  const temporary = temporaryDirectory('gatehouse-cognito-');
  const workDir = temporary.path;
  const endpoint = `http://127.0.0.1:${options.port}`;
  mkdirSync(join(workDir, '.cognito', 'db'), { recursive: true });
  for (const poolId of options.existingPools ?? [])
    writeExistingPool(join(workDir, '.cognito', 'db'), poolId);
  writeFileSync(
    join(workDir, '.cognito', 'config.json'),
    JSON.stringify(
      {
        LambdaClient: {
          endpoint: options.lambdaEndpoint,
          region: 'us-east-1',
          credentials: localCredentials,
        },
        TriggerFunctions: options.triggerFunctions,
        TokenConfig: { IssuerDomain: endpoint },
        UserPoolDefaults: { UsernameAttributes: ['email'] },
      },
      null,
      2,
    ),
  );
  const process = spawnManaged('cognito-local', globalThis.process.execPath, [cognitoLocalBin()], {
    cwd: workDir,
    env: { PORT: String(options.port), HOST: '127.0.0.1', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
  });
  const stop = async () => {
    await process.stop();
    temporary.remove();
  };
  try {
    await process.waitForLine(/Cognito Local running on/, options.startTimeoutMs ?? 30_000);
    const client = new CognitoIdentityProviderClient({
      endpoint,
      region: 'us-east-1',
      credentials: localCredentials,
    });
    const pool = await client.send(
      new CreateUserPoolCommand({
        PoolName: 'gatehouse-local',
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
      }),
    );
    const userPoolId = pool.UserPool!.Id!;
    const appClient = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'gatehouse-local',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    return {
      endpoint,
      userPoolId,
      clientId: appClient.UserPoolClient!.ClientId!,
      issuer: `${endpoint}/${userPoolId}`,
      jwksUri: `${endpoint}/${userPoolId}/.well-known/jwks.json`,
      client,
      process,
      deliveredCodes: () => parseDeliveries(process.lines()),
      fixEvent: (event) => fixCognitoLocalEvent(event, client),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function cognitoLocalBin(): string {
  return join(require.resolve('cognito-local/package.json'), '..', 'lib', 'bin', 'start.js');
}

/**
 * cognito-local prints each message it would send in a box:
 *   Destination:   ann@example.org
 *   Code:          123456
 *   Email Subject: ...
 * (one `Label: value` per line). This reads them back, oldest first.
 */
export function parseDeliveries(lines: readonly string[]) {
  const deliveries: { destination: string; code: string; subject?: string; message?: string }[] = [];
  let current: Record<string, string> | undefined;
  for (const raw of lines) {
    const line = raw.replace(/^[\s│|]+|[\s│|]+$/g, '');
    if (line.includes('Confirmation Code Delivery')) current = {};
    if (!current) continue;
    const field = line.match(/^(Username|Destination|Code|Email Subject|Email Message|SMS Message):\s*(.*)$/);
    if (field) current[field[1]!] = field[2]!.trim();
    if (/^[╰└]/.test(raw.trim()) || raw.includes('╰')) {
      if (current.Code) {
        deliveries.push({
          destination: current.Destination ?? '',
          code: current.Code,
          subject: current['Email Subject'],
          message: current['Email Message'] ?? current['SMS Message'],
        });
      }
      current = undefined;
    }
  }
  return deliveries;
}

/**
 * cognito-local approximates Cognito's trigger events; Gatehouse's parsers check the real shape.
 * What differs, and is fixed here so that the functions see what AWS would send them:
 * - `version` is "0" in every cognito-local event; Cognito sends "1" (V1_0 events).
 * - pre token generation: `groupConfiguration` is `{}`; Cognito sends the user's groups in
 *   `groupsToOverride`, `iamRolesToOverride` and `preferredRole`.
 * - `region` is "local"; the functions run in one region (us-east-1 here).
 * - ConfirmSignUp with the code sent by email leaves `email_verified` unset; Cognito marks the
 *   email verified (the pool auto-verifies email): the user is updated, and so is the event.
 */
export async function fixCognitoLocalEvent(
  event: Record<string, unknown>,
  client: CognitoIdentityProviderClient,
): Promise<string[]> {
  const fixed: string[] = [];
  if (event.version === '0') {
    event.version = '1';
    fixed.push('version');
  }
  if (event.region === 'local') {
    event.region = 'us-east-1';
    fixed.push('region');
  }
  const source = String(event.triggerSource ?? '');
  const request = event.request as Record<string, unknown> | undefined;
  if (source.startsWith('TokenGeneration_') && request) {
    const given = (request.groupConfiguration ?? {}) as Record<string, unknown>;
    if (!Array.isArray(given.groupsToOverride)) {
      const groups = await client.send(
        new AdminListGroupsForUserCommand({
          UserPoolId: String(event.userPoolId),
          Username: String(event.userName),
        }),
      );
      request.groupConfiguration = {
        groupsToOverride: (groups.Groups ?? []).map((group) => group.GroupName!),
        iamRolesToOverride: [],
        preferredRole: null,
        ...given,
      };
      fixed.push('request.groupConfiguration');
    }
  }
  if (source === 'PostConfirmation_ConfirmSignUp' && request) {
    const attributes = (request.userAttributes ?? {}) as Record<string, string>;
    if (attributes.email && attributes.email_verified !== 'true') {
      await client.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: String(event.userPoolId),
          Username: String(event.userName),
          // cognito-local wants the address along with the flag.
          UserAttributes: [
            { Name: 'email', Value: attributes.email },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      attributes.email_verified = 'true';
      fixed.push('request.userAttributes.email_verified');
    }
  }
  return fixed;
}

/**
 * `npm run revoke -- --jti <id> | --user <sub>` for operators: writes the same revocation items
 * the sign-out route and the console write, which the authorizer reads (AUTHORIZER_REVOCATION):
 *
 * - `--jti <id>`: that token is refused; a refresh token's id refuses every token minted from it
 *   (their `origin_jti`). Kept until `--until` (epoch seconds or an ISO date), by default 10 years,
 *   the longest a Cognito refresh token lives, so a revocation never lapses before its token.
 * - `--user <sub>`: every token of that user issued until now is refused (sign out everywhere in
 *   the API; Cognito's refresh tokens stay: `aws cognito-idp admin-user-global-sign-out` for those).
 *
 * Which table: `--stage <stage>` (the `TableName` output of the stack `gatehouse-<stage>`, AWS
 * credentials and `--region` as for the AWS CLI), or `--table <name>` (with `--endpoint <url>` for
 * a local dynalite). `--dry-run` prints the item and the table and writes nothing.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { recordSignOut, revokeTokenId } from '../shared/authorizer/revoke.js';
import { keys } from '../shared/storage/keys.js';
import { stageTable } from './deploy/stage-table.js';

const USAGE =
  'usage: npm run revoke -- (--jti <id> [--until <epoch seconds|ISO date>] | --user <sub>) (--stage <stage> [--region <region>] | --table <name> [--endpoint <url>]) [--dry-run]';

/** The longest a Cognito refresh token lives (3650 days): a token id is kept at least that long. */
const REFRESH_TOKEN_MAX_SECONDS = 3650 * 24 * 3600;

/** A wrong command line: the message names what is wrong; the CLI prints it with the usage. */
export class RevokeUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RevokeUsageError';
  }
}

/** What to write. */
export type Revocation =
  | { kind: 'token'; jti: string; expiresAt: number }
  | { kind: 'user'; sub: string; signedOutAt: number };

/** Where to write it. */
export type Target =
  | { stage: string; region?: string }
  | { table: string; endpoint?: string; region?: string };

export interface RevokeCommand {
  revocation: Revocation;
  target: Target;
  dryRun: boolean;
}

const TOKEN_ID = /^[\w-]{1,256}$/;
const SUB = /^[\w-]{1,128}$/;

function untilSeconds(value: string | undefined, now: number): number {
  if (value === undefined) return now + REFRESH_TOKEN_MAX_SECONDS;
  const seconds = /^\d+$/.test(value) ? Number(value) : Math.floor(Date.parse(value) / 1000);
  if (!Number.isFinite(seconds))
    throw new RevokeUsageError(`--until: "${value}" is neither epoch seconds nor an ISO date`);
  if (seconds <= now)
    throw new RevokeUsageError(`--until: ${value} is not in the future (nothing to refuse)`);
  return seconds;
}

/** The command a command line asks for, or a `RevokeUsageError` naming what is wrong. */
export function parseRevokeArgs(args: string[], now = Math.floor(Date.now() / 1000)): RevokeCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        jti: { type: 'string' },
        until: { type: 'string' },
        user: { type: 'string' },
        stage: { type: 'string' },
        region: { type: 'string' },
        table: { type: 'string' },
        endpoint: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new RevokeUsageError((error as Error).message);
  }
  const text = (name: string) => values[name] as string | undefined;
  const jti = text('jti');
  const user = text('user');
  if ((jti === undefined) === (user === undefined))
    throw new RevokeUsageError('give exactly one of --jti <id> and --user <sub>');
  if (jti !== undefined && !TOKEN_ID.test(jti))
    throw new RevokeUsageError(`--jti: "${jti}" is not a token id (letters, digits, - and _)`);
  if (user !== undefined && !SUB.test(user))
    throw new RevokeUsageError(`--user: "${user}" is not a user's sub`);
  if (user !== undefined && text('until') !== undefined)
    throw new RevokeUsageError('--until applies to --jti only');
  const stage = text('stage');
  const table = text('table');
  if ((stage === undefined) === (table === undefined))
    throw new RevokeUsageError('give exactly one of --stage <stage> and --table <name>');
  if (stage !== undefined && !/^[a-zA-Z0-9-]+$/.test(stage))
    throw new RevokeUsageError(`--stage: "${stage}" is not a stage name`);
  if (stage !== undefined && text('endpoint'))
    throw new RevokeUsageError('--endpoint goes with --table (a local table), not --stage');
  const region = text('region');
  return {
    revocation:
      jti !== undefined
        ? { kind: 'token', jti, expiresAt: untilSeconds(text('until'), now) }
        : { kind: 'user', sub: user!, signedOutAt: now },
    target:
      stage !== undefined
        ? { stage, ...(region ? { region } : {}) }
        : {
            table: table!,
            ...(text('endpoint') ? { endpoint: text('endpoint') } : {}),
            ...(region ? { region } : {}),
          },
    dryRun: values['dry-run'] === true,
  };
}

/** The item as the authorizer reads it (for the dry run's print). */
export function revocationItem(revocation: Revocation): Record<string, unknown> {
  return revocation.kind === 'token'
    ? { pk: keys.revokedToken(revocation.jti), sk: keys.item(), expiresAt: revocation.expiresAt }
    : { pk: keys.user(revocation.sub), sk: keys.signedOutAt(), signedOutAt: revocation.signedOutAt };
}

/** Resolves the table, then writes the item (or, dry, prints it). Answers the table and the item. */
export async function revoke(
  command: RevokeCommand,
  log: (line: string) => void = console.log,
): Promise<{ table: string; item: Record<string, unknown> }> {
  const { target, revocation } = command;
  const table = 'table' in target ? target.table : await stageTable(target.stage, target.region);
  const item = revocationItem(revocation);
  const what =
    revocation.kind === 'token'
      ? `token ${revocation.jti} (and every token minted from it) refused until ${new Date(revocation.expiresAt * 1000).toISOString()}`
      : `every token of user ${revocation.sub} issued until ${new Date(revocation.signedOutAt * 1000).toISOString()} refused`;
  if (command.dryRun) {
    log(`dry run: nothing written. Table ${table} would get:\n${JSON.stringify(item, null, 2)}\n(${what})`);
    return { table, item };
  }
  const local = 'endpoint' in target && target.endpoint !== undefined;
  const dynamo = new DynamoDBClient({
    // A local stand-in (dynalite) takes any credentials and region.
    ...(local
      ? {
          endpoint: target.endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    ...(target.region ? { region: target.region } : {}),
    maxAttempts: 3,
  });
  const client = DynamoDBDocumentClient.from(dynamo);
  try {
    if (revocation.kind === 'token') await revokeTokenId(client, table, revocation.jti, revocation.expiresAt);
    else await recordSignOut(client, table, revocation.sub, revocation.signedOutAt);
  } finally {
    dynamo.destroy();
  }
  log(
    `revoked in ${table}: ${what}. The authorizer refuses it once its cache lapses (AUTHORIZER_REVOCATION_CACHE_SECONDS).`,
  );
  return { table, item };
}

/** Runs the CLI; answers its exit code (0 done, 2 a wrong command line). */
export async function runRevokeCli(args: string[]): Promise<number> {
  let command: RevokeCommand;
  try {
    command = parseRevokeArgs(args);
  } catch (error) {
    if (!(error instanceof RevokeUsageError)) throw error;
    process.stderr.write(`revoke: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  await revoke(command);
  return 0;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  runRevokeCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`revoke failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}

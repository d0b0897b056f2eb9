/**
 * `npm run onboarding -- <command>` for operators: the welcome mails the onboarding outbox closed
 * without sending (its outcome unknown, so never resent by itself: at most once; or every attempt
 * failed), and their resend (shared/onboarding/welcome-resend.ts).
 *
 * - `closed-welcomes`: lists those users (sub, username, when and why it was closed, where a
 *   resend stands), never their address.
 * - `resend-welcome <username|sub>`: queues one resend, which the stage's onboarding sweeper sends
 *   within a minute (its mail settings, its role). Once: run again, it queues nothing while the
 *   resend is queued, being sent, sent or closed; `--force` sends a settled one again.
 *
 * Which table: `--stage <stage>` (the `TableName` output of the stack `gatehouse-<stage>`, AWS
 * credentials and `--region` as for the AWS CLI), or `--table <name>` (with `--endpoint <url>` for
 * a local dynalite).
 */
import { parseArgs } from 'node:util';
import { stageTable } from './deploy/stage-table.js';

const USAGE =
  'usage: npm run onboarding -- (closed-welcomes | resend-welcome <username|sub> [--force]) (--stage <stage> [--region <region>] | --table <name> [--endpoint <url>])';

/** A wrong command line: the message names what is wrong; the CLI prints it with the usage. */
export class OnboardingUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnboardingUsageError';
  }
}

export type OnboardingCommand =
  | { action: 'closed-welcomes'; target: Target }
  | { action: 'resend-welcome'; user: string; force: boolean; target: Target };

export type Target =
  | { stage: string; region?: string }
  | { table: string; endpoint?: string; region?: string };

/** A Cognito username (at most 128 characters, no control characters) or a sub. */
const USER = /^[^\p{Cc}\s]{1,128}$/u;

/** The command a command line asks for, or an `OnboardingUsageError` naming what is wrong. */
export function parseOnboardingArgs(args: string[]): OnboardingCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new OnboardingUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [action, user, ...rest] = positionals;
  const target = targetOf(values);
  if (action === 'closed-welcomes') {
    if (user !== undefined || rest.length > 0)
      throw new OnboardingUsageError('closed-welcomes takes no argument');
    if (values.force) throw new OnboardingUsageError('--force goes with resend-welcome');
    return { action, target };
  }
  if (action === 'resend-welcome') {
    if (user === undefined)
      throw new OnboardingUsageError('resend-welcome needs the username or sub of the user');
    if (rest.length > 0) throw new OnboardingUsageError('resend-welcome takes one user at a time');
    if (!USER.test(user))
      throw new OnboardingUsageError(
        'resend-welcome: the user is not a username or sub (1-128 characters, no spaces)',
      );
    return { action, user, force: values.force === true, target };
  }
  throw new OnboardingUsageError(
    action === undefined ? 'give a command' : `unknown command "${action.slice(0, 40)}"`,
  );
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      force: { type: 'boolean', default: false },
      stage: { type: 'string' },
      region: { type: 'string' },
      table: { type: 'string' },
      endpoint: { type: 'string' },
    },
  });
}

function targetOf(values: ReturnType<typeof parse>['values']): Target {
  const { stage, table, endpoint, region } = values;
  if ((stage === undefined) === (table === undefined))
    throw new OnboardingUsageError('give exactly one of --stage <stage> and --table <name>');
  if (stage !== undefined && !/^[a-zA-Z0-9-]+$/.test(stage))
    throw new OnboardingUsageError(`--stage: "${stage.slice(0, 40)}" is not a stage name`);
  if (stage !== undefined && endpoint)
    throw new OnboardingUsageError('--endpoint goes with --table (a local table), not --stage');
  if (endpoint !== undefined && !URL.canParse(endpoint))
    throw new OnboardingUsageError('--endpoint: not a URL');
  return stage !== undefined
    ? { stage, ...(region ? { region } : {}) }
    : { table: table!, ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
}

/**
 * Points the shared storage at the target (the environment the functions read), before the first
 * call creates its client.
 */
async function useTarget(target: Target): Promise<string> {
  const table = 'table' in target ? target.table : await stageTable(target.stage, target.region);
  process.env.TABLE_NAME = table;
  if (target.region) process.env.AWS_REGION = target.region;
  if ('endpoint' in target && target.endpoint) {
    process.env.DYNAMODB_ENDPOINT = target.endpoint;
    // A local stand-in (dynalite) takes any credentials and region.
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  return table;
}

const iso = (ms: number) => new Date(ms).toISOString();

function describeResend(resend: import('../shared/onboarding/welcome-resend.js').ResendState): string {
  switch (resend.status) {
    case 'none':
      return 'not resent';
    case 'queued':
      return 'resend queued';
    case 'sending':
      return 'resend being sent';
    case 'sent':
      return `resent ${resend.at}`;
    case 'closed':
      return `resend closed (${resend.reason})`;
  }
}

/** Runs the command; answers its exit code (0 done, 3 nothing to do for this user). */
export async function runOnboarding(
  command: OnboardingCommand,
  log: (line: string) => void = console.log,
): Promise<number> {
  const table = await useTarget(command.target);
  const resend = await import('../shared/onboarding/welcome-resend.js');
  if (command.action === 'closed-welcomes') {
    const rows = await resend.closedWelcomes();
    log(`${rows.length} closed welcome mail(s) in ${table}`);
    for (const row of rows)
      log(
        `${row.sub}\t${row.userName ?? '-'}\tclosed ${iso(row.closedAt)} (${row.reason})\t${describeResend(row.resend)}`,
      );
    return 0;
  }
  const result = await resend.queueWelcomeResend(command.user, { force: command.force });
  switch (result.status) {
    case 'queued':
      log(`welcome mail of ${result.sub} queued: the onboarding sweeper sends it within a minute`);
      return 0;
    case 'already':
      log(
        `nothing queued for ${result.sub}: ${describeResend(result.resend)}${
          result.resend.status === 'sent' || result.resend.status === 'closed'
            ? ' (--force sends it again)'
            : ''
        }`,
      );
      return 3;
    case 'not-closed':
      log(
        `nothing queued for ${result.sub}: ${
          result.welcome === 'sent'
            ? 'its welcome mail was sent'
            : result.welcome === 'pending'
              ? 'its welcome mail is not closed (the outbox still runs it, or none was asked)'
              : 'no closed welcome is listed under that username, and no user has that sub'
        }`,
      );
      return 3;
    case 'no-address':
      log(`nothing queued for ${result.sub}: its profile has no email address`);
      return 3;
  }
}

/** Runs the CLI; answers its exit code (0 done, 2 a wrong command line, 3 nothing to do). */
export async function runOnboardingCli(args: string[], log?: (line: string) => void): Promise<number> {
  let command: OnboardingCommand;
  try {
    command = parseOnboardingArgs(args);
  } catch (error) {
    if (!(error instanceof OnboardingUsageError)) throw error;
    process.stderr.write(`onboarding: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  return runOnboarding(command, log);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  runOnboardingCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`onboarding failed: ${error instanceof Error ? error.name : 'error'}`);
      process.exitCode = 1;
    },
  );
}

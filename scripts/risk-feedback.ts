/**
 * npm run risk-feedback -- <userId> valid|invalid --stage <stage> [--event <eventId>] [--device <deviceId>] [--ip <ip>]
 *
 * Operator feedback on a risk event, written straight to the stage's table (the `TableName`
 * output of the stack `gatehouse-<stage>`: CloudFormation generates the name) or to the one
 * TABLE_NAME names; AWS credentials and region as for any AWS CLI, DYNAMODB_ENDPOINT for
 * dynalite. Without either it asks which table.
 * The same logic as the `risk-feedback` function: `valid` trusts the event's device and network
 * for that user in later scores, `invalid` distrusts them.
 */
import { InvalidEventError, UserFacingError } from '../shared/errors/index.js';
import { applyRiskFeedback, parseRiskFeedbackEvent } from '../shared/risk/feedback.js';
import { loadRiskConfig } from '../shared/risk/settings.js';
import { stageTable } from './deploy/stage-table.js';

const USAGE =
  'usage: npm run risk-feedback -- <userId> valid|invalid --stage <stage> [--event <eventId>] [--device <deviceId>] [--ip <ip>]';

/** Where to write: a stage (its stack names the table) or a table named by TABLE_NAME. */
export type TableChoice = { stage: string } | { table: string };

/**
 * The table to write to: the stage's for `--stage`, else TABLE_NAME; `args` without the
 * `--stage` option. Never a default: a default table is another stage's, or none.
 */
export function tableFromArgs(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { choice: TableChoice; rest: string[] } {
  const at = args.indexOf('--stage');
  if (at < 0) {
    if (env.TABLE_NAME) return { choice: { table: env.TABLE_NAME }, rest: args };
    throw new InvalidEventError(
      '--stage',
      "which table? give --stage <stage> (its stack's TableName) or set TABLE_NAME",
    );
  }
  const stage = args[at + 1];
  if (!stage || !/^[a-zA-Z0-9-]+$/.test(stage)) throw new InvalidEventError('--stage', 'needs a stage name');
  return { choice: { stage }, rest: [...args.slice(0, at), ...args.slice(at + 2)] };
}

/** The feedback event the arguments describe (checked by the function's own parser). */
export function feedbackFromArgs(args: string[]): unknown {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  const names: Record<string, string> = { '--event': 'eventId', '--device': 'deviceId', '--ip': 'ip' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const name = names[arg];
    if (name) {
      const value = args[++i];
      if (value === undefined) throw new InvalidEventError(name, `${arg} needs a value`);
      options[name] = value;
    } else if (arg.startsWith('--')) {
      throw new InvalidEventError(arg, 'unknown option');
    } else {
      positional.push(arg);
    }
  }
  const [userId, verdict] = positional;
  return { userId, verdict, ...options };
}

/** Runs the CLI; answers its exit code (0 done, 2 bad arguments or unknown event). */
export async function runRiskFeedbackCli(args: string[]): Promise<number> {
  if (args.includes('--help') || args.length < 2) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const { choice, rest } = tableFromArgs(args);
    const event = parseRiskFeedbackEvent(feedbackFromArgs(rest));
    process.env.TABLE_NAME = 'table' in choice ? choice.table : await stageTable(choice.stage);
    const result = await applyRiskFeedback(event, loadRiskConfig().stateDays);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InvalidEventError || error instanceof UserFacingError) {
      process.stderr.write(`risk-feedback: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runRiskFeedbackCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`risk-feedback failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

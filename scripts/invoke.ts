/**
 * npm run -s invoke -- <function> [<event file> | <sample name or triggerSource>] [--set path=value ...] [--json]
 *
 * Runs one function locally with a Lambda-like context on the embedded defaults (dynalite
 * in-process with the table, the SES emulator and an SNS outbox; cognito-local with the samples'
 * user for the account-takeover mail), trusting the local sample keys (events/local-keys.json),
 * and prints its response and what it did: items written, mails and texts sent, its logs.
 * The result goes to stdout (readable on a terminal, JSON when piped or with --json); anything
 * else (progress, a usage error) to stderr. Exit 0: the function answered; 1: it threw; 2: the
 * command or the event is wrong.
 */
import type { SentMail, SentText } from './local/emulators.js';
import { checkEventFits, loadEvent, parseArguments, UsageError, usersToSeed } from './local/invoke-args.js';
import { exitOnSignals, stopAllManaged } from './local/processes.js';
import { type InvocationResult, invokeLocally, startLocalStack } from './local/run.js';
import { sampleKeySettings } from './local/sample-keys.js';

interface Report extends Omit<InvocationResult, 'logs'> {
  function: string;
  event: string;
  triggerSource: unknown;
  logs: unknown[];
  items: Record<string, unknown>[];
  mails: SentMail[];
  texts: SentText[];
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  const loaded = loadEvent(args);
  checkEventFits(args.functionName, loaded);
  Object.assign(process.env, sampleKeySettings(process.env));
  exitOnSignals(async () => stopAllManaged());
  const users = usersToSeed(loaded.event);
  if (users.length) process.stderr.write("invoke: starting cognito-local with the samples' user...\n");
  const stack = await startLocalStack({ users });
  try {
    const result = await invokeLocally(args.functionName, loaded.event);
    const [items, mails] = await Promise.all([stack.dynamo.scan(), stack.ses.mails()]);
    const report: Report = {
      function: args.functionName,
      event: loaded.source,
      triggerSource: loaded.event.triggerSource ?? loaded.event.type,
      ...result,
      logs: result.logs.map(parseLogLine),
      items,
      mails,
      texts: stack.sns.texts(),
    };
    const readableOutput = process.stdout.isTTY && !args.json;
    process.stdout.write(
      readableOutput ? readable(report, colours()) : `${JSON.stringify(report, null, 2)}\n`,
    );
    return result.error ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

function parseLogLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}

/** Bold titles on a terminal, unless NO_COLOR (https://no-color.org) is set. */
function colours() {
  const on = process.stdout.isTTY && !process.env.NO_COLOR;
  return { bold: (text: string) => (on ? `\x1b[1m${text}\x1b[0m` : text) };
}

/** The warnings and errors the function logged, as `message: reason` lines (why it failed or sent nothing). */
function reasons(logs: unknown[]): string[] {
  return logs.flatMap((line) => {
    if (!line || typeof line !== 'object') return [];
    const { level, message, problem, reason, error, code } = line as Record<string, unknown>;
    if (level !== 'WARN' && level !== 'ERROR') return [];
    const detail = [problem, reason, code, error].filter((part) => typeof part === 'string').join(', ');
    return [`${String(level).toLowerCase()}: ${String(message)}${detail ? ` (${detail})` : ''}`];
  });
}

function readable(report: Report, { bold }: ReturnType<typeof colours>): string {
  const section = (title: string, body: unknown) =>
    `\n${bold(title)}\n${typeof body === 'string' ? body : JSON.stringify(body, null, 2)}\n`;
  const why = reasons(report.logs);
  return [
    `${bold(report.function)} ← ${String(report.triggerSource)} (${report.event}, ${report.durationMs.toFixed(1)} ms)`,
    report.error
      ? section('Error (what the caller sees)', `${report.error.name}: ${report.error.message}`)
      : section('Response', report.response),
    why.length ? section('Warnings and errors (from its logs)', why.join('\n')) : '',
    section(`DynamoDB items (${report.items.length})`, report.items),
    section(
      `Mails sent (${report.mails.length})`,
      report.mails.map((m) => ({ to: m.destination.to, subject: m.subject, text: m.body.text })),
    ),
    report.texts.length
      ? section(
          `Texts sent (${report.texts.length})`,
          report.texts.map((t) => ({ to: t.phoneNumber, text: t.message })),
        )
      : '',
    section(
      'Logs',
      report.logs.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') ||
        '(none)',
    ),
  ].join('');
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    await stopAllManaged();
    process.stderr.write(`invoke: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);

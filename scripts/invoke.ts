/**
 * npm run invoke -- <function> [<event file> | <sample name or triggerSource>] [--set path=value ...]
 *
 * Runs one function locally with a Lambda-like context on the embedded defaults (dynalite
 * in-process with the table, the SES emulator as outbox) and prints its response and what it
 * did: items written, mails sent. Readable on a terminal, JSON when piped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { findSampleEvent, listSampleEvents, setAtPath } from '../shared/events/builders.js';
import { parseAlbEvent, parseAuthorizerEvent, parseTriggerEvent } from '../shared/events/parse.js';
import { parseRiskFeedbackEvent } from '../shared/risk/feedback.js';
import type { SentMail } from './local/emulators.js';
import { functionNames } from './local/registry.js';
import { type InvocationResult, invokeLocally, startLocalStack } from './local/run.js';

class UsageError extends Error {}

interface Arguments {
  functionName: string;
  eventRef?: string;
  sets: string[];
}

function parseArguments(argv: string[]): Arguments {
  const sets: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--set') sets.push(argv[++i] ?? '');
    else if (arg.startsWith('--set=')) sets.push(arg.slice(6));
    else positional.push(arg);
  }
  const [functionName, eventRef] = positional;
  if (!functionName)
    throw new UsageError(
      `usage: npm run invoke -- <function> [<event file> | <triggerSource>] [--set path=value ...]\nfunctions: ${functionNames.join(', ')}`,
    );
  if (!functionNames.includes(functionName)) {
    throw new UsageError(`unknown function "${functionName}"; valid names: ${functionNames.join(', ')}`);
  }
  return { functionName, eventRef, sets };
}

function loadEvent({ functionName, eventRef, sets }: Arguments): Record<string, unknown> {
  const path = resolveEventPath(functionName, eventRef);
  const event = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  for (const assignment of sets) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new UsageError(`--set wants path=value, got "${assignment}"`);
    setAtPath(event, assignment.slice(0, at), assignment.slice(at + 1));
  }
  return event;
}

function resolveEventPath(functionName: string, eventRef: string | undefined): string {
  if (eventRef && existsSync(eventRef)) return eventRef;
  const looksLikePath = eventRef !== undefined && (eventRef.includes('/') || eventRef.endsWith('.json'));
  if (looksLikePath) throw new UsageError(`no event file at "${eventRef}"`);
  const sample = eventRef
    ? findSampleEvent(eventRef, functionName)
    : listSampleEvents().find((s) => s.functionName === functionName);
  if (sample) return sample.path;
  const names = listSampleEvents()
    .filter((s) => s.functionName === functionName)
    .map((s) => s.name);
  throw new UsageError(`no sample event "${eventRef}" for ${functionName}; samples: ${names.join(', ')}`);
}

function checkEvent(functionName: string, event: unknown): void {
  if (functionName === 'authorizer') parseAuthorizerEvent(event);
  else if (functionName === 'risk-feedback') parseRiskFeedbackEvent(event);
  else if (functionName === 'alb-sample') parseAlbEvent(event);
  else parseTriggerEvent(event);
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  const event = loadEvent(args);
  checkEvent(args.functionName, event);
  const stack = await startLocalStack();
  try {
    const result = await invokeLocally(args.functionName, event);
    const [items, mails] = await Promise.all([stack.dynamo.scan(), stack.ses.mails()]);
    const report = {
      function: args.functionName,
      triggerSource: event.triggerSource ?? event.type,
      ...result,
      items,
      mails,
    };
    process.stdout.write(process.stdout.isTTY ? readable(report) : `${JSON.stringify(report, null, 2)}\n`);
    return result.error ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

interface Report extends InvocationResult {
  function: string;
  triggerSource: unknown;
  items: Record<string, unknown>[];
  mails: SentMail[];
}

function readable(report: Report): string {
  const section = (title: string, body: unknown) =>
    `\n\x1b[1m${title}\x1b[0m\n${typeof body === 'string' ? body : JSON.stringify(body, null, 2)}\n`;
  return [
    `\x1b[1m${report.function}\x1b[0m ← ${report.triggerSource}  (${report.durationMs.toFixed(1)} ms)`,
    report.error
      ? section('Error (what the caller sees)', `${report.error.name}: ${report.error.message}`)
      : section('Response', report.response),
    section(`DynamoDB items (${report.items.length})`, report.items),
    section(
      `Mails sent (${report.mails.length})`,
      report.mails.map((m) => ({ to: m.destination.to, subject: m.subject, text: m.body.text })),
    ),
    section('Logs', report.logs.join('\n') || '(none)'),
  ].join('');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`invoke: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);

/**
 * npm run demo: every Gatehouse function run on each of its sample events, on the embedded
 * defaults (dynalite in-process, the SES emulator as outbox), printed as a table.
 */
import { readFileSync } from 'node:fs';
import { listSampleEvents } from '../shared/events/builders.js';
import { invokeLocally, startLocalStack } from './local/run.js';

interface Row {
  function: string;
  event: string;
  outcome: string;
  ms: string;
}

async function main(): Promise<number> {
  const stack = await startLocalStack();
  const rows: Row[] = [];
  try {
    for (const sample of listSampleEvents()) {
      const event = JSON.parse(readFileSync(sample.path, 'utf8'));
      const result = await invokeLocally(sample.functionName, event);
      rows.push({
        function: sample.functionName,
        event: sample.name,
        outcome: result.error
          ? `error: ${result.error.message}`
          : describeOutcome(sample.functionName, result.response),
        ms: result.durationMs.toFixed(1),
      });
    }
  } finally {
    await stack.stop();
  }
  printTable(rows);
  return 0;
}

function describeOutcome(functionName: string, response: unknown): string {
  if (functionName === 'authorizer') {
    const effect = (response as { policyDocument?: { Statement?: { Effect?: string }[] } })?.policyDocument
      ?.Statement?.[0]?.Effect;
    return effect ? `policy ${effect}` : 'answered';
  }
  const fields = Object.entries((response as { response?: Record<string, unknown> })?.response ?? {}).filter(
    ([, value]) =>
      value !== null &&
      value !== undefined &&
      value !== false &&
      !(typeof value === 'object' && Object.keys(value).length === 0),
  );
  return fields.length ? `response: ${fields.map(([k]) => k).join(', ')}` : 'default behaviour';
}

function printTable(rows: Row[]): void {
  const columns = ['function', 'event', 'outcome', 'ms'] as const;
  const width = (c: (typeof columns)[number]) => Math.max(c.length, ...rows.map((r) => r[c].length));
  const line = (r: Row) =>
    columns.map((c) => (c === 'ms' ? r[c]!.padStart(width(c)) : r[c]!.padEnd(width(c)))).join('  ');
  console.log(line({ function: 'function', event: 'triggerSource / event', outcome: 'outcome', ms: 'ms' }));
  console.log(columns.map((c) => '-'.repeat(width(c))).join('  '));
  for (const row of rows) console.log(line(row));
  console.log(`\n${rows.length} invocations of ${new Set(rows.map((r) => r.function)).size} functions.`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SentMail, SentText } from '../../scripts/local/emulators.js';
import { usersToSeed } from '../../scripts/local/invoke-args.js';
import {
  type InvocationResult,
  invokeLocally,
  type LocalStack,
  startLocalStack,
} from '../../scripts/local/run.js';
import { sampleKeySettings } from '../../scripts/local/sample-keys.js';
import { listSampleEvents } from '../support/events.js';

/**
 * The behaviour recorder: every sample event through its function, in a fixed order on one local
 * stack (as `npm run invoke` runs them), and what each answered, logged and sent compared with a
 * committed record. A refactoring must leave it unchanged; a deliberate change of behaviour updates
 * it with `npx vitest run test/behaviour/sample-outputs.test.ts -u` and shows the change in review.
 * Values that differ on every run (ids, times, nonces, signatures, durations) are masked.
 */
const samples = listSampleEvents().map((sample) => ({
  ...sample,
  event: JSON.parse(readFileSync(sample.path, 'utf8')) as Record<string, unknown>,
}));

let stack: LocalStack;
beforeAll(async () => {
  Object.assign(process.env, sampleKeySettings(process.env));
  stack = await startLocalStack({ users: samples.flatMap((sample) => usersToSeed(sample.event)) });
});
afterAll(async () => {
  await stack?.stop();
});

const VOLATILE: [RegExp, string][] = [
  [/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>'],
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?/g, '<time>'],
  [/\b1[78]\d{8}(\d{3})?\b/g, '<epoch>'],
  [/(?<![\w-])[A-Za-z0-9_-]{32,}(?![\w-])/g, '<opaque>'],
  [/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>'],
  [/STEP_UP:[\w-]+/g, 'STEP_UP:<challenge>'],
];
/** Fields that hold a fresh random value on every run. */
const RANDOM_FIELDS = new Set(['challengeId']);

function masked(value: unknown): unknown {
  if (typeof value === 'string')
    return VOLATILE.reduce((text, [pattern, mask]) => text.replace(pattern, mask), value);
  if (typeof value === 'number') return masked(String(value)) === String(value) ? value : '<epoch>';
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, RANDOM_FIELDS.has(key) ? '<random>' : masked(item)]),
    );
  }
  return value;
}

/** A log line's level, message and the outcome fields a reader acts on; not its ids nor timings. */
function logSummary(line: string): unknown {
  try {
    const { level, message, outcome, reason, code, problem, path } = JSON.parse(line) as Record<
      string,
      unknown
    >;
    return masked(
      Object.fromEntries(
        Object.entries({ level, message, outcome, reason, code, problem, path }).filter(
          ([, v]) => v !== undefined,
        ),
      ),
    );
  } catch {
    return masked(line);
  }
}

function recorded(result: InvocationResult, mails: SentMail[], texts: SentText[]) {
  return {
    ...(result.error ? { error: result.error } : { response: masked(result.response) }),
    logs: result.logs.map(logSummary),
    mails: mails.map((mail) => masked({ to: mail.destination.to, subject: mail.subject })),
    texts: texts.map((text) => masked({ to: text.phoneNumber, message: text.message })),
  };
}

describe('behaviour recorder: every sample event through its function', () => {
  it('answers, logs and sends what the record says', async () => {
    const record: Record<string, unknown> = {};
    for (const sample of samples) {
      await stack.ses.clear();
      const textsBefore = stack.sns.texts().length;
      const result = await invokeLocally(sample.functionName, structuredClone(sample.event));
      const texts = stack.sns.texts().slice(textsBefore);
      record[`${sample.functionName}/${sample.name}`] = recorded(result, await stack.ses.mails(), texts);
    }
    await expect(`${JSON.stringify(record, null, 2)}\n`).toMatchFileSnapshot('sample-outputs.snap');
  }, 120_000);
});

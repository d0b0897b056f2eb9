import fc from 'fast-check';
import * as v from 'valibot';
import { type LocalHandler, localContext } from '../../scripts/local/registry.js';
import { GENERIC_USER_MESSAGE, UserFacingError } from '../../shared/errors/index.js';
import { contractOf } from './contracts.js';
import { mutated } from './schema-arbitrary.js';
import type { FuzzTarget } from './targets.js';

/**
 * Runs one function on generated events and judges every answer:
 * - the answer keeps Cognito's or API Gateway's contract (./contracts.ts);
 * - a thrown message is a deliberate one (a trigger's `UserFacingError`, the generic message, or
 *   the authorizer's exact `Unauthorized`) and shows no internals (stack frames, file paths,
 *   SDK error names, raw JSON);
 * - an event its schema refuses is refused at parse time, naming the bad field;
 * - the logs are JSON lines holding no planted secret and never the event itself.
 * Every other event has unique markers planted in each field that carries a secret (passwords,
 * codes, challenge answers, private challenge parameters, bearer tokens), found in the logs by
 * pattern; the others keep their values (valid sample tokens reach the deep paths), searched as is.
 */
export interface FuzzResult {
  accepted: number;
  refused: number;
  ms: number;
}

const MARKER = /zq[0-9a-f]{16}qz/g;
let markerCount = 0;
const marker = () =>
  `zq${(++markerCount).toString(16).padStart(8, '0')}${Math.floor(Math.random() * 2 ** 32)
    .toString(16)
    .padStart(8, '0')}qz`;

const SECRET_KEYS = /^(password|code|challengeAnswer|authorizationToken)$/;
const bearer = () => `Bearer eyJ${marker()}.eyJ${marker()}.${marker()}`;

/**
 * Every secret-carrying field of the event: replaced by a marker when `plant`, else its value
 * is returned (a sample's real token or encrypted code, so that valid ones reach the deep paths).
 */
export function secretFields(event: unknown, plant: boolean): string[] {
  const found = collectSecrets(event, plant);
  const text = JSON.stringify(event) ?? '';
  return found.filter((secret) => text.split(JSON.stringify(secret).slice(1, -1)).length === 2);
}

function collectSecrets(node: unknown, plant: boolean, found: string[] = []): string[] {
  if (node === null || typeof node !== 'object') return found;
  const record = node as Record<string, unknown>;
  const keep = (value: unknown, fresh: () => string) => {
    if (typeof value !== 'string') return value;
    if (plant) return fresh();
    if (value.length >= 8) found.push(value.replace(/^bearer /i, ''));
    return value;
  };

  for (const [name, value] of Object.entries(record)) {
    if (SECRET_KEYS.test(name)) record[name] = keep(value, marker);
    else if (name.toLowerCase() === 'authorization' && typeof value === 'string')
      record[name] = keep(value, bearer);
    else if (name === 'identitySource' && Array.isArray(value))
      record[name] = value.map((item) => keep(item, bearer));
    else if (
      name === 'privateChallengeParameters' &&
      value &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      for (const [field, text] of Object.entries(value))
        (value as Record<string, unknown>)[field] = keep(text, marker);
    } else collectSecrets(value, plant, found);
  }
  return found;
}

/** Stack frames, file paths, SDK error or exception names, raw JSON, socket errors: never shown to a caller. */
const INTERNALS =
  /(\bat [\w$.<>]+ \(|[\w-]+\.(?:ts|js|mjs|cjs)\b|node_modules|\/work\/|\b[A-Z]\w*(?:Exception|Error)\b|ECONN|\$metadata|\bstack\b)/;
const RAW_JSON = /^\s*[[{]/;
/** In an HTTP body (JSON by design): stack frames, server paths, SDK exception names and metadata. */
const BODY_INTERNALS =
  /(\bat [\w$.<>]+ \(|\/(?:var\/task|work|home|tmp|opt)\/|node_modules|\b\w+Exception\b|\$metadata|ECONN)/;

/** Whatever the functions write (Powertools logs to stdout), kept per event instead of printed. */
export function captureStdout() {
  let chunks: string[] = [];
  const out = process.stdout.write;
  const err = process.stderr.write;
  const keep = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = keep;
  process.stderr.write = keep;
  return {
    take(): string {
      const text = chunks.join('');
      chunks = [];
      return text;
    },
    restore() {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

/**
 * Fields Cognito itself writes, never the caller: the `response` it starts from, and the
 * message placeholders (`{####}`...), which it then replaces. They keep Cognito's values.
 */
const PLACEHOLDERS = {
  codeParameter: '{####}',
  linkParameter: '{##Click Here##}',
  usernameParameter: '{username}',
};

function cognitoOwnFields(event: Record<string, unknown>, target: FuzzTarget): void {
  event.response = target.response(event);
  const request = event.request as Record<string, unknown> | undefined;
  if (target.name !== 'custom-message' || !request || typeof request !== 'object') return;
  for (const [field, placeholder] of Object.entries(PLACEHOLDERS)) {
    if (typeof request[field] === 'string') request[field] = placeholder;
  }
}

function accepts(schema: v.GenericSchema, event: unknown): boolean {
  return v.safeParse(schema, event, { abortEarly: true }).success;
}

export async function fuzzTarget(
  target: FuzzTarget,
  handler: LocalHandler,
  runs: { accepted: number; refused: number; seed?: number },
): Promise<FuzzResult> {
  const check = contractOf(target.name);
  const capture = captureStdout();
  const started = performance.now();
  const withCognitoResponse = (event: Record<string, unknown>) => {
    if (target.kind === 'trigger' && event && typeof event === 'object') cognitoOwnFields(event, target);
    return event;
  };
  let count = 0;
  const judge = async (event: Record<string, unknown>, refusedBySchema: boolean) => {
    const secrets = secretFields(event, ++count % 2 === 0);
    const before = structuredClone(event);
    capture.take();
    let answer: unknown;
    let thrown: unknown;
    try {
      answer = await handler(event, localContext(target.name));
    } catch (error) {
      thrown = error;
    }
    const output = capture.take();
    const problem =
      judgeLogs(output, secrets) ??
      judgeAnswer(target, check, before, answer, thrown, refusedBySchema, output);
    if (problem) throw new Error(`${target.name}: ${problem}`);
  };
  try {
    const accepted = target.accepted
      .map(withCognitoResponse)
      .filter((event) => accepts(target.schema, event));
    const refused = mutated(target.accepted)
      .map((event) => withCognitoResponse(event as Record<string, unknown>))
      .filter((event) => !accepts(target.schema, event));
    const seed = runs.seed;
    await fc.assert(
      fc.asyncProperty(accepted, (event) => judge(event, false)),
      { numRuns: runs.accepted, ...(seed === undefined ? {} : { seed }) },
    );
    await fc.assert(
      fc.asyncProperty(refused, (event) => judge(event, true)),
      { numRuns: runs.refused, ...(seed === undefined ? {} : { seed }) },
    );
  } finally {
    capture.restore();
  }
  return { accepted: runs.accepted, refused: runs.refused, ms: performance.now() - started };
}

function judgeLogs(output: string, secrets: string[]): string | undefined {
  const leaked = output.match(MARKER)?.[0] ?? secrets.find((secret) => output.includes(secret));
  if (leaked) return `a secret reached the logs: ${leaked.slice(0, 40)} in ${lineWith(output, leaked)}`;
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    try {
      JSON.parse(line);
    } catch {
      return `a log line is not JSON: ${line.slice(0, 200)}`;
    }
  }
  if (output.includes('"request":{')) return 'the event was logged';
  return undefined;
}

function lineWith(output: string, text: string): string {
  return (output.split('\n').find((line) => line.includes(text)) ?? '').slice(0, 400);
}

function judgeAnswer(
  target: FuzzTarget,
  check: ReturnType<typeof contractOf>,
  event: Record<string, unknown>,
  answer: unknown,
  thrown: unknown,
  refusedBySchema: boolean,
  output: string,
): string | undefined {
  if (thrown !== undefined) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    if (target.kind === 'authorizer') {
      return message === 'Unauthorized'
        ? undefined
        : `the authorizer threw "${message.slice(0, 200)}" (a 500), not Unauthorized`;
    }
    // API Gateway answers a bare 500 to a throw (the message goes nowhere); it never sends what the schema refuses.
    if (target.kind === 'http')
      return refusedBySchema ? undefined : `threw "${message.slice(0, 200)}" instead of answering`;
    if (INTERNALS.test(message) || RAW_JSON.test(message))
      return `an error message shows internals: "${message.slice(0, 200)}"`;
    if (!(thrown instanceof UserFacingError) && message !== GENERIC_USER_MESSAGE) {
      return `an undeliberate error reached Cognito: "${message.slice(0, 200)}"`;
    }
    if (refusedBySchema && target.kind === 'trigger') {
      if (message !== GENERIC_USER_MESSAGE)
        return `a malformed event got "${message}", not the generic message`;
      if (!output.includes('"message":"invalid event"'))
        return 'a malformed event was not logged as invalid, with its path';
    }
    return undefined;
  }
  if (refusedBySchema && target.kind === 'trigger') return 'an event its schema refuses was answered';
  const broken = check(answer, event);
  if (broken) return `the answer breaks the contract: ${broken}`;
  if (target.kind === 'http') {
    const { body, headers } = answer as { body?: unknown; headers?: Record<string, unknown> };
    // The console's page is a constant built with the bundle (its script names functions and files).
    const page = String(headers?.['content-type'] ?? '').startsWith('text/html');
    if (!page && BODY_INTERNALS.test(String(body ?? '')))
      return `the body shows internals: ${String(body).slice(0, 200)}`;
  }
  return undefined;
}

import { describe, expect, it } from 'vitest';
import { GENERIC_USER_MESSAGE, UserFacingError } from '../../shared/errors/index.js';
import { type Fault, type FaultProxy, faultLabel } from '../support/fault-proxy.js';
import { captureOutput } from '../support/logs.js';

/**
 * The fault matrix: every function that calls a dependency, under every fault of that dependency,
 * through its real handler (the entry in `functions/`) and the real local stand-ins behind a
 * fault-injecting proxy. One round is one fault: every function's case is prepared with no fault
 * (its own user, seeded directly), the fault is switched on, all cases run concurrently (each
 * timed), the fault is switched off, and each case checks that nothing was lost (the retry Cognito
 * or Lambda would make). `matrixTable()` prints the result for the issue note.
 */

/** What the answer of one invocation was, in the matrix's words. */
export type Outcome = string;

export interface Case {
  /** One invocation of the function's handler, with a fresh Lambda context (5-second budget). */
  invoke(): Promise<unknown>;
  /** Values that must never appear in the logs (passwords, codes, tokens). */
  secrets: string[];
  /**
   * After the fault: what Cognito's or Lambda's retry (or the user's next attempt) finds. Throws
   * when something was lost or done twice. By default: invoked again, it answers as when healthy.
   */
  recover?(first: Outcome): Promise<void>;
}

export interface Scenario {
  /** Function name (the file in `functions/`), with a variant when one function has several rows. */
  fn: string;
  /** The outcome with every dependency healthy. */
  healthy: Outcome;
  /** The outcome when this dependency fails (the documented policy). */
  whenDown: Outcome;
  /**
   * The outcome when the dependency may have done what it was asked while the answer never came
   * (a hang past the limits, a reset mid-call, a late answer), when it differs from `whenDown`.
   */
  whenUnknown?: Outcome;
  /**
   * Calls to the dependency made one after the other (pre sign-up's ListUsers, then
   * AdminLinkProviderForUser): a latency each attempt tolerates may still not fit them all in the
   * invocation's deadline, and either outcome is then the documented one.
   */
  sequentialCalls?: number;
  /**
   * Builds one case, seeding what it needs with no fault on; `id` is unique per round, `fault` the
   * round's (what the case may then find: a mail SES never saw when the proxy held or reset it).
   */
  prepare(id: string, fault: Fault): Promise<Case>;
  /** Names an outcome; by default `describeOutcome`. */
  describe?(result: unknown, error: unknown): Outcome;
}

/** One invocation's outcome and answer time. */
export interface Cell {
  outcome: Outcome;
  ms: number;
}

/**
 * The faults every dependency meets, in the matrix's column order: healthy, slow (100 ms, 2 s,
 * 10 s), a connection reset, and `failureStatus`, the error status that dependency answers with.
 */
export function commonFaults(failureStatus: Extract<Fault, { kind: 'status' }>['status']): Fault[] {
  return [
    { kind: 'none' },
    { kind: 'latency', ms: 100 },
    { kind: 'latency', ms: 2_000 },
    { kind: 'latency', ms: 10_000 },
    { kind: 'reset' },
    { kind: 'status', status: failureStatus },
  ];
}

/** Faults after which a function must answer as if healthy (slow but within its limits, or a partial batch it completes). */
export function isBenign(fault: Fault, dependencyLimitMs: number): boolean {
  return (fault.kind === 'latency' && fault.ms < dependencyLimitMs) || fault.kind === 'unprocessed';
}

/** Faults after which the caller cannot know whether the dependency acted: `Scenario.whenUnknown`. */
export function isOutcomeUnknown(fault: Fault, dependencyLimitMs: number): boolean {
  return (
    fault.kind === 'reset' ||
    fault.kind === 'slow-answer' ||
    (fault.kind === 'latency' && fault.ms >= dependencyLimitMs)
  );
}

/** The outcomes a scenario may answer under `fault` of a dependency with this attempt limit. */
export function expectedOutcomes(scenario: Scenario, fault: Fault, dependencyLimitMs: number): Outcome[] {
  if (fault.kind === 'none') return [scenario.healthy];
  if (isBenign(fault, dependencyLimitMs)) {
    const sequence = fault.kind === 'latency' ? fault.ms * (scenario.sequentialCalls ?? 1) : 0;
    return sequence >= SEQUENCE_BUDGET_MS ? [scenario.healthy, scenario.whenDown] : [scenario.healthy];
  }
  if (scenario.whenUnknown && isOutcomeUnknown(fault, dependencyLimitMs)) return [scenario.whenUnknown];
  return [scenario.whenDown];
}

/** A result or error in the matrix's words. */
export function describeOutcome(result: unknown, error: unknown): Outcome {
  if (error !== undefined) {
    if (error instanceof UserFacingError)
      return error.message === 'Unauthorized' ? '401' : `refused ${error.code}`;
    const message = (error as Error).message;
    if (message === GENERIC_USER_MESSAGE) return 'error';
    if (message === 'Authorizer failure') return '500';
    return `thrown: ${message}`;
  }
  const answer = result as { policyDocument?: { Statement: { Effect: string }[] }; statusCode?: number };
  if (answer?.policyDocument) return answer.policyDocument.Statement[0]!.Effect;
  if (typeof answer?.statusCode === 'number') return `HTTP ${answer.statusCode}`;
  return 'ok';
}

/** Answers that may reach a caller: the deliberate ones, never a message naming internals. */
const DELIBERATE = new Set([GENERIC_USER_MESSAGE, 'Unauthorized', 'Authorizer failure']);

/** The budget Cognito gives a synchronous trigger, and the bound every answer must beat. */
export const ANSWER_BOUND_MS = 5_000;

/**
 * What a 5-second invocation's deadline (`shared/aws/deadline.ts`: 500 ms margin) leaves for one
 * dependency's sequential calls, less 500 ms for the rest of the function on a busy machine.
 */
const SEQUENCE_BUDGET_MS = ANSWER_BOUND_MS - 1_000;

export interface RoundResult {
  cells: Map<string, Cell>;
  problems: string[];
}

/**
 * Runs one round: `fault` on `proxy`, every scenario concurrently. Returns each function's cell
 * and every broken promise (slow answer, undocumented outcome, secret in the logs, internal
 * message, something lost), so the test can assert them all at once.
 */
export async function runRound(
  proxy: FaultProxy,
  fault: Fault,
  scenarios: Scenario[],
  expected: (scenario: Scenario) => Outcome[],
): Promise<RoundResult> {
  const id = `${fault.kind}${'ms' in fault ? fault.ms : ''}${'status' in fault ? fault.status : ''}-${Math.random().toString(36).slice(2, 8)}`;
  const cases = await Promise.all(scenarios.map((scenario, n) => scenario.prepare(`${id}-${n}`, fault)));
  proxy.set(fault);
  const { result: answers = [], output } = await captureOutput(() =>
    Promise.all(
      cases.map(async (c, n) => {
        const started = performance.now();
        let result: unknown;
        let error: unknown;
        try {
          result = await c.invoke();
        } catch (caught) {
          error = caught;
        }
        const ms = performance.now() - started;
        const scenario = scenarios[n]!;
        return { ms, error, outcome: (scenario.describe ?? describeOutcome)(result, error) };
      }),
    ),
  );
  proxy.set({ kind: 'none' });
  const problems: string[] = [];
  const cells = new Map<string, Cell>();
  for (const [n, answer] of answers.entries()) {
    const scenario = scenarios[n]!;
    const where = `${scenario.fn} × ${faultLabel(fault)}`;
    cells.set(scenario.fn, { outcome: answer.outcome, ms: answer.ms });
    if (answer.ms >= ANSWER_BOUND_MS) problems.push(`${where}: answered after ${Math.round(answer.ms)} ms`);
    const allowed = expected(scenario);
    if (!allowed.includes(answer.outcome)) {
      problems.push(`${where}: ${answer.outcome}, expected ${allowed.join(' or ')}`);
    }
    const message = (answer.error as Error | undefined)?.message;
    if (message !== undefined && !DELIBERATE.has(message) && !(answer.error instanceof UserFacingError)) {
      problems.push(`${where}: the caller got an internal message: ${message}`);
    }
  }
  for (const [n, c] of cases.entries()) {
    for (const secret of c.secrets) {
      if (output.includes(secret))
        problems.push(`${scenarios[n]!.fn} × ${faultLabel(fault)}: a secret reached the logs`);
    }
  }
  const recovered = await captureOutput(() =>
    Promise.all(
      cases.map(async (c, n) => {
        const scenario = scenarios[n]!;
        try {
          if (c.recover) await c.recover(answers[n]!.outcome);
          else await retryAnswersHealthy(c, scenario);
        } catch (error) {
          problems.push(
            `${scenario.fn} × ${faultLabel(fault)}, after the fault: ${(error as Error).message}`,
          );
        }
      }),
    ),
  );
  if (process.env.FAULT_MATRIX_DEBUG) console.log(recovered.output);
  for (const [n, c] of cases.entries()) {
    for (const secret of c.secrets) {
      if (recovered.output.includes(secret))
        problems.push(`${scenarios[n]!.fn}: a secret reached the logs on the retry`);
    }
  }
  return { cells, problems };
}

/**
 * The retry a caller makes after a failure (the user signing in again, Cognito's or Lambda's
 * retry) answers as when healthy; a second one is allowed, since the SDK's retry quota, drained by
 * the outage, refills only with successes.
 */
async function retryAnswersHealthy(c: Case, scenario: Scenario): Promise<void> {
  let outcome: Outcome = '';
  for (let attempt = 0; attempt < 2 && outcome !== scenario.healthy; attempt++) {
    let error: unknown;
    let result: unknown;
    try {
      result = await c.invoke();
    } catch (caught) {
      error = caught;
    }
    outcome = (scenario.describe ?? describeOutcome)(result, error);
  }
  if (outcome !== scenario.healthy) throw new Error(`retried: ${outcome}, expected ${scenario.healthy}`);
}

/** Results of a whole matrix: dependency → fault label → function → cell. */
export class Matrix {
  readonly results = new Map<string, Map<string, Map<string, Cell>>>();
  private readonly startedAt = performance.now();

  record(dependency: string, fault: Fault, cells: Map<string, Cell>) {
    if (!this.results.has(dependency)) this.results.set(dependency, new Map());
    this.results.get(dependency)!.set(faultLabel(fault), cells);
  }

  /** Markdown: per dependency, a row per function, a column per fault, `outcome (ms)` in each cell. */
  table(): string {
    const lines: string[] = [];
    for (const [dependency, byFault] of this.results) {
      const faults = [...byFault.keys()];
      const functions = [...new Set([...byFault.values()].flatMap((cells) => [...cells.keys()]))];
      lines.push(`**${dependency}**`, '');
      lines.push(`| function | ${faults.join(' | ')} | worst |`);
      lines.push(`| --- | ${faults.map(() => '---').join(' | ')} | --- |`);
      for (const fn of functions) {
        const cells = faults.map((fault) => byFault.get(fault)?.get(fn));
        const worst = Math.max(...cells.map((cell) => cell?.ms ?? 0));
        const shown = cells.map((cell) => (cell ? `${cell.outcome} (${Math.round(cell.ms)} ms)` : '-'));
        lines.push(`| ${fn} | ${shown.join(' | ')} | ${Math.round(worst)} ms |`);
      }
      lines.push('');
    }
    lines.push(`Matrix wall time: ${((performance.now() - this.startedAt) / 1000).toFixed(1)} s`);
    return lines.join('\n');
  }
}

/** One dependency of a matrix: its functions, how slow one attempt may be, and its own faults if any. */
export interface Dependency {
  name: string;
  attemptMs: number;
  scenarios: Scenario[];
  /** Instead of the matrix's faults. */
  faults?: Fault[];
}

/**
 * The matrix of `dependencies` × faults as tests: one round each, through the dependency's proxy
 * (looked up when the round runs: the proxies start in `beforeAll`), recorded in `matrix` and
 * asserted with every broken promise at once.
 */
export function describeFaultMatrix(
  title: string,
  dependencies: Dependency[],
  faults: Fault[],
  proxies: Record<string, FaultProxy>,
  matrix: Matrix,
): void {
  const rounds = dependencies.flatMap((dependency) =>
    (dependency.faults ?? faults).map(
      (fault) => [`${dependency.name}: ${faultLabel(fault)}`, dependency, fault] as const,
    ),
  );
  describe(title, () => {
    it.each(rounds)(
      '%s: every function answers within 5 s with its documented outcome, logs no secret and loses nothing',
      async (_, dependency, fault) => {
        const { cells, problems } = await runRound(
          proxies[dependency.name]!,
          fault,
          dependency.scenarios,
          (s) => expectedOutcomes(s, fault, dependency.attemptMs),
        );
        matrix.record(dependency.name, fault, cells);
        expect(problems).toEqual([]);
      },
      30_000,
    );
  });
}

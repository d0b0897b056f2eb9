import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM module (Stryker loads plugins with Node), without types.
import { crashedFiles, strictRunner } from '../../scripts/mutation/strict-vitest-runner.mjs';

/**
 * `npm run mutation`'s guard (issue 19): Stryker's vitest runner ignores a test file that fails
 * outside its tests (an import that throws, a failing beforeAll). Here such a file kills the
 * mutant, and stops the dry run; a file with a failing test is left to Stryker as usual.
 */
const test = (state: 'pass' | 'fail') => ({ type: 'test', result: { state } });
const file = (name: string, state: 'pass' | 'fail', tasks: unknown[], message?: string) => ({
  filepath: name,
  result: { state, ...(message ? { errors: [{ message }] } : {}) },
  tasks,
});
const innerWith = (files: unknown[], dry: unknown, mutant: unknown) => ({
  ctx: { state: { getFiles: () => files } },
  capabilities: () => ({ reloadEnvironment: true }),
  init: async () => undefined,
  dispose: async () => undefined,
  dryRun: async () => dry,
  mutantRun: async () => mutant,
});

const crashed = file('/t/a.test.ts', 'fail', [], 'Cannot find module x');
const failing = file('/t/b.test.ts', 'fail', [{ type: 'suite', tasks: [test('pass'), test('fail')] }]);
const passing = file('/t/c.test.ts', 'pass', [test('pass')]);

describe('the strict vitest runner', () => {
  it('tells a crashed file from one with a failing test', () => {
    const runner = innerWith([crashed, failing, passing], undefined, undefined);
    expect(crashedFiles(runner)).toEqual(['/t/a.test.ts: Cannot find module x']);
    expect(crashedFiles(innerWith([], undefined, undefined))).toEqual([]);
  });

  it('a mutant that crashes a test file is killed, not survived', async () => {
    const survived = { status: 'survived', nrOfTests: 3 };
    const runner = strictRunner(innerWith([crashed, passing], undefined, survived));
    expect(await runner.mutantRun({})).toEqual({
      status: 'killed',
      killedBy: [],
      failureMessage: 'test file crashed: /t/a.test.ts: Cannot find module x',
      nrOfTests: 3,
    });
    expect(await strictRunner(innerWith([passing], undefined, survived)).mutantRun({})).toBe(survived);
    const killed = { status: 'killed', killedBy: ['x'], nrOfTests: 1 };
    expect(await strictRunner(innerWith([crashed], undefined, killed)).mutantRun({})).toBe(killed);
  });

  it('a dry run with a crashed file is an error, so no score is computed without its tests', async () => {
    const complete = { status: 'complete', tests: [] };
    expect(await strictRunner(innerWith([crashed], complete, undefined)).dryRun({})).toEqual({
      status: 'error',
      errorMessage: 'test files crashed:\n/t/a.test.ts: Cannot find module x',
    });
    expect(await strictRunner(innerWith([failing, passing], complete, undefined)).dryRun({})).toBe(complete);
  });
});

/**
 * Stryker's vitest runner, strict about test files that crash. The stock runner collects the
 * tests vitest ran and ignores a file that failed before any test ran (an import that throws, a
 * syntax error, a failing `beforeAll`): in the dry run its tests silently drop out of the group,
 * and a mutant that makes it crash counts as survived only because nothing failed. Here:
 * - dry run: a crashed file is an error, so `npm run mutation` stops instead of scoring without it;
 * - mutant run: a crashed file kills the mutant (the test run failed because of it).
 * Loaded by scripts/mutation/run.ts as a plugin (plain ESM: Stryker imports plugins with Node).
 */
import { declareFactoryPlugin, PluginKind } from '@stryker-mutator/api/plugin';
import { DryRunStatus, MutantRunStatus } from '@stryker-mutator/api/test-runner';
import * as vitestRunner from '@stryker-mutator/vitest-runner';

const [vitestPlugin] = vitestRunner.strykerPlugins;

/** Files of the last run that failed outside any test, with their first error message. */
export function crashedFiles(runner) {
  const files = runner.ctx?.state.getFiles() ?? [];
  return files
    .filter((file) => file.result?.state === 'fail' && !hasFailedTest(file))
    .map((file) => `${file.filepath}: ${file.result?.errors?.[0]?.message ?? 'failed outside its tests'}`);
}

function hasFailedTest(suite) {
  return (suite.tasks ?? []).some((task) =>
    task.type === 'suite' ? hasFailedTest(task) : task.type === 'test' && task.result?.state === 'fail',
  );
}

/** The runner `inner` (Stryker's vitest runner), with crashed test files made errors and kills. */
export function strictRunner(inner) {
  return {
    capabilities: () => inner.capabilities(),
    init: () => inner.init(),
    dispose: () => inner.dispose(),
    async dryRun(options) {
      const result = await inner.dryRun(options);
      const crashed = crashedFiles(inner);
      if (crashed.length === 0) return result;
      return { status: DryRunStatus.Error, errorMessage: `test files crashed:\n${crashed.join('\n')}` };
    },
    async mutantRun(options) {
      const result = await inner.mutantRun(options);
      const crashed = crashedFiles(inner);
      if (result.status !== MutantRunStatus.Survived || crashed.length === 0) return result;
      return {
        status: MutantRunStatus.Killed,
        killedBy: [],
        failureMessage: `test file crashed: ${crashed[0]}`,
        nrOfTests: result.nrOfTests,
      };
    },
  };
}

function createStrictVitestRunner(injector) {
  return strictRunner(vitestPlugin.factory(injector));
}
createStrictVitestRunner.inject = vitestPlugin.factory.inject;

export const strykerPlugins = [
  declareFactoryPlugin(PluginKind.TestRunner, 'vitest-strict', createStrictVitestRunner),
];
export const strykerValidationSchema = vitestRunner.strykerValidationSchema;

/**
 * `npm run mutation [-- <group> ...]`: StrykerJS over the security-critical modules, one group
 * at a time (scripts/mutation/groups.ts), each group with only its own tests. Prints one line
 * per group, `<group>: <score>%`, and exits 1 when any group is below 90%.
 *
 * The score is Stryker's (detected / valid mutants) with two deliberate differences:
 * - a mutant listed in `equivalent-mutants.json` (it cannot change behaviour, reason given) is
 *   left out; a listed one that no longer survives is reported as stale, and fails the run;
 * - a mutant whose run crashed (a runtime error) counts as detected, never as survived. A test
 *   file that crashes is a kill in a mutant run and stops the group in the dry run (see
 *   strict-vitest-runner.mjs): a crash never passes for a green test.
 * Before mutating, the group's test files must exist and every one of them must appear with its
 * tests in Stryker's report, so a file vitest skipped cannot shrink the group unnoticed.
 *
 * One mutant per core at a time (MUTATION_CONCURRENCY to change: 1 leaves a shared machine a
 * core), incremental mode (reports/mutation/<group>.incremental.json) so that a rerun only tests
 * the mutants whose code or tests changed; delete reports/mutation/ for a run from scratch.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { LogLevel } from '@stryker-mutator/api/core';
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult, MutationTestResult } from 'mutation-testing-report-schema';
import { type MutationGroup, mutationGroup, mutationGroups } from './groups.js';

const THRESHOLD = 90;
const root = resolve(import.meta.dirname, '../..');
const reportDir = join(root, 'reports', 'mutation');

interface EquivalentMutant {
  file: string;
  mutator: string;
  /** The source text the mutant replaces, exactly. */
  original: string;
  replacement: string;
  /** Where `original` alone is ambiguous: text the mutant's source line must contain. */
  line?: string;
  reason: string;
}

const equivalents: EquivalentMutant[] = JSON.parse(
  readFileSync(join(import.meta.dirname, 'equivalent-mutants.json'), 'utf8'),
);

export interface GroupScore {
  group: string;
  score: number;
  killed: number;
  survived: { where: string; mutator: string; original: string; replacement: string }[];
  equivalent: number;
  stale: EquivalentMutant[];
  crashed: number;
  total: number;
}

async function mutateGroup(group: MutationGroup): Promise<GroupScore> {
  for (const file of [...group.mutate, ...group.tests]) {
    if (!existsSync(join(root, file))) throw new Error(`mutation group ${group.name}: no file ${file}`);
  }
  const jsonReport = join(reportDir, `${group.name}.json`);
  await new Stryker({
    testRunner: 'vitest-strict',
    plugins: [join(import.meta.dirname, 'strict-vitest-runner.mjs')],
    vitest: { configFile: `scripts/mutation/vitest/${group.name}.config.ts`, related: false },
    mutate: group.mutate,
    coverageAnalysis: 'perTest',
    concurrency: Number(process.env.MUTATION_CONCURRENCY ?? availableParallelism()),
    incremental: true,
    incrementalFile: join(reportDir, `${group.name}.incremental.json`),
    reporters: ['json', 'progress-append-only'],
    jsonReporter: { fileName: jsonReport },
    tempDirName: `.stryker-tmp/${group.name}`,
    // Build output, local state and other groups' sandboxes are not sources: never copied.
    ignorePatterns: [
      '.stryker-tmp',
      '.serverless',
      '.serverless-test',
      '.esbuild',
      'dist',
      'coverage',
      '.gatehouse',
      'reports',
    ],
    cleanTempDir: 'always',
    timeoutMS: 20_000,
    dryRunTimeoutMinutes: 15,
    logLevel: 'warn' as LogLevel,
    fileLogLevel: 'off' as LogLevel,
    thresholds: { high: 95, low: THRESHOLD, break: null },
  }).runMutationTest();
  return scoreOf(group, JSON.parse(readFileSync(jsonReport, 'utf8')) as MutationTestResult);
}

/** The group's score from Stryker's JSON report, after the guard on its test files. */
export function scoreOf(group: MutationGroup, report: MutationTestResult): GroupScore {
  const reported = new Set(
    Object.entries(report.testFiles ?? {})
      .filter(([, file]) => file.tests.length > 0)
      .map(([name]) => relative(root, resolve(root, name))),
  );
  const missing = group.tests.filter((file) => !reported.has(file));
  if (missing.length) {
    throw new Error(`mutation group ${group.name}: no test of ${missing.join(', ')} ran in the dry run`);
  }
  const score: GroupScore = {
    group: group.name,
    score: 0,
    killed: 0,
    survived: [],
    equivalent: 0,
    stale: [],
    crashed: 0,
    total: 0,
  };
  const matched = new Set<EquivalentMutant>();
  for (const [name, file] of Object.entries(report.files)) {
    const path = relative(root, resolve(root, name));
    // An incremental report can still hold a file the group no longer mutates.
    if (!group.mutate.includes(path)) continue;
    const lines = file.source.split('\n');
    for (const mutant of file.mutants) {
      if (mutant.status === 'CompileError' || mutant.status === 'Ignored' || mutant.status === 'Pending') {
        continue;
      }
      score.total++;
      if (mutant.status === 'Killed' || mutant.status === 'Timeout') {
        score.killed++;
        continue;
      }
      if (mutant.status === 'RuntimeError') {
        score.crashed++;
        continue;
      }
      const original = sourceOf(lines, mutant);
      const listed = equivalents.find(
        (e) =>
          e.file === path &&
          e.mutator === mutant.mutatorName &&
          e.original === original &&
          e.replacement === (mutant.replacement ?? '') &&
          (e.line === undefined || (lines[mutant.location.start.line - 1] ?? '').includes(e.line)),
      );
      if (listed) {
        matched.add(listed);
        score.equivalent++;
        continue;
      }
      score.survived.push({
        where: `${path}:${mutant.location.start.line}:${mutant.location.start.column}`,
        mutator: mutant.mutatorName,
        original: original.length > 80 ? `${original.slice(0, 77)}...` : original,
        replacement: mutant.replacement ?? '',
      });
    }
  }
  score.stale = equivalents.filter((e) => group.mutate.includes(e.file) && !matched.has(e));
  const valid = score.total - score.equivalent;
  score.score = valid === 0 ? 100 : (100 * (score.killed + score.crashed)) / valid;
  return score;
}

/** The exact source text a mutant replaces (report positions start at line 1, column 1). */
function sourceOf(lines: string[], mutant: MutantResult): string {
  const { start, end } = mutant.location;
  if (start.line === end.line) return (lines[start.line - 1] ?? '').slice(start.column - 1, end.column - 1);
  return [
    (lines[start.line - 1] ?? '').slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    (lines[end.line - 1] ?? '').slice(0, end.column - 1),
  ].join('\n');
}

async function main(names: string[]): Promise<number> {
  const groups = names.length ? names.map(mutationGroup) : mutationGroups;
  const started = performance.now();
  const scores: GroupScore[] = [];
  for (const group of groups) {
    const groupStarted = performance.now();
    console.log(`\n== mutation group ${group.name}: ${group.mutate.join(', ')}`);
    const score = await mutateGroup(group);
    scores.push(score);
    console.log(
      `${group.name}: ${score.killed} killed, ${score.crashed} crashed, ${score.survived.length} survived, ` +
        `${score.equivalent} equivalent (of ${score.total}) in ${((performance.now() - groupStarted) / 1000).toFixed(0)} s`,
    );
    for (const s of score.survived)
      console.log(`  survived ${s.where} ${s.mutator}: ${s.original} -> ${s.replacement}`);
    for (const e of score.stale) {
      console.log(
        `  stale equivalent-mutants.json entry (no such survivor): ${e.file} ${e.mutator} ${e.original}`,
      );
    }
  }
  console.log(
    `\nmutation scores (threshold ${THRESHOLD}%, ${((performance.now() - started) / 1000).toFixed(0)} s):`,
  );
  for (const score of scores) console.log(`${score.group}: ${score.score.toFixed(2)}%`);
  const failing = scores.filter((score) => score.score < THRESHOLD || score.stale.length > 0);
  return failing.length ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`mutation: ${error.message}`);
      process.exit(2);
    },
  );
}

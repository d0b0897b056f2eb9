/**
 * Every function's bundle size, and the cold import time of each bundle in a fresh Node process
 * (median of several), against the baseline of importing an empty module the same way: the
 * difference is what the bundle adds to a Lambda cold start before the handler runs.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFunctions, distDir } from '../build.js';

const RUNS = 7;

function coldImportMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const samples = Array.from({ length: RUNS }, () =>
    Number(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, AWS_REGION: 'us-east-1', TABLE_NAME: 'gatehouse-bench' },
        timeout: 10_000,
      })
        .toString()
        .trim(),
    ),
  );
  samples.sort((a, b) => a - b);
  return samples[Math.floor(RUNS / 2)] ?? Number.NaN;
}

const bundles = await buildFunctions();
const empty = join(distDir, 'empty-baseline.mjs');
writeFileSync(empty, 'export const handler = async (event) => event;\n');
const baseline = coldImportMs(empty);

console.log(
  `${'function'.padEnd(24)} ${'bundle KB'.padStart(10)} ${'cold import ms'.padStart(15)} ${'vs empty'.padStart(9)}`,
);
console.log(
  `${'(empty module)'.padEnd(24)} ${'0.1'.padStart(10)} ${baseline.toFixed(1).padStart(15)} ${'1.0x'.padStart(9)}`,
);
for (const bundle of bundles) {
  const ms = coldImportMs(bundle.file);
  console.log(
    `${bundle.name.padEnd(24)} ${(bundle.bytes / 1024).toFixed(1).padStart(10)} ${ms.toFixed(1).padStart(15)} ${`${(ms / baseline).toFixed(1)}x`.padStart(9)}`,
  );
}

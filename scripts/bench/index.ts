/**
 * npm run bench [-- <name> ...]: runs every benchmark in this folder (or the named ones), each in
 * its own process so that one's warm caches and JIT state do not flatter another. Each
 * benchmark prints its figures and its ratios against a baseline measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benchmarks = readdirSync(folder)
  .filter((file) => file.endsWith('.ts') && file !== 'index.ts' && !file.endsWith('.d.ts'))
  .filter((file) => wanted.length === 0 || wanted.includes(basename(file, '.ts')));

if (benchmarks.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const file of benchmarks) {
  console.log(`\n=== ${basename(file, '.ts')} ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(folder, file)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

/**
 * npm run build: bundles every function in `functions/` with esbuild, with the options
 * serverless.yml gives serverless-esbuild (minified ESM for node22, SDK bundled and tree-shaken),
 * into `dist/<name>.mjs`, and prints each bundle's size. Used by the bundle benchmark too.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = join(repoRoot, 'dist');

export interface BuiltFunction {
  name: string;
  file: string;
  bytes: number;
}

/** Bundles every function entry; returns the bundles, largest first. */
export async function buildFunctions(): Promise<BuiltFunction[]> {
  const entries = readdirSync(join(repoRoot, 'functions')).filter((f) => f.endsWith('.ts'));
  await build({
    entryPoints: entries.map((f) => join(repoRoot, 'functions', f)),
    outdir: distDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    minify: true,
    sourcemap: false,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __gatehouseCreateRequire } from 'node:module'; const require = __gatehouseCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return entries
    .map((entry) => {
      const name = basename(entry, '.ts');
      const file = join(distDir, `${name}.mjs`);
      return { name, file, bytes: statSync(file).size };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const bundles = await buildFunctions();
  for (const b of bundles) console.log(`${b.name.padEnd(24)} ${(b.bytes / 1024).toFixed(1).padStart(8)} KB`);
  console.log(`\n${bundles.length} bundles in ${distDir}`);
}

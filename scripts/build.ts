/**
 * npm run build: bundles every function in `functions/` and `demo/` with esbuild, with the options
 * serverless.yml gives serverless-esbuild (minified ESM for node22, SDK bundled and tree-shaken,
 * one build per function, its lazy imports split into chunks named after it), into
 * `dist/<name>.mjs` (+ `dist/<name>.<chunk>-<hash>.mjs`), and prints each bundle's size. Used by
 * the bundle benchmarks too.
 */
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = join(repoRoot, 'dist');

const { functionChunksPlugin } = createRequire(import.meta.url)('./local/esbuild-plugins.cjs') as {
  functionChunksPlugin: Plugin;
};

export interface BuiltFunction {
  name: string;
  file: string;
  /** What a cold start reads: the bundle and the chunks it imports statically. */
  bytes: number;
  /** Chunks loaded only by `await import()` when a rare path runs (e.g. revocation's DynamoDB client). */
  lazyBytes: number;
  /** Every file of this function (bundle and chunks), as its zip holds them. */
  files: string[];
}

/** Where the entries of serverless.yml's functions are: the product's, then the demo's backends. */
export const ENTRY_FOLDERS = ['functions', 'demo'];

/** Bundles every function entry, each on its own as serverless-esbuild does; returns them largest first. */
export async function buildFunctions(): Promise<BuiltFunction[]> {
  rmSync(distDir, { recursive: true, force: true });
  const entries = ENTRY_FOLDERS.flatMap((folder) =>
    readdirSync(join(repoRoot, folder))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(repoRoot, folder, file)),
  );
  const built = await Promise.all(entries.map((entry) => buildEntry(entry)));
  return built.sort((a, b) => b.bytes - a.bytes);
}

/** Bundles one entry into `dist/` exactly as a function is bundled (the benchmarks' baselines use it too). */
export async function buildEntry(entry: string): Promise<BuiltFunction> {
  const { metafile } = await build({
    entryPoints: [entry],
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
    plugins: [functionChunksPlugin],
    metafile: true,
    logLevel: 'warning',
  });
  const name = basename(entry, '.ts');
  const file = join(distDir, `${name}.mjs`);
  const files = Object.keys(metafile.outputs).map((output) => resolve(repoRoot, output));
  const eager = staticClosure(metafile, relative(repoRoot, file));
  const size = (outputs: string[]) =>
    outputs.reduce((sum, output) => sum + metafile.outputs[output]!.bytes, 0);
  const all = Object.keys(metafile.outputs);
  return {
    name,
    file,
    bytes: size(eager),
    lazyBytes: size(all.filter((output) => !eager.includes(output))),
    files,
  };
}

/** The output and every chunk it reaches through static imports: what importing it reads. */
function staticClosure(metafile: Metafile, output: string): string[] {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (!imported.external && imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(output);
  return [...seen];
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const bundles = await buildFunctions();
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(8)} KB`;
  for (const b of bundles) {
    const lazy = b.lazyBytes > 0 ? ` (+${kb(b.lazyBytes).trim()} loaded lazily)` : '';
    console.log(`${b.name.padEnd(24)} ${kb(b.bytes)}${lazy}`);
  }
  console.log(`\n${bundles.length} bundles in ${distDir}`);
}

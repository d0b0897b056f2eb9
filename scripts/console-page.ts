/**
 * npm run console:page: compiles the operator console page (`web/console/`: HTML, CSS and a
 * TypeScript file bundled by esbuild for browsers) into `shared/console/page.generated.json`,
 * which the console function imports. A test fails when the generated file is stale.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pageDir = join(root, 'web', 'console');
export const generatedPageFile = join(root, 'shared', 'console', 'page.generated.json');

interface PageFile {
  contentType: string;
  body: string;
  etag: string;
}

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
const file = (contentType: string, body: string): PageFile => ({ contentType, body, etag: etagOf(body) });

/** The page's files as the function serves them: `index.html`, `console.css`, `console.js`, `favicon.svg`. */
export async function compileConsolePage(): Promise<{ files: Record<string, PageFile> }> {
  const script = await build({
    entryPoints: [join(pageDir, 'console.ts')],
    bundle: true,
    minify: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  const js = script.outputFiles[0]?.text ?? '';
  return {
    files: {
      'index.html': file('text/html; charset=utf-8', readFileSync(join(pageDir, 'index.html'), 'utf8')),
      'console.css': file('text/css; charset=utf-8', readFileSync(join(pageDir, 'console.css'), 'utf8')),
      'console.js': file('text/javascript; charset=utf-8', js),
      'favicon.svg': file('image/svg+xml', readFileSync(join(pageDir, 'favicon.svg'), 'utf8')),
    },
  };
}

/** Total bytes of the page's files (what a first load transfers, before compression). */
export function pageBytes(page: { files: Record<string, PageFile> }): number {
  return Object.values(page.files).reduce((sum, f) => sum + Buffer.byteLength(f.body), 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const page = await compileConsolePage();
  writeFileSync(generatedPageFile, `${JSON.stringify(page, null, 1)}\n`);
  for (const [name, f] of Object.entries(page.files)) {
    console.log(`${name.padEnd(12)} ${(Buffer.byteLength(f.body) / 1024).toFixed(1)} KB`);
  }
  console.log(`page total   ${(pageBytes(page) / 1024).toFixed(1)} KB (budget 100 KB)`);
}

/**
 * `npm run package`: runs `serverless package` with no AWS credentials and no network, then lists
 * every function zip with its size and fails if a zip carries a `node_modules/` folder (every
 * dependency must be bundled by esbuild).
 *
 * Extra arguments are passed to `serverless package`, e.g. `npm run package -- --stage prod`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Repository root (this file lives in `scripts/`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where `serverless package` writes its zips and templates. */
export const packageDir = join(repoRoot, '.serverless');

/** One function zip: its name, size and whether it holds a `node_modules/` entry. */
export interface ZipReport {
  file: string;
  bytes: number;
  entries: string[];
  nodeModulesEntries: string[];
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_ENTRY_SIGNATURE = 0x02014b50;

/**
 * Names of every entry in a zip, read from its central directory. Enough for the archives
 * Serverless writes (no zip64, no multi-disk), so no unzip tool or library is needed.
 */
export function zipEntryNames(zip: Buffer): string[] {
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_ENTRY_SIGNATURE) {
      throw new Error(`corrupt zip: bad central directory entry at byte ${offset}`);
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** Every zip in `.serverless/`, sorted by name. */
export function inspectZips(dir: string = packageDir): ZipReport[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.zip'))
    .sort()
    .map((file) => {
      const path = join(dir, file);
      const entries = zipEntryNames(readFileSync(path));
      return {
        file,
        bytes: statSync(path).size,
        entries,
        nodeModulesEntries: entries.filter((name) => /(^|\/)node_modules\//.test(name)),
      };
    });
}

/** Environment for an offline, credential-free `serverless package`. */
export function packageEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    // Packaging never calls AWS, but the SDK credential chain must not go looking (IMDS, SSO).
    AWS_ACCESS_KEY_ID: base.AWS_ACCESS_KEY_ID ?? 'AKIAPACKAGEONLY000000',
    AWS_SECRET_ACCESS_KEY: base.AWS_SECRET_ACCESS_KEY ?? 'package-only-not-a-secret',
    AWS_REGION: base.AWS_REGION ?? 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    FORCE_COLOR: '0',
  };
}

/**
 * A `--package <dir>` run bundles in `<dir>.esbuild` instead of the shared `.esbuild`: the deploy
 * tests package in parallel, and a shared folder let one run's zip pick up the other's chunks.
 */
function ownWorkFolder(args: string[]): NodeJS.ProcessEnv {
  const at = args.indexOf('--package');
  const dir = at >= 0 ? args[at + 1] : undefined;
  if (!dir) return {};
  return { GATEHOUSE_ESBUILD_WORK_FOLDER: relative(repoRoot, resolve(repoRoot, `${dir}.esbuild`)) };
}

/** Runs `serverless package`; returns its exit status, output and duration in milliseconds. */
export function runServerlessPackage(args: string[] = []): { status: number; output: string; ms: number } {
  const bin = join(repoRoot, 'node_modules', '.bin', 'serverless');
  if (!existsSync(bin)) throw new Error(`${bin} not found: run npm ci first`);
  const started = performance.now();
  const result = spawnSync(bin, ['package', ...args], {
    cwd: repoRoot,
    env: { ...packageEnv(), ...ownWorkFolder(args) },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}`, ms };
}

/**
 * `serverless package` with its progress lines passed through to stderr as they come (bundling
 * every function takes a while), and its whole output kept for an error report.
 */
function runServerlessPackageShowingProgress(
  args: string[],
): Promise<{ status: number; output: string; ms: number }> {
  const bin = join(repoRoot, 'node_modules', '.bin', 'serverless');
  if (!existsSync(bin)) throw new Error(`${bin} not found: run npm ci first`);
  const started = performance.now();
  const child = spawn(bin, ['package', ...args], {
    cwd: repoRoot,
    env: packageEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      output += chunk;
      for (const line of chunk.split('\n')) if (line.trim()) process.stderr.write(`  ${line.trim()}\n`);
    });
  }
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ status: code ?? 1, output, ms: performance.now() - started }));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  console.log(`serverless package ${args.join(' ')}`.trim());
  console.log('Bundling every function with esbuild and zipping each one (10-60 s)...');
  const run = await runServerlessPackageShowingProgress(args);
  if (run.status !== 0) {
    console.error(`\nserverless package failed (exit ${run.status}) after ${(run.ms / 1000).toFixed(1)} s`);
    return 1;
  }
  console.log(
    `packaged in ${(run.ms / 1000).toFixed(1)} s, into ${relative(process.cwd(), packageDir) || packageDir}/:\n`,
  );

  const zips = inspectZips();
  if (zips.length === 0) {
    console.error(`no zip found in ${packageDir}`);
    return 1;
  }
  const width = Math.max(...zips.map((zip) => zip.file.length));
  let total = 0;
  for (const zip of zips) {
    total += zip.bytes;
    const flag = zip.nodeModulesEntries.length > 0 ? '  <- contains node_modules/' : '';
    console.log(`  ${zip.file.padEnd(width)}  ${(zip.bytes / 1024).toFixed(1).padStart(8)} KB${flag}`);
  }
  console.log(
    `  ${'total'.padEnd(width)}  ${(total / 1024).toFixed(1).padStart(8)} KB  (${zips.length} zips)`,
  );

  console.log(
    `\nCloudFormation template: ${relative(process.cwd(), join(packageDir, 'cloudformation-template-update-stack.json'))}`,
  );

  const offenders = zips.filter((zip) => zip.nodeModulesEntries.length > 0);
  if (offenders.length > 0) {
    for (const zip of offenders) {
      console.error(`\n${zip.file} contains node_modules/ (an external dependency was not bundled):`);
      for (const name of zip.nodeModulesEntries.slice(0, 5)) console.error(`  ${name}`);
      if (zip.nodeModulesEntries.length > 5) console.error(`  ... ${zip.nodeModulesEntries.length - 5} more`);
    }
    return 1;
  }
  return 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`package failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}

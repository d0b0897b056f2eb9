/**
 * Packaged stacks for the deploy tests: `serverless package` run once per set of parameters into a
 * folder of its own (reused while newer than every input and packaged with the same parameters),
 * and the template as CloudFormation would create it: conditions evaluated, resources whose
 * condition is false dropped, `Fn::If` and `AWS::NoValue` resolved.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { inspectZips, repoRoot, runServerlessPackage, type ZipReport } from '../../scripts/package';

export interface Resource {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  DependsOn?: unknown;
  Properties: Record<string, unknown>;
}

export interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, { Condition?: string; Description?: string; Value: unknown }>;
}

export interface PackagedStack {
  /** The template as packaged (conditions unevaluated). */
  raw: Template;
  /** The template CloudFormation would create with these parameters. */
  template: Template;
  zips: ZipReport[];
  dir: string;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestMtime(join(path, entry))),
    stat.mtimeMs,
  );
}

const INPUTS = [
  'serverless.yml',
  'package-lock.json',
  'functions',
  'demo',
  'shared',
  'config',
  'scripts/deploy',
];

/** Packages the service with these `--param`s into `.serverless-test/<name>` (or reuses it). */
export function packageStack(name: string, params: Record<string, string>): PackagedStack {
  const dir = join(repoRoot, '.serverless-test', name);
  const templatePath = join(dir, 'cloudformation-template-update-stack.json');
  const paramsPath = join(dir, 'params.json');
  const args = Object.entries(params).map(([key, value]) => `--param=${key}=${value}`);
  const fresh =
    existsSync(templatePath) &&
    existsSync(paramsPath) &&
    readFileSync(paramsPath, 'utf8') === JSON.stringify(params) &&
    statSync(templatePath).mtimeMs > Math.max(...INPUTS.map((p) => newestMtime(join(repoRoot, p))));
  if (!fresh) {
    const run = runServerlessPackage([...args, '--package', dir]);
    if (run.status !== 0) throw new Error(`serverless package ${args.join(' ')} failed:\n${run.output}`);
    writeFileSync(paramsPath, JSON.stringify(params));
  }
  const raw = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
  return { raw, template: evaluate(raw), zips: inspectZips(dir), dir };
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Evaluates a condition expression whose operands are literals (packaging resolved every parameter). */
function conditionValue(expression: unknown, conditions: Record<string, unknown>): boolean {
  const node = expression as Record<string, unknown>;
  if ('Condition' in node) return conditionValue(conditions[node.Condition as string], conditions);
  if ('Fn::Equals' in node) {
    const [a, b] = node['Fn::Equals'] as unknown[];
    return JSON.stringify(a) === JSON.stringify(b);
  }
  if ('Fn::Not' in node) return !conditionValue((node['Fn::Not'] as unknown[])[0], conditions);
  if ('Fn::And' in node) return (node['Fn::And'] as unknown[]).every((c) => conditionValue(c, conditions));
  if ('Fn::Or' in node) return (node['Fn::Or'] as unknown[]).some((c) => conditionValue(c, conditions));
  throw new Error(`cannot evaluate condition ${JSON.stringify(expression)}`);
}

function resolveIfs(node: unknown, truth: Record<string, boolean>): unknown {
  if (Array.isArray(node)) {
    return node.map((item) => resolveIfs(item, truth)).filter((item) => item !== NO_VALUE);
  }
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if ('Fn::If' in record) {
    const [name, whenTrue, whenFalse] = record['Fn::If'] as [string, unknown, unknown];
    return resolveIfs(truth[name] ? whenTrue : whenFalse, truth);
  }
  if (record.Ref === 'AWS::NoValue') return NO_VALUE;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const resolved = resolveIfs(value, truth);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** The template with its conditions applied. */
export function evaluate(raw: Template): Template {
  const conditions = raw.Conditions ?? {};
  const truth = Object.fromEntries(
    Object.keys(conditions).map((name) => [name, conditionValue(conditions[name], conditions)]),
  );
  const keep = (item: { Condition?: string }) =>
    item.Condition === undefined || truth[item.Condition] === true;
  const resources = Object.fromEntries(
    Object.entries(raw.Resources)
      .filter(([, r]) => keep(r))
      .map(([id, r]) => [id, resolveIfs(r, truth) as Resource]),
  );
  const outputs = Object.fromEntries(
    Object.entries(raw.Outputs ?? {})
      .filter(([, o]) => keep(o))
      .map(([id, o]) => [id, resolveIfs(o, truth) as NonNullable<Template['Outputs']>[string]]),
  );
  return { Resources: resources, Outputs: outputs, Conditions: conditions };
}

/** Every policy statement anywhere under `node` (roles, policies, key policies). */
export function statements(node: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) {
    for (const item of node) statements(item, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.Statement)) {
      for (const statement of record.Statement) found.push(statement as Record<string, unknown>);
    }
    for (const value of Object.values(record)) statements(value, found);
  }
  return found;
}

/** Every reference to a logical id (`Ref`, `Fn::GetAtt`) anywhere under `node`. */
export function referencedIds(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) referencedIds(item, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.Ref === 'string') found.add(record.Ref);
    if (Array.isArray(record['Fn::GetAtt'])) found.add(String(record['Fn::GetAtt'][0]));
    for (const value of Object.values(record)) referencedIds(value, found);
  }
  return found;
}

/**
 * Writes every file of a zip under `dir`, as Lambda unpacks a function's zip into /var/task. Reads
 * the central directory, then each local header; handles the two methods Serverless writes
 * (stored, deflated), no zip64.
 */
export function extractZip(zipPath: string, dir: string): string[] {
  const zip = readFileSync(zipPath);
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${zipPath}: not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let entry = zip.readUInt32LE(eocd + 16);
  const written: string[] = [];
  for (let n = 0; n < count; n++) {
    const method = zip.readUInt16LE(entry + 10);
    const compressedSize = zip.readUInt32LE(entry + 20);
    const nameLength = zip.readUInt16LE(entry + 28);
    const extraLength = zip.readUInt16LE(entry + 30);
    const commentLength = zip.readUInt16LE(entry + 32);
    const localHeader = zip.readUInt32LE(entry + 42);
    const name = zip.toString('utf8', entry + 46, entry + 46 + nameLength);
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (!name.endsWith('/')) {
      if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`);
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, method === 8 ? inflateRawSync(data) : data);
      written.push(name);
    }
    entry += 46 + nameLength + extraLength + commentLength;
  }
  return written;
}

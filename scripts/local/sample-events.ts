import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Sample events (the JSON files in `events/`) and builders that make a valid event of any
 * triggerSource with overrides. For tests, the invoke CLI and the demo; never bundled into a
 * function.
 */
export const eventsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../events');

export interface SampleEventFile {
  /** The function that receives it, e.g. `pre-sign-up` (the folder name). */
  functionName: string;
  /** The file's stem, e.g. `PreSignUp_SignUp` or `TokenGeneration_Authentication.V3_0`. */
  name: string;
  path: string;
}

/** Every sample event, sorted by function then name. */
export function listSampleEvents(): SampleEventFile[] {
  return readdirSync(eventsFolder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(eventsFolder, dir.name))
        .filter((file) => file.endsWith('.json'))
        .map((file) => ({
          functionName: dir.name,
          name: basename(file, '.json'),
          path: join(eventsFolder, dir.name, file),
        })),
    )
    .sort((a, b) => `${a.functionName}/${a.name}`.localeCompare(`${b.functionName}/${b.name}`));
}

/**
 * Finds a sample event by its file stem (`TokenGeneration_Authentication.V3_0`) or by its
 * triggerSource (`TokenGeneration_Authentication`: the first version on file).
 */
export function findSampleEvent(name: string, functionName?: string): SampleEventFile | undefined {
  const candidates = listSampleEvents().filter((f) => !functionName || f.functionName === functionName);
  return candidates.find((f) => f.name === name) ?? candidates.find((f) => f.name.startsWith(`${name}.`));
}

/** A fresh copy of a sample event with `overrides` deep-merged into it. */
export function buildEvent<E = Record<string, unknown>>(name: string, overrides?: DeepPartial<E>): E {
  const file = findSampleEvent(name);
  if (!file) throw new Error(`No sample event named "${name}" in ${eventsFolder}`);
  const event = JSON.parse(readFileSync(file.path, 'utf8')) as E;
  return deepMerge(event, overrides ?? {}) as E;
}

export type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Merges objects key by key; arrays and scalars in `patch` replace; `undefined` deletes. */
export function deepMerge(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(target) || !isPlainObject(patch)) return structuredClone(patch);
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete merged[key];
    else merged[key] = key in target ? deepMerge(target[key], value) : structuredClone(value);
  }
  return merged;
}

/**
 * Sets `value` at a dotted path of an event (`request.userAttributes.locale`). Every step but the
 * last must exist; the last must exist too, unless it is added to a map of strings (user
 * attributes, client metadata, headers), where new keys are what one adds. A path that is not in
 * the event is refused, naming the step and what is there instead (a typo never adds a field).
 * Where a string stands (user attributes are all strings) the value stays a string; elsewhere it
 * is taken as JSON when it parses (`true`, `3`, `["a"]`), else as a string.
 */
export function setAtPath(root: Record<string, unknown>, path: string, raw: string): void {
  const parts = path.split('.');
  if (parts.some((part) => part === '')) throw new Error(`"${path}" is not a dotted path`);
  const last = parts.pop()!;
  let node: Record<string, unknown> = root;
  for (const [index, part] of parts.entries()) {
    const next = node[part];
    if (next === null || typeof next !== 'object') {
      const where = parts.slice(0, index + 1).join('.');
      throw new Error(
        part in node ? `${where} is ${describeValue(next)}, not an object` : missingStep(node, where),
      );
    }
    node = next as Record<string, unknown>;
  }
  if (!(last in node) && !isStringMap(node)) throw new Error(missingStep(node, path));
  node[last] = typeof node[last] === 'string' || isStringMap(node) ? raw : parseLooseJson(raw);
}

function missingStep(node: Record<string, unknown>, where: string): string {
  const keys = Object.keys(node);
  return `the event has no ${where}${keys.length ? ` (there: ${keys.join(', ')})` : ''}`;
}

function isStringMap(node: Record<string, unknown>): boolean {
  return !Array.isArray(node) && Object.values(node).every((value) => typeof value === 'string');
}

function describeValue(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function parseLooseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

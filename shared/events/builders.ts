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
 * Sets `value` at a dotted path, creating objects on the way (`request.userAttributes.locale`).
 * Where a string stands (user attributes are all strings) the value stays a string; elsewhere it
 * is taken as JSON when it parses (`true`, `3`, `["a"]`), else as a string.
 */
export function setAtPath(root: Record<string, unknown>, path: string, raw: string): void {
  const parts = path.split('.');
  const last = parts.pop();
  if (!last || parts.some((p) => p === '')) throw new Error(`Bad path "${path}"`);
  let node = root;
  for (const part of parts) {
    const next = node[part];
    if (!isPlainObject(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[last] =
    typeof node[last] === 'string' || parts.at(-1) === 'userAttributes' ? raw : parseLooseJson(raw);
}

function parseLooseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

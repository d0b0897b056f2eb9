import * as v from 'valibot';
import bundledFile from '../../config/gatehouse.json';
import { ConfigError, describeType } from '../errors/index.js';

/**
 * One configuration mechanism for every function. A setting comes from, in order:
 * 1. its environment variable (`env`), for scalars set per stage in serverless.yml;
 * 2. the same name under `env` in the bundled file `config/gatehouse.json`, so that any setting
 *    can be set per stage without touching serverless.yml;
 * 3. its path in the bundled file (`file`), for lists and maps too large for Lambda's 4 KB
 *    environment;
 * 4. its default.
 * The bundled file is `config/gatehouse.json` with `config/stages/<stage>.json` merged over it at
 * build time (scripts/local/esbuild-plugins.cjs); it is compiled into each bundle, never read from
 * disk.
 * The value is validated by its schema; a malformed one fails at cold start naming the setting.
 */
export interface SettingSpec<T> {
  /** Environment variable holding the value; JSON for non-string values. */
  env?: string;
  /** Dotted path in `config/gatehouse.json`. */
  file?: string;
  schema: v.GenericSchema<unknown, T>;
  default: T;
  /** One line for the README's settings table. */
  doc: string;
}

export type SettingSpecs = Record<string, SettingSpec<unknown>>;
export type Settings<S extends SettingSpecs> = { readonly [K in keyof S]: S[K]['default'] };

export interface ConfigSources {
  env: Record<string, string | undefined>;
  file: unknown;
}

/**
 * Declares a setting. Its type is the schema's output alone (the default is only checked against
 * it), so a picklist's default needs no cast restating the picklist.
 */
export function setting<S extends v.GenericSchema>(
  spec: Omit<SettingSpec<v.InferOutput<S>>, 'schema' | 'default'> & {
    schema: S;
    default: NoInfer<v.InferOutput<S>>;
  },
): SettingSpec<v.InferOutput<S>> {
  return spec;
}

/**
 * The loader a feature exports for its group of settings: read, validated (and checked by `check`,
 * for rules across settings) and frozen on the first call, the same object on every later call of
 * the container. Functions call it at module scope, so that a bad setting fails the cold start.
 */
export function settingsGroup<S extends SettingSpecs>(specs: S): () => Settings<S>;
export function settingsGroup<S extends SettingSpecs, R>(
  specs: S,
  check: (settings: Settings<S>) => R,
): () => R;
export function settingsGroup<S extends SettingSpecs>(
  specs: S,
  check: (settings: Settings<S>) => unknown = (settings) => settings,
): () => unknown {
  let loaded: { value: unknown } | undefined;
  return () => {
    loaded ??= { value: check(loadSettings(specs)) };
    return loaded.value;
  };
}

/** Reads, validates and freezes a group of settings. Call once at module scope (cold start). */
export function loadSettings<S extends SettingSpecs>(
  specs: S,
  sources: ConfigSources = { env: process.env, file: bundledFile },
): Settings<S> {
  const result: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    result[key] = readSetting(key, spec, sources);
  }
  return Object.freeze(result) as Settings<S>;
}

function readSetting<T>(key: string, spec: SettingSpec<T>, sources: ConfigSources): T {
  const fromEnv = spec.env ? sources.env[spec.env] : undefined;
  if (fromEnv !== undefined && fromEnv !== '') return parseEnvValue(spec, fromEnv);
  const fromFileEnv = spec.env ? valueAtPath(sources.file, `env.${spec.env}`) : undefined;
  if (fromFileEnv !== undefined) {
    return validate(`env.${spec.env} (config/gatehouse.json)`, spec.schema, fromFileEnv);
  }
  const fromFile = spec.file ? valueAtPath(sources.file, spec.file) : undefined;
  if (fromFile !== undefined) {
    return validate(`${spec.file} (config/gatehouse.json)`, spec.schema, fromFile);
  }
  // A default is a constant, and test/config/settings.test.ts checks that each one is valid and
  // parses to itself: a scalar is taken as it is rather than parsed again at every cold start
  // (most settings are left at their defaults). Lists and maps still go through their schema,
  // which hands back a copy, never the spec's own object.
  if (spec.default === undefined || typeof spec.default !== 'object') return spec.default;
  return validate(key, spec.schema, spec.default);
}

/** Strings are taken as they are when the schema accepts them; anything else is JSON. */
function parseEnvValue<T>(spec: SettingSpec<T>, raw: string): T {
  const name = `${spec.env} (environment)`;
  const asString = v.safeParse(spec.schema, raw);
  if (asString.success) return asString.output;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    const problem = asString.issues[0]?.message ?? 'invalid value';
    throw new ConfigError(name, `${problem} (and it is not valid JSON)`);
  }
  return validate(name, spec.schema, parsed);
}

function validate<T>(name: string, schema: v.GenericSchema<unknown, T>, value: unknown): T {
  const parsed = v.safeParse(schema, value);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.');
  const where = path ? `${name}.${path}` : name;
  throw new ConfigError(where, `${issue.message} (got ${describeType(issue.input)})`);
}

function valueAtPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

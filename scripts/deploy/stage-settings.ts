/**
 * Per-stage settings without code changes: `config/stages/<stage>.json` is merged over
 * `config/gatehouse.json` when a stage is bundled (scripts/local/esbuild-plugins.cjs), and checked
 * with the functions' own settings schemas before a package or deploy (parameter-check.cjs), so a
 * misspelt or malformed setting stops the deploy instead of a cold start.
 *
 * The file has the shape of config/gatehouse.json; any setting can also be given by its
 * environment variable's name under `env` (`{"env": {"RISK_MODE": "enforce"}}`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings } from '../../shared/config/settings.js';
import { settingCatalog } from '../setting-catalog.js';

/** Settings whose value is itself a secret. */
const SECRET_SETTING = /(SECRET|AUTHORIZATION)$/;

/** Objects merge key by key; anything else (lists included) in `overlay` replaces `base`. */
export function mergeConfig(base: unknown, overlay: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(base) || !isObject(overlay)) return overlay === undefined ? base : overlay;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) merged[key] = mergeConfig(base[key], value);
  return merged;
}

/** The stage's settings file, if the repository has one. */
export function stageFile(repoRoot: string, stage: string): string | undefined {
  const path = join(repoRoot, 'config', 'stages', `${stage}.json`);
  return existsSync(path) ? path : undefined;
}

/** The configuration a stage's bundles carry: `base` (a file path) with the stage's file merged over it. */
export function stageConfig(
  repoRoot: string,
  stage: string,
  base = join(repoRoot, 'config', 'gatehouse.json'),
): unknown {
  const config = JSON.parse(readFileSync(base, 'utf8')) as unknown;
  const overlay = stageFile(repoRoot, stage);
  return overlay ? mergeConfig(config, JSON.parse(readFileSync(overlay, 'utf8'))) : config;
}

/** Every problem with a stage's configuration, one line each: unknown `env` names, invalid values. */
export function stageConfigProblems(repoRoot: string, stage: string): string[] {
  let config: unknown;
  try {
    config = stageConfig(repoRoot, stage);
  } catch (error) {
    return [`config/stages/${stage}.json: ${(error as Error).message}`];
  }
  const specs = Object.values(settingCatalog).flatMap((group) => Object.values(group));
  const knownEnv = new Set(specs.map((spec) => spec.env).filter(Boolean));
  const env = (config as { env?: Record<string, unknown> }).env ?? {};
  const problems = Object.keys(env)
    .filter((name) => !knownEnv.has(name))
    .map((name) => `env.${name}: not a Gatehouse setting (README "Configuration" lists them)`);
  // The file is compiled into every bundle: a secret there would be readable in each zip.
  for (const name of Object.keys(env).filter((n) => SECRET_SETTING.test(n) && knownEnv.has(n))) {
    problems.push(
      `env.${name}: a secret never goes into a bundle; keep it in Secrets Manager (README "Deploy", Secrets)`,
    );
  }
  for (const group of Object.values(settingCatalog)) {
    for (const [key, spec] of Object.entries(group)) {
      try {
        loadSettings({ [key]: spec }, { env: {}, file: config });
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
  }
  return problems;
}

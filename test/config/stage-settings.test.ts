/**
 * Every setting can be set per stage without code changes: `config/stages/<stage>.json` (by the
 * settings' own file paths, or any setting by its environment variable's name under `env`) is
 * merged into the bundles of that stage, and checked before a package or deploy.
 */

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeConfig, stageConfigProblems } from '../../scripts/deploy/stage-settings';
import { repoRoot } from '../../scripts/package';
import { settingCatalog } from '../../scripts/setting-catalog.js';
import { loadSettings } from '../../shared/config/settings.js';
import { riskSettingSpecs } from '../../shared/risk/settings.js';

const require = createRequire(import.meta.url);
const stage = `vitest-${process.pid}`;
const stagePath = join(repoRoot, 'config', 'stages', `${stage}.json`);
// A fresh clone has no config/stages/ (git keeps no empty folder).
mkdirSync(join(repoRoot, 'config', 'stages'), { recursive: true });

// config/stages/ holds only the stages an operator adds: a fresh clone has none, so the folder may be absent.
mkdirSync(dirname(stagePath), { recursive: true });
afterEach(() => rmSync(stagePath, { force: true }));

describe('per-stage settings', () => {
  it('every setting of the README table can come from the bundled file (by env name or file path)', () => {
    for (const [group, specs] of Object.entries(settingCatalog)) {
      for (const [key, spec] of Object.entries(specs)) {
        expect(spec.env ?? spec.file, `${group}.${key}`).toBeTruthy();
        // Some malformed value in the file is read, and refused naming where it came from.
        const refused = malformedCandidates(spec.default).some((bad) => {
          const file = spec.env ? { env: { [spec.env]: bad } } : pathObject(spec.file!, bad);
          try {
            loadSettings({ [key]: spec }, { env: {}, file });
            return false;
          } catch (error) {
            return /config\/gatehouse\.json/.test((error as Error).message);
          }
        });
        expect(refused, `${group}.${key}`).toBe(true);
      }
    }
  });

  it('the risk mode and every RISK_* setting, by name under env', () => {
    const file = { env: { RISK_MODE: 'enforce', RISK_HIGH_THRESHOLD: 90, RISK_NOTIFY_NEW_DEVICE: false } };
    const risk = loadSettings(riskSettingSpecs, { env: {}, file });
    expect(risk.mode).toBe('enforce');
    expect(Object.values(risk)).toContain(90);
    const riskEnv = Object.values(riskSettingSpecs)
      .map((s) => s.env)
      .filter(Boolean);
    expect(riskEnv).toContain('RISK_MODE');
    expect(riskEnv.every((name) => name!.startsWith('RISK_'))).toBe(true);
  });

  it('the real environment still wins over the file', () => {
    const risk = loadSettings(riskSettingSpecs, {
      env: { RISK_MODE: 'audit' },
      file: { env: { RISK_MODE: 'enforce' } },
    });
    expect(risk.mode).toBe('audit');
  });

  it('lists and maps merge key by key; lists are replaced whole', () => {
    expect(mergeConfig({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] } })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
    });
  });

  it('refuses an unknown or malformed setting before a package or deploy, one line each', () => {
    writeFileSync(
      stagePath,
      JSON.stringify({ env: { RISK_MODE: 'block-everyone', RISK_MOOD: 'x' }, mail: { productName: '' } }),
    );
    const problems = stageConfigProblems(repoRoot, stage);
    expect(problems).toContain('env.RISK_MOOD: not a Gatehouse setting (README "Configuration" lists them)');
    expect(problems.some((p) => p.includes('env.RISK_MODE (config/gatehouse.json)'))).toBe(true);
    expect(problems.some((p) => p.includes('mail.productName (config/gatehouse.json)'))).toBe(true);
    expect(problems).toHaveLength(3);
  });

  it('refuses a secret in the stage file (attack: a secret compiled into every zip)', () => {
    writeFileSync(stagePath, JSON.stringify({ env: { GATEHOUSE_MAGIC_LINK_SECRET: 'x'.repeat(40) } }));
    expect(stageConfigProblems(repoRoot, stage)).toEqual([
      'env.GATEHOUSE_MAGIC_LINK_SECRET: a secret never goes into a bundle; keep it in Secrets Manager (README "Deploy", Secrets)',
    ]);
  });

  it("bundles a stage's file merged over config/gatehouse.json, and only into that stage", async () => {
    writeFileSync(
      stagePath,
      JSON.stringify({ env: { RISK_MODE: 'enforce' }, mail: { productName: 'Acme' } }),
    );
    const factory = require('../../scripts/local/esbuild-plugins.cjs') as (sls: unknown) => unknown[];
    const bundled = async (name: string) => {
      const serverless = { getProvider: () => ({ getStage: () => name }) };
      const result = await build({
        stdin: {
          contents: "import c from './config/gatehouse.json'; console.log(JSON.stringify(c));",
          resolveDir: repoRoot,
        },
        bundle: true,
        write: false,
        format: 'esm',
        plugins: factory(serverless) as never,
        logLevel: 'silent',
      });
      return result.outputFiles[0]!.text;
    };
    const withStage = await bundled(stage);
    expect(withStage).toContain('"enforce"');
    expect(withStage).toContain('"Acme"');
    expect(withStage).toContain('authorizer'); // the base file's content stays
    expect(await bundled('another-stage')).not.toContain('"Acme"');
  });
});

/** Values at least one of which no setting's schema accepts. */
function malformedCandidates(defaultValue: unknown): unknown[] {
  const keys = defaultValue !== null && typeof defaultValue === 'object' ? Object.keys(defaultValue) : [];
  return [
    [[[]]],
    'not a valid value',
    -123456789,
    { x: [[[]]] },
    Object.fromEntries(keys.map((k) => [k, [[[]]]])),
  ];
}

function pathObject(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

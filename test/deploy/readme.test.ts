/**
 * The README's "Deploy" section is checked against what it documents: its parameter table against
 * serverless.yml's parameters (names and defaults), its sample error against the real check, its
 * sample stage settings against the functions' own validation, its commands against package.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parameterProblems, resolveParameters } from '../../scripts/deploy/parameters';
import { repoRoot } from '../../scripts/package';
import { parseRevokeArgs } from '../../scripts/revoke';
import { settingCatalog } from '../../shared/config/catalog.js';
import { loadSettings } from '../../shared/config/settings.js';
import { METRIC } from '../../shared/observability/metrics.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const deploy = readme.slice(
  readme.indexOf('\n## Deploy\n'),
  readme.indexOf('\n## ', readme.indexOf('\n## Deploy\n') + 5),
);
const serverless = parse(readFileSync(join(repoRoot, 'serverless.yml'), 'utf8')) as {
  params: Record<string, Record<string, unknown>>;
  provider: { environment: Record<string, string> };
  resources: { Resources: Record<string, { Type: string }> };
};
const operate = deploy.slice(
  deploy.indexOf('\n### Operate\n'),
  deploy.indexOf('\n### ', deploy.indexOf('\n### Operate\n') + 5),
);
const defaults = serverless.params.default!;

/** The rows of the "Parameters" table: name -> default cell. */
function parameterRows(): Map<string, string> {
  const table = deploy.slice(deploy.indexOf('| Parameter'));
  const rows = new Map<string, string>();
  for (const line of table.split('\n')) {
    if (!line.startsWith('|')) break;
    const [name, defaultCell] = line
      .split('|')
      .slice(1, 3)
      .map((cell) => cell.trim());
    const match = name?.match(/^`(\w+)`$/);
    if (match) rows.set(match[1]!, defaultCell!);
  }
  return rows;
}

describe('README "Deploy"', () => {
  it('lists every parameter of serverless.yml, and nothing else', () => {
    expect([...parameterRows().keys()].sort()).toEqual(Object.keys(defaults).sort());
  });

  it.each(Object.entries(defaults))('gives %s its default', (name, value) => {
    const cell = parameterRows().get(name);
    expect(cell).toBe(value === '' ? 'empty' : `\`${String(value)}\``);
  });

  it('shows the error the parameter check really prints', () => {
    const sample = deploy.slice(deploy.indexOf('Deploy parameters for stage'));
    const lines = sample
      .split('\n')
      .filter((line) => line.startsWith('  - '))
      .map((line) => line.slice(4));
    const params = {
      ...resolveParameters(serverless.params, 'prod'),
      userPoolId: 'eu-west-1_AbC123',
      threatProtection: 'enforced',
    };
    expect(lines.length).toBeGreaterThan(0);
    expect(parameterProblems(params, Object.keys(defaults), 'package')).toEqual(lines);
  });

  it('shows a stage settings file the functions accept, with the values it claims', () => {
    const json = deploy.match(/```json\n([\s\S]*?)\n```/)?.[1];
    const file = JSON.parse(json!) as { env: Record<string, unknown> };
    for (const specs of Object.values(settingCatalog)) loadSettings(specs, { env: {}, file });
    const risk = loadSettings(settingCatalog.risk!, { env: {}, file });
    expect(risk.mode).toBe(file.env.RISK_MODE);
  });

  it('names only npm scripts that exist', () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: object }).scripts,
    );
    const named = [...deploy.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(scripts).toContain(name);
  });

  it('"Operate" names every metric the functions emit, in the namespace serverless.yml gives them', () => {
    const rows = operate.slice(operate.indexOf('| Metric')).split('\n\n')[0]!;
    for (const name of Object.values(METRIC)) expect(rows, name).toContain(`\`${name}\``);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: serverless.yml's own variable syntax
    expect(serverless.provider.environment.POWERTOOLS_METRICS_NAMESPACE).toBe('Gatehouse/${sls:stage}');
    expect(operate).toContain('`Gatehouse/<stage>`');
    expect(operate).toContain(`\`${serverless.provider.environment.POWERTOOLS_SERVICE_NAME}\``);
  });

  it('"Operate" names every alarm serverless.yml declares and each kind the plugin adds per function', () => {
    const alarms = Object.entries(serverless.resources.Resources)
      .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([id]) => id);
    expect(alarms.length).toBeGreaterThan(0);
    for (const id of alarms) expect(operate, id).toContain(`\`${id}\``);
    for (const kind of ['ErrorsAlarm', 'ThrottlesAlarm', 'DurationAlarm']) {
      expect(operate).toContain(`\`<Function>${kind}\``);
    }
    for (const part of [
      '**Dashboard.**',
      '**On-failure queue.**',
      'SenderFailureQueue',
      '**HTTP API access logs.**',
    ]) {
      expect(operate).toContain(part);
    }
  });

  it('"Operate" shows revoke command lines the script accepts, for a token, a user and a dry run', () => {
    const lines = [...operate.matchAll(/^npm run revoke -- (.+?)(?:\s+#.*)?$/gm)].map((m) =>
      m[1]!.split(/\s+/),
    );
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const commands = lines.map((args) => parseRevokeArgs(args));
    expect(commands.map((c) => c.revocation.kind)).toEqual(expect.arrayContaining(['token', 'user']));
    expect(commands.some((c) => c.dryRun)).toBe(true);
  });

  it('"Operate" documents POST /sign-out and each answer the function gives', () => {
    const source = readFileSync(join(repoRoot, 'shared', 'sign-out', 'index.ts'), 'utf8');
    const codes = [...source.matchAll(/'(SIGN_OUT_[A-Z_]+)'/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes.filter((c) => c !== 'SIGN_OUT_UNAUTHENTICATED')) expect(operate).toContain(code);
    expect(operate).toContain('`POST /sign-out`');
    expect(operate).toContain('refreshTokensRevoked');
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, importsOf, projectRoot, sourceFiles } from '../support/import-graph.js';

/**
 * The shape of shared/ (DESIGN principle 14, docs/architecture.md): each feature folder owns one
 * concern and imports only the lower layers or another feature's documented contract files, and
 * no import cycle exists. A new edge between two features fails here until it goes through a
 * contract file (and the contract gets its reason below).
 */

/** The lower layers every feature may use. */
const LOWER_LAYERS = new Set([
  'aws',
  'config',
  'errors',
  'events',
  'jwt',
  'logging',
  'middleware',
  'observability',
  'storage',
  'users',
]);

/** The files a feature offers other features, and why another feature needs each. */
const CONTRACTS: Record<string, string> = {
  'shared/authorizer/revoke.ts': "the console's sign-out everywhere writes what the authorizer refuses",
  'shared/mail/send.ts': 'onboarding and sign-in notifications send templated mail',
  'shared/mail/recipient.ts': 'every message greets and localizes its recipient the same way',
  'shared/mail/branding.ts':
    'the custom senders and custom auth render the same branded templates as the custom message',
  'shared/mail/kinds.ts':
    'the custom senders and custom auth send the same message kinds as the custom message',
  'shared/mail/settings.ts': 'the custom senders and custom auth read the mail settings (branding, links)',
  'shared/mail/ses.ts':
    'the custom email sender and custom auth deliver through the one SES client, one attempt per send',
  'shared/migration/stores.ts': 'pre sign-up looks a name up in the legacy store before anyone can squat it',
  'shared/migration/settings.ts': 'pre sign-up reads which legacy store is configured',
  'shared/risk/contract.ts':
    "the risk engine's one public contract: the attempt, the decision, the engine to pass in, the signed context and what others read of the engine",
  'shared/sign-in/lockout.ts': 'migration, custom auth and the console count and clear the one lockout',
  'shared/sign-in/origin.ts': 'the verified origin of a sign-in (signed context or API Gateway)',
  'shared/sign-in/settings.ts': "the lockout's policy, read where the lockout is counted",
  'shared/sign-in/context.ts': 'custom auth assesses the sign-in attempt the sign-in triggers build',
  'shared/sign-in/history.ts': 'the console shows the sign-in history',
  'shared/sign-in/context-use.ts':
    "custom auth claims a signed context's nonce once per stage, as the sign-in triggers do",
};

const folderOf = (file: string) => file.split('/')[1]!;
const shared = sourceFiles('shared');

describe('the import graph of shared/', () => {
  it('has no import cycle', () => {
    expect(cycles(shared)).toEqual([]);
  });

  it('has no edge between two feature folders except into a documented contract file', () => {
    const sideways = shared.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('shared/') && folderOf(target) !== folderOf(file))
        .filter((target) => !LOWER_LAYERS.has(folderOf(target)) && !(target in CONTRACTS))
        .map((target) => `${file} -> ${target}`),
    );
    expect(sideways).toEqual([]);
  });

  it('keeps the lower layers below the features', () => {
    const upward = shared
      .filter((file) => LOWER_LAYERS.has(folderOf(file)))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => target.startsWith('shared/') && !LOWER_LAYERS.has(folderOf(target)))
          .map((target) => `${file} -> ${target}`),
      );
    expect(upward).toEqual([]);
  });

  it('reaches shared/risk only through its one contract file, from shared/ and functions/', () => {
    const inside = (file: string) => file.startsWith('shared/risk/');
    const intoRisk = [...shared, ...sourceFiles('functions')]
      .filter((file) => !inside(file))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => inside(target) && target !== 'shared/risk/contract.ts')
          .map((target) => `${file} -> ${target}`),
      );
    expect(intoRisk).toEqual([]);
  });

  it('lists only contracts that are used, so the list stays true', () => {
    const used = new Set(shared.flatMap((file) => importsOf(file)));
    expect(Object.keys(CONTRACTS).filter((contract) => !used.has(contract))).toEqual([]);
  });

  it('imports nothing of scripts/ or test/ from shared/, functions/ or demo/', () => {
    const outward = [...shared, ...sourceFiles('functions'), ...sourceFiles('demo')].flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('scripts/') || target.startsWith('test/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(outward).toEqual([]);
  });

  it('keeps the demo out of the product: shared/ and functions/ import nothing of demo/', () => {
    const product = [...shared, ...sourceFiles('functions')];
    const intoDemo = product.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('demo/'))
        .map((target) => `${file} -> ${target}`),
    );
    expect(sourceFiles('demo').length).toBeGreaterThan(0);
    expect(intoDemo).toEqual([]);
  });
});

describe('the README layout', () => {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('## Run a function locally'));
  /** The folders git tracks directly below `prefix` (build output and dependencies are not tracked). */
  const tracked = execFileSync('git', ['ls-files'], { cwd: projectRoot, encoding: 'utf8' }).split('\n');
  const folders = (prefix: string) => [
    ...new Set(
      tracked
        .filter((file) => file.startsWith(prefix) && file.slice(prefix.length).includes('/'))
        .map((file) => file.slice(prefix.length).split('/')[0]!)
        .filter((name) => !name.startsWith('.')),
    ),
  ];

  it('lists every top-level folder and every folder of shared/, one line each', () => {
    const listed = new Set([...layout.matchAll(/^\s*([\w-]+)\/\s/gm)].map((match) => match[1]));
    const missing = [...folders(''), ...folders('shared/')].filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });
});

describe('what the code cites', () => {
  it('lives in the repository: every Markdown page a source comment names exists', () => {
    const sources = ['shared', 'functions', 'demo', 'scripts', 'test'].flatMap((folder) =>
      sourceFiles(folder),
    );
    const missing = sources.flatMap((file) =>
      [...readFileSync(join(projectRoot, file), 'utf8').matchAll(/\b((?:docs\/)?[\w-]+\.md)\b/g)]
        .map((match) => match[1]!)
        .filter((page) => !existsSync(join(projectRoot, page)))
        .map((page) => `${file}: ${page}`),
    );
    expect(missing).toEqual([]);
  });
});

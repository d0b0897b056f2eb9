/**
 * serverless-esbuild plugins (serverless.yml `custom.esbuild.plugins`).
 *
 * - Per-stage settings: when `config/stages/<stage>.json` exists, every bundle of that stage
 *   carries config/gatehouse.json with the stage's file merged over it
 *   (scripts/deploy/stage-settings.ts); without one, the bundles are exactly as before.
 * - GATEHOUSE_CONFIG_FILE: every bundle carries that file in place of config/gatehouse.json, so
 *   the local stack brings its own configuration without touching the repository's file.
 * - GATEHOUSE_LOCAL_STACK=1: the authorizer's entry is wrapped to complete the HTTP API event
 *   that serverless-offline 13 builds for an authorizer, which lacks `requestContext.http.sourceIp`
 *   and `userAgent` (API Gateway always sends both; the client is local, so the source is
 *   127.0.0.1, the user agent comes from the request's header) and whose route ARN carries the
 *   account id `random-account-id` where AWS has 12 digits (the wrapper passes 000000000000 and
 *   turns it back in the returned policy, which serverless-offline matches against its own ARN).
 *   Nothing else changes.
 * - Always: each function's lazy imports become chunks of their own (`functionChunksPlugin`).
 */
const path = require('node:path');

const { require: tsxRequire } = require('tsx/cjs/api');

/** Every bundle carries `contents` (JSON) in place of config/gatehouse.json. */
const configFilePlugin = (contents) => ({
  name: 'gatehouse-config-file',
  setup(build) {
    build.onResolve({ filter: /[\\/]config[\\/]gatehouse\.json$/ }, (args) => ({
      path: args.path,
      namespace: 'gatehouse-config',
    }));
    build.onLoad({ filter: /.*/, namespace: 'gatehouse-config' }, () => ({ contents, loader: 'json' }));
  },
});

const AUTHORIZER_ENTRY = /[\\/]functions[\\/]authorizer\.ts$/;
const ORIGINAL = '?gatehouse-original';

const offlineAuthorizerEventPlugin = {
  name: 'gatehouse-offline-authorizer-event',
  setup(build) {
    build.onResolve({ filter: /\?gatehouse-original$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -ORIGINAL.length)),
      suffix: ORIGINAL,
    }));
    build.onLoad({ filter: AUTHORIZER_ENTRY }, (args) => {
      if (args.suffix === ORIGINAL) return undefined;
      const original = `./${path.basename(args.path)}${ORIGINAL}`;
      return {
        loader: 'ts',
        resolveDir: path.dirname(args.path),
        contents: `
import { handler as authorize } from ${JSON.stringify(original)};
const OFFLINE_ACCOUNT = ':random-account-id:';
const LOCAL_ACCOUNT = ':000000000000:';
export const handler = async (event: any, context: any) => {
  const http = event?.requestContext?.http;
  if (http && typeof http === 'object') {
    http.sourceIp ??= '127.0.0.1';
    http.userAgent ??= event.headers?.['user-agent'] ?? '';
  }
  for (const field of ['routeArn', 'methodArn']) {
    if (typeof event?.[field] === 'string') event[field] = event[field].replace(OFFLINE_ACCOUNT, LOCAL_ACCOUNT);
  }
  const result = await authorize(event, context);
  // serverless-offline matches the policy against its own ARN: give it its account id back.
  return result && typeof result === 'object'
    ? JSON.parse(JSON.stringify(result).split(LOCAL_ACCOUNT).join(OFFLINE_ACCOUNT))
    : result;
};
`,
      };
    });
  },
};

/**
 * Code splitting, one function at a time: what a function loads with `await import()` (the
 * authorizer's revocation check and its DynamoDB client, the risk engine) becomes a chunk file
 * beside the bundle, read only when that path runs, instead of being parsed with the bundle at every
 * cold start. serverless-esbuild builds each function alone into one shared folder and zips, for a
 * function, every file of that folder except the other functions' bundles and the files named
 * after them (`<other>.…`): so the chunks are named `<function>.<chunk>-<hash>.mjs` and land in
 * their own function's zip only. Applies to an ESM build of exactly one entry written to a folder
 * (what serverless-esbuild and scripts/build.ts run); any other build is left as it is.
 */
const functionChunksPlugin = {
  name: 'gatehouse-function-chunks',
  setup(build) {
    const options = build.initialOptions;
    const entries = Array.isArray(options.entryPoints) ? options.entryPoints : [];
    if (options.format !== 'esm' || !options.outdir || entries.length !== 1) return;
    const entry = typeof entries[0] === 'string' ? entries[0] : entries[0].in;
    const name = path.basename(entry).replace(/\.[cm]?[jt]s$/, '');
    options.splitting = true;
    options.chunkNames = `${name}.[name]-[hash]`;
  },
};

module.exports = (serverless) => {
  const plugins = [functionChunksPlugin];
  const repoRoot = path.resolve(__dirname, '..', '..');
  const stage = serverless?.getProvider('aws').getStage();
  const { stageConfig, stageFile } = tsxRequire('../deploy/stage-settings.ts', __filename);
  if (process.env.GATEHOUSE_CONFIG_FILE || (stage && stageFile(repoRoot, stage))) {
    const base = process.env.GATEHOUSE_CONFIG_FILE
      ? path.resolve(process.env.GATEHOUSE_CONFIG_FILE)
      : undefined;
    plugins.push(configFilePlugin(JSON.stringify(stageConfig(repoRoot, stage, base))));
  }
  if (process.env.GATEHOUSE_LOCAL_STACK === '1') plugins.push(offlineAuthorizerEventPlugin);
  return plugins;
};
module.exports.functionChunksPlugin = functionChunksPlugin;

/**
 * serverless-esbuild plugins (serverless.yml `custom.esbuild.plugins`). Both act only for the
 * local stack (`npm run demo`, `npm run dev`, the e2e tests), which sets their variables; a
 * deployment or `npm run package` bundles exactly what it would without this file.
 *
 * - GATEHOUSE_CONFIG_FILE: every bundle carries that file in place of config/gatehouse.json, so
 *   the local stack brings its own configuration without touching the repository's file.
 * - GATEHOUSE_LOCAL_STACK=1: the authorizer's entry is wrapped to complete the HTTP API event
 *   that serverless-offline 13 builds for an authorizer, which lacks `requestContext.http.sourceIp`
 *   and `userAgent` (API Gateway always sends both; the client is local, so the source is
 *   127.0.0.1, the user agent comes from the request's header) and whose route ARN carries the
 *   account id `random-account-id` where AWS has 12 digits (the wrapper passes 000000000000 and
 *   turns it back in the returned policy, which serverless-offline matches against its own ARN).
 *   Nothing else changes.
 */
const path = require('node:path');

const configFilePlugin = (file) => ({
  name: 'gatehouse-config-file',
  setup(build) {
    build.onResolve({ filter: /[\\/]config[\\/]gatehouse\.json$/ }, () => ({ path: path.resolve(file) }));
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

module.exports = () => {
  const plugins = [];
  if (process.env.GATEHOUSE_CONFIG_FILE) plugins.push(configFilePlugin(process.env.GATEHOUSE_CONFIG_FILE));
  if (process.env.GATEHOUSE_LOCAL_STACK === '1') plugins.push(offlineAuthorizerEventPlugin);
  return plugins;
};

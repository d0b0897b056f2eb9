/**
 * The API authorizer on its hot path, in one process, on the same key and tokens:
 * (a) the floor: aws-jwt-verify `verifySync` in a loop (JWKS cached);
 * (b) Gatehouse's authorizer with fresh tokens: every call brings a token its authorizer has not
 *     seen (3,000 tokens, one authorizer per pass over them, each configured as in production
 *     with a 1,000-entry cache), so every call misses, is verified and leaves its admission mark
 *     (the cache stores a token at its second verification: shared/authorizer/verify-cache.ts);
 * (c) Gatehouse's authorizer with a repeated token (the verified-token cache), each call with
 *     its own copy of the event, parsed from JSON as Lambda delivers it, and (b) and (c) each call
 *     with an Authorization string of its own (`withOwnHeader`);
 * (d) the baseline many teams deploy: jsonwebtoken + jwks-rsa (written here, not shipped).
 * Then the authorizer's bundle size and cold import time (median of fresh Node processes), beside
 * aws-jwt-verify alone bundled the same way (the floor of any authorizer that uses it), and a
 * real cold start: import, JWKS hydrate and the first verified request, authorizer and floor.
 * Targets (issue 13): (b) >= 0.9 x (a); (c) >= 15 x (a); (b) ahead of (d); the authorizer's cold
 * import at most 3 x an empty module's.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JwtVerifier } from 'aws-jwt-verify';
import jwt from 'jsonwebtoken';
import jwksClient from 'jwks-rsa';
import { createAuthorizer } from '../../shared/authorizer/handler.js';
import { loadAuthorizerSettings } from '../../shared/authorizer/settings.js';
import { buildEntry, buildFunctions, distDir } from '../build.js';
import { findSampleEvent } from '../local/sample-events.js';
import { accessClaims, createTestKey, signToken, startTestIssuer } from '../local/test-issuer.js';
import { type Measurement, printTable } from './measure.js';

const POOL = 'local_Bench1';
const CLIENT = 'bench-client';
const FRESH_TOKENS = 3000;

const key = createTestKey('bench-key');
const issuer = await startTestIssuer([key]);
const iss = issuer.issuer(POOL);
const jwksUri = `${iss}/.well-known/jwks.json`;

console.log(`signing ${FRESH_TOKENS} RS256 tokens (2048-bit key)...`);
const tokens = Array.from({ length: FRESH_TOKENS }, () => signToken(key, accessClaims(iss, CLIENT)));
const template = JSON.parse(readFileSync(findSampleEvent('http-v2')!.path, 'utf8'));
// Through JSON, as Lambda delivers events: flat strings, not the ropes template literals make.
const events = tokens.map((token) =>
  JSON.parse(
    JSON.stringify({
      ...template,
      headers: { ...template.headers, authorization: `Bearer ${token}` },
      identitySource: [`Bearer ${token}`],
    }),
  ),
);
/** Each variant walks the tokens on its own counter, so (b) never meets a token it has cached. */
function cycler() {
  let next = 0;
  return () => {
    next = (next + 1) % FRESH_TOKENS;
    return next;
  };
}
const [nextA, nextB, nextD] = [cycler(), cycler(), cycler()];

// (a) the floor
const floor = JwtVerifier.create({ issuer: iss, audience: null, jwksUri });
floor.cacheJwks({ keys: [key.jwk as { kty: string }] }); // its default fetcher speaks https only

// (b), (c) Gatehouse, configured as in production: one pool, route rules, cache of 1,000.
const settings = loadAuthorizerSettings({
  env: { AUTHORIZER_TOKEN_CACHE_SIZE: '1000' },
  file: {
    authorizer: {
      pools: [{ userPoolId: POOL, clientIds: [CLIENT], tokenUse: 'access', issuer: iss }],
      routes: [
        { method: 'GET', path: '/items', groups: ['readers'] },
        { method: 'GET', path: '/items/{id}', scopes: ['gatehouse/items.read'] },
        { method: 'ANY', path: '/admin/{proxy+}', groups: ['admins'] },
      ],
    },
  },
});
const gatehouse = await createAuthorizer(settings);
await gatehouse.hydrate();
/**
 * (b)'s authorizers, one per pass over the tokens, so that none sees a token twice: a token seen
 * before would be stored at its second verification and hit at its third. The bench stops rather
 * than reuse one.
 */
const FRESH_PASSES = 64;
const freshAuthorizers = await Promise.all(
  Array.from({ length: FRESH_PASSES }, async () => {
    const authorizer = await createAuthorizer(settings);
    await authorizer.hydrate();
    return authorizer;
  }),
);
let freshPass = 0;

// (d) the common baseline: decode, fetch the key by kid (jwks-rsa caches it), jsonwebtoken verify.
const keys = jwksClient({ jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 });
async function baselineAuthorize(event: { headers: Record<string, string>; routeArn: string }) {
  const token = (event.headers.authorization ?? '').replace(/^Bearer /, '');
  const decoded = jwt.decode(token, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') throw new Error('Unauthorized');
  const signingKey = await keys.getSigningKey(decoded.header.kid);
  const payload = jwt.verify(token, signingKey.getPublicKey(), {
    issuer: iss,
    algorithms: ['RS256'],
  }) as jwt.JwtPayload;
  if (payload.token_use !== 'access' || payload.client_id !== CLIENT) throw new Error('Unauthorized');
  const allowed = (payload['cognito:groups'] as string[] | undefined)?.includes('readers');
  return {
    principalId: payload.sub,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: allowed ? 'Allow' : 'Deny', Resource: [event.routeArn] },
      ],
    },
  };
}

// Sanity: every variant allows the same request before it is timed.
const probe = events[0];
if ((await gatehouse.authorize(probe)).effect !== 'Allow')
  throw new Error('gatehouse does not allow the probe');
if ((await baselineAuthorize(probe)).policyDocument.Statement[0]?.Effect !== 'Allow')
  throw new Error('baseline');
floor.verifySync(tokens[0] as string);

/**
 * The event with an Authorization string of its own, as every Lambda event brings: V8 keeps a
 * string's hash once computed, so a reused string would spare the verified-token cache the
 * hashing a real request pays (~1 µs for a 1 KB header). Made by concatenation, the string is a
 * rope that the cache lookup flattens: slightly more than a JSON-parsed string costs.
 */
function withOwnHeader(event: (typeof events)[number], token: string) {
  event.headers.authorization = `Bearer ${token}`;
  return event;
}

// As Lambda delivers them: a new event (new strings) each time, the same token.
const repeatedCopies = Array.from({ length: 1000 }, () => JSON.parse(JSON.stringify(events[1])));
let nextCopy = 0;
const repeated = () => {
  nextCopy = (nextCopy + 1) % repeatedCopies.length;
  return withOwnHeader(repeatedCopies[nextCopy], tokens[1] as string);
};
const fresh = () => {
  const next = nextB();
  if (next === 0) freshPass++;
  const authorizer = freshAuthorizers[freshPass];
  if (!authorizer)
    throw new Error(`(b) ran more than ${FRESH_PASSES} passes over the tokens: raise FRESH_PASSES`);
  return authorizer.authorize(withOwnHeader(events[next], tokens[next] as string));
};
const variants: Array<[string, () => unknown]> = [
  ['(a) aws-jwt-verify verifySync (floor)', () => floor.verifySync(tokens[nextA()] as string)],
  ['(b) gatehouse authorizer, fresh tokens', fresh],
  ['(c) gatehouse authorizer, repeated token', () => gatehouse.authorize(repeated())],
  ['(d) jsonwebtoken + jwks-rsa baseline', () => baselineAuthorize(events[nextD()])],
];
const rows = await measureInterleaved(variants);
printTable(rows);

const [a, b, c, d] = rows.map((row) => row.opsPerSecond) as [number, number, number, number];
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
console.log(
  `\ntargets: (b)/(a) = ${(b / a).toFixed(2)} (>= 0.9: ${verdict(b >= 0.9 * a)}); ` +
    `(c)/(a) = ${(c / a).toFixed(1)} (>= 15: ${verdict(c >= 15 * a)}); ` +
    `(b)/(d) = ${(b / d).toFixed(2)} (> 1: ${verdict(b > d)})`,
);

// Bundle size and cold import, the way serverless-esbuild builds it (scripts/build.ts).
const run = promisify(execFile);
const bundles = await buildFunctions();
const bundle = bundles.find((built) => built.name === 'authorizer')!;
const floorBundle = await buildEntry(join(import.meta.dirname, 'entries', 'authorizer-floor.ts'));
const empty = join(distDir, 'empty-baseline.mjs');
writeFileSync(empty, 'export const handler = async (event) => event;\n');
const eventFile = join(distDir, 'bench-event.json');
writeFileSync(eventFile, JSON.stringify(events[0]));

/**
 * Median of 7 fresh Node processes: the time to import `file` and, with `firstRequest`, to answer
 * one request too (the bench's first event, parsed before the clock starts, as Lambda hands it
 * over): a real cold start is the module's init plus its first invocation. The clock is
 * `process.hrtime`: reading `performance` would load Node's perf_hooks before the clock starts,
 * hiding that cost from a module that reads it.
 */
async function coldMs(file: string, env: Record<string, string>, firstRequest = false): Promise<number> {
  const request = firstRequest
    ? `const answer = await handler(event, context);
       const allowed = answer?.policyDocument?.Statement?.[0]?.Effect === 'Allow' || answer?.isAuthorized === true || typeof answer?.sub === 'string';
       if (!allowed) throw new Error('the first request was not allowed: ' + JSON.stringify(answer));`
    : '';
  const script = `const { readFileSync } = await import('node:fs');
    const event = JSON.parse(readFileSync(${JSON.stringify(eventFile)}, 'utf8'));
    const context = { awsRequestId: 'bench', functionName: 'authorizer', getRemainingTimeInMillis: () => 5000 };
    const t = process.hrtime.bigint();
    const { handler } = await import(${JSON.stringify(file)});
    ${request}
    process.stdout.write('\\nCOLD_MS ' + Number(process.hrtime.bigint() - t) / 1e6 + '\\n');`;
  const samples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, AWS_REGION: 'us-east-1', TABLE_NAME: 'gatehouse-bench', ...env },
      timeout: 10_000,
    });
    samples.push(Number(/COLD_MS (\S+)/.exec(stdout)?.[1]));
  }
  return samples.sort((x, y) => x - y)[3] ?? Number.NaN;
}
const localPool = { USER_POOL_ID: POOL, USER_POOL_CLIENT_ID: CLIENT, AUTHORIZER_LOCAL_ISSUER: issuer.base };
const floorPool = { BENCH_ISSUER: iss };
console.log(
  `\nauthorizer bundle: ${(bundle.bytes / 1024).toFixed(1)} KB read at a cold start, ` +
    `+ ${(bundle.lazyBytes / 1024).toFixed(1)} KB of lazy chunks (revocation's DynamoDB client) ` +
    '(minified ESM, node22, as serverless-esbuild builds it); ' +
    `aws-jwt-verify alone, bundled the same way: ${(floorBundle.bytes / 1024).toFixed(1)} KB`,
);
const emptyMs = await coldMs(empty, {});
const floorMs = await coldMs(floorBundle.file, {});
const noPoolMs = await coldMs(bundle.file, {});
const hydratedMs = await coldMs(bundle.file, localPool);
const floorFirstMs = await coldMs(floorBundle.file, floorPool, true);
const firstMs = await coldMs(bundle.file, localPool, true);
const revocationMs = await coldMs(bundle.file, { AUTHORIZER_REVOCATION: 'true' });
const times = (ms: number) => `${(ms / emptyMs).toFixed(1)} x empty`;
console.log(`cold import, empty module:                          ${emptyMs.toFixed(1)} ms`);
console.log(
  `cold import, aws-jwt-verify alone (floor):          ${floorMs.toFixed(1)} ms  ${times(floorMs)}`,
);
console.log(
  `cold import, authorizer (no pool):                  ${noPoolMs.toFixed(1)} ms  ${times(noPoolMs)}`,
);
console.log(
  `cold import, authorizer + JWKS hydrate:             ${hydratedMs.toFixed(1)} ms  (local http JWKS)`,
);
console.log(
  `cold import + first verified request, floor:       ${floorFirstMs.toFixed(1)} ms  (JWKS hydrate, one verifySync)`,
);
console.log(
  `cold import + first verified request, authorizer:  ${firstMs.toFixed(1)} ms  (JWKS hydrate, one allowed request through the handler: +${(firstMs - floorFirstMs).toFixed(1)} ms over the floor)`,
);
console.log(
  `cold import, authorizer + revocation on:           ${revocationMs.toFixed(1)} ms  (loads the DynamoDB client)`,
);
console.log(
  `target: cold import (no pool) / empty = ${(noPoolMs / emptyMs).toFixed(1)} (<= 3: ${verdict(noPoolMs <= 3 * emptyMs)}); ` +
    `with the JWKS hydrate: ${(hydratedMs / emptyMs).toFixed(1)}; ` +
    `aws-jwt-verify alone: ${(floorMs / emptyMs).toFixed(1)}`,
);

await issuer.stop();

/**
 * Runs the variants in turns (ROUNDS rounds of ROUND_MS each, order rotated every round) rather
 * than one after the other: on a shared, loaded machine the load drifts, and turns spread that
 * drift over every variant. Throughput and p50/p99 pool every round's samples.
 */
async function measureInterleaved(list: Array<[string, () => unknown]>): Promise<Measurement[]> {
  const ROUNDS = 15;
  const ROUND_MS = 200;
  const samples = list.map(() => [] as number[]);
  const elapsed = list.map(() => 0);
  for (const [, operation] of list) for (let i = 0; i < 300; i++) await operation();
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < list.length; k++) {
      const index = (k + round) % list.length;
      const operation = list[index]![1];
      const own = samples[index]!;
      const start = performance.now();
      const end = start + ROUND_MS;
      let now = start;
      while (now < end) {
        await operation();
        const after = performance.now();
        own.push(after - now);
        now = after;
      }
      elapsed[index]! += now - start;
    }
  }
  return list.map(([name], index) => {
    const sorted = samples[index]!.sort((x, y) => x - y);
    const at = (q: number) =>
      (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000;
    return { name, opsPerSecond: sorted.length / (elapsed[index]! / 1000), p50Us: at(0.5), p99Us: at(0.99) };
  });
}

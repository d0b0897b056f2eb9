/**
 * Enumeration by timing (issue 11, attack 7): does a known user's sign-in take as long as an
 * unknown one's? 30 tries of each against the local emulators (dynalite, the SES emulator):
 * 1. pre authentication (lockout, context claim and the configured risk engine);
 * 2. custom auth, the emailed code: its first delivery (a real mail, or the decoy's pause drawn
 *    from measured delivery times) and a retried wrong code (verify, then the challenge again).
 * Every try carries a context signed as the endpoint signs it (anyone may get one for any name).
 *
 * Made to hold on a small, loaded machine: the emulators run in a child process (their work is
 * not timed as ours, as a remote service's is not); each path is warmed up first; every try is
 * prepared before any is timed (no try pays for the mail or garbage of its own preparation);
 * tries are timed interleaved known/unknown, then unknown/known, so drift weighs on both alike;
 * and medians are compared. Prints each median, the ratio known / unknown and whether it lies
 * within 0.9-1.1, then the store calls and round trips of each path. The decoy pauses measured
 * here are figures of this machine only (SES from Lambda takes tens of milliseconds).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const TRIES = 30;
const WARM_UP = 10;
const SECRET = 'enumeration-bench-context-secret-0123456789';

/** dynalite and the SES emulator in a child process; answers their endpoints. */
async function startEmulators(): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const emulators = fileURLToPath(new URL('../local/emulators.ts', import.meta.url));
  const code = `
    import { localEnvironment, startLocalDynamo, startLocalSes } from ${JSON.stringify(emulators)};
    const [dynamo, ses] = await Promise.all([startLocalDynamo(), startLocalSes()]);
    console.log(JSON.stringify(localEnvironment(dynamo, ses)));
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const [line] = await createInterface({ input: child.stdout! })
    [Symbol.asyncIterator]()
    .next()
    .then((next) => [next.value as string | undefined]);
  if (!line) throw new Error('the emulators did not start');
  return { child, env: JSON.parse(line) };
}

const emulators = await startEmulators();
Object.assign(process.env, emulators.env, {
  LOG_LEVEL: 'ERROR',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  SES_FROM_ADDRESS: 'auth@gatehouse.test',
  RISK_CONTEXT_SECRET: SECRET,
});

const { findSampleEvent } = await import('../local/sample-events.js');
const { loadSettings } = await import('../../shared/config/settings.js');
const { logger } = await import('../../shared/logging/index.js');
const { documentClient } = await import('../../shared/storage/table.js');
const { signedContext } = await import('../../shared/sign-in-context/endpoint.js');
const { signInSettingSpecs } = await import('../../shared/sign-in/settings.js');
const { preAuthentication } = await import('../../shared/sign-in/pre-authentication.js');
const { configuredRiskEngine } = await import('../../shared/risk/contract.js');
const { customAuthSettingSpecs } = await import('../../shared/custom-auth/settings.js');
const { createAuthChallenge } = await import('../../shared/custom-auth/create.js');
const { verifyAuthChallenge } = await import('../../shared/custom-auth/verify.js');
const { DeliveryTimings, withoutOutliers } = await import('../../shared/custom-auth/delivery-timing.js');

logger.setLogLevel('SILENT');
// biome-ignore lint/suspicious/noExplicitAny: samples are cloned and handed to typed cores
const load = (name: string): any => JSON.parse(readFileSync(findSampleEvent(name)!.path, 'utf8'));
// A limit no try reaches: every call does the full work.
/** The engine as the function builds it, at module scope. */
const risk = configuredRiskEngine();
const signIn = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '1000' },
  file: {},
});
const customAuth = loadSettings(customAuthSettingSpecs, { env: {}, file: {} });
const timings = new DeliveryTimings();

let n = 0;
/** A sign-in event for a fresh known user, or for a name nobody has, with a signed context. */
function who<
  E extends { userName: string; callerContext: { clientId: string }; request: Record<string, unknown> },
>(event: E, known: boolean, contextKey: 'validationData' | 'clientMetadata'): E {
  n++;
  const name = known ? `known${n}@example.com` : `nobody${n}@example.com`;
  event.userName = known ? `bench-known-${n}` : name;
  event.request.userAttributes = known
    ? { sub: `bench-known-${n}`, email: name, email_verified: 'true', given_name: 'Ana' }
    : {};
  event.request.userNotFound = !known;
  const { clientMetadata } = signedContext(
    { username: name, clientId: event.callerContext.clientId, deviceId: `device-${n}` },
    { sourceIp: `198.51.100.${n % 250}`, userAgent: 'Mozilla/5.0 (bench)' },
    SECRET,
    300,
  );
  event.request[contextKey] = clientMetadata;
  return event;
}

/** A path: `prepare` (untimed) answers the one call that is timed. */
type Path = (known: boolean) => Promise<() => Promise<unknown>>;

const preAuth: Path = async (known) => {
  const event = who(load('PreAuthentication_Authentication'), known, 'validationData');
  return () => preAuthentication(event, signIn, risk);
};

/** The challenge after the parameters step: the code goes out (or the decoy pauses). */
function codeChallengeEvent(known: boolean) {
  const event = who(load('CreateAuthChallenge_Authentication'), known, 'clientMetadata');
  event.request.challengeName = 'CUSTOM_CHALLENGE';
  event.request.session = [
    {
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: false,
      challengeMetadata: 'PROVIDE_AUTH_PARAMETERS',
    },
  ];
  event.request.clientMetadata.signInMethod = 'code';
  event.response = {};
  return event;
}

const firstCode = async (known: boolean, container = timings) => {
  const event = codeChallengeEvent(known);
  return () => createAuthChallenge(event, customAuth, Date.now(), container);
};

/** A wrong code, then the challenge again (it reads back the live one: no new mail). */
const retriedWrongCode = async (known: boolean, container = timings) => {
  const created = codeChallengeEvent(known);
  await createAuthChallenge(created, customAuth, Date.now(), container);
  return async () => {
    const verify = load('VerifyAuthChallengeResponse_Authentication');
    verify.userName = created.userName;
    verify.request.userAttributes = created.request.userAttributes;
    verify.request.userNotFound = created.request.userNotFound;
    verify.request.privateChallengeParameters = created.response.privateChallengeParameters;
    verify.request.challengeAnswer = '000000';
    verify.request.clientMetadata = created.request.clientMetadata;
    verify.response = {};
    await verifyAuthChallenge(verify, customAuth, signIn);
    const retry = structuredClone(created);
    retry.request.session.push({
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: false,
      challengeMetadata: created.response.challengeMetadata,
    });
    retry.response = {};
    await createAuthChallenge(retry, customAuth, Date.now(), container);
  };
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
/** The 10th percentile: the floor of a path, where other processes' load weighs least. */
const floor = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 10)]!;
/** Lets what a call left behind (socket reads, timers) run before the next one is timed. */
const settle = () => new Promise((done) => setTimeout(done, 3));
/** Known first on even tries, unknown first on odd ones. */
const order = (i: number) => (i % 2 === 0 ? [true, false] : [false, true]);

const results: { name: string; ratio: number }[] = [];

async function compare(name: string, path: Path) {
  for (let i = 0; i < WARM_UP; i++) for (const known of order(i)) await (await path(known))();
  const prepared: { known: boolean; run: () => Promise<unknown> }[] = [];
  for (let i = 0; i < TRIES; i++)
    for (const known of order(i)) prepared.push({ known, run: await path(known) });
  const times = { known: [] as number[], unknown: [] as number[] };
  for (const { known, run } of prepared) {
    await settle();
    const started = performance.now();
    await run();
    times[known ? 'known' : 'unknown'].push(performance.now() - started);
  }
  const [k, u] = [median(times.known), median(times.unknown)];
  const ratio = k / u;
  results.push({ name, ratio });
  const verdict = ratio >= 0.9 && ratio <= 1.1 ? 'within 0.9-1.1' : 'OUTSIDE 0.9-1.1';
  const floors = floor(times.known) / floor(times.unknown);
  console.log(
    `${name.padEnd(40)} median known ${k.toFixed(2).padStart(7)} ms  unknown ${u.toFixed(2).padStart(7)} ms  ratio ${ratio.toFixed(3)}  ${verdict}` +
      `   (p10 ${floor(times.known).toFixed(2)} / ${floor(times.unknown).toFixed(2)} ms, ratio ${floors.toFixed(3)})`,
  );
}

/** The DynamoDB commands one call sends, by name, and in how many round trips (a call that starts while none is in flight opens one). */
async function storeCalls(run: () => Promise<unknown>): Promise<string> {
  const client = documentClient();
  const sent: string[] = [];
  const original = client.send.bind(client);
  let inFlight = 0;
  let roundTrips = 0;
  // biome-ignore lint/suspicious/noExplicitAny: a counting wrapper around the client's own send
  (client as any).send = async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
    sent.push(command.constructor.name.replace('Command', ''));
    if (inFlight++ === 0) roundTrips++;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: forwarded unchanged
      return await (original as any)(command, ...rest);
    } finally {
      inFlight--;
    }
  };
  try {
    await run();
  } finally {
    // biome-ignore lint/suspicious/noExplicitAny: restoring the original
    (client as any).send = original;
  }
  return `${sent.length} calls in ${roundTrips} round trips: ${sent.join(', ')}`;
}

console.log(
  `${TRIES} tries each, after ${WARM_UP} of warm-up; medians (and 10th percentiles); emulators in a child process; ` +
    `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores (medians need a machine that is not saturated)\n`,
);
await compare('pre authentication', preAuth);
await compare('custom auth: first code (mail or decoy)', firstCode);
await compare('custom auth: a retried wrong code', retriedWrongCode);
const inside = results.every(({ ratio }) => ratio >= 0.9 && ratio <= 1.1);
console.log(`\nall ratios within 0.9-1.1: ${inside ? 'yes' : 'NO'}`);

const { kind, samples } = timings.source();
console.log(
  `\ndecoy pause: drawn from this container's ${samples.length} ${kind} samples (median ${median([...samples]).toFixed(1)} ms), ` +
    `${samples.length - withoutOutliers(samples).length} outlier(s) left out; timer lateness asked early ${timings.timerLateness().toFixed(2)} ms`,
);

console.log(
  '\nstore calls per path (the same for known and unknown users is the point; each from a fresh container, whose first challenge exchanges delivery timings)',
);
for (const known of [true, false]) {
  const label = known ? 'known  ' : 'unknown';
  console.log(`  ${label} pre authentication: ${await storeCalls(await preAuth(known))}`);
  console.log(
    `  ${label} first code:         ${await storeCalls(await firstCode(known, new DeliveryTimings()))}`,
  );
  console.log(
    `  ${label} retried wrong code: ${await storeCalls(await retriedWrongCode(known, new DeliveryTimings()))}`,
  );
}

emulators.child.stdin?.end();

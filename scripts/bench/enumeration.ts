/**
 * Enumeration by timing (issue 11, attack 7): does a known user's sign-in take as long as an
 * unknown one's? Against the in-process emulators (dynalite, the SES emulator), 30 tries of each,
 * interleaved (known, unknown, unknown, known, ...) so that drift weighs on both alike:
 * 1. pre authentication (lockout and the configured risk engine);
 * 2. custom auth, the emailed code: its first delivery (a real mail, or the decoy's pause drawn
 *    from measured delivery times) and a retried wrong code (verify, then the challenge again).
 * Prints the medians and the ratio known / unknown (the target: between 0.9 and 1.1), and the
 * store calls of each path. The decoy pauses this process measured (a warm-up of 10 real
 * deliveries first, as a running container would have) are figures of this machine only.
 */
import { readFileSync } from 'node:fs';
import { localEnvironment, startLocalDynamo, startLocalSes } from '../local/emulators.js';

const TRIES = 30;
const [dynamo, ses] = await Promise.all([startLocalDynamo(), startLocalSes()]);
Object.assign(process.env, localEnvironment(dynamo, ses), {
  LOG_LEVEL: 'ERROR',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  SES_FROM_ADDRESS: 'auth@gatehouse.test',
});

const { findSampleEvent } = await import('../local/sample-events.js');
const { loadSettings } = await import('../../shared/config/settings.js');
const { logger } = await import('../../shared/logging/index.js');
const { documentClient } = await import('../../shared/storage/table.js');
const { signInSettingSpecs } = await import('../../shared/sign-in/settings.js');
const { preAuthentication } = await import('../../shared/sign-in/pre-authentication.js');
const { customAuthSettingSpecs } = await import('../../shared/custom-auth/settings.js');
const { createAuthChallenge } = await import('../../shared/custom-auth/create.js');
const { verifyAuthChallenge } = await import('../../shared/custom-auth/verify.js');
const { DeliveryTimings } = await import('../../shared/custom-auth/delivery-timing.js');

logger.setLogLevel('SILENT');
// biome-ignore lint/suspicious/noExplicitAny: samples are cloned and handed to typed cores
const load = (name: string): any => JSON.parse(readFileSync(findSampleEvent(name)!.path, 'utf8'));
// A limit no try reaches: every call does the full work.
const signIn = loadSettings(signInSettingSpecs, {
  env: { GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '1000' },
  file: {},
});
const customAuth = loadSettings(customAuthSettingSpecs, { env: {}, file: {} });
const timings = new DeliveryTimings();

let n = 0;
/** A sign-in event for a fresh known user, or for a name nobody has. */
function who<E extends { userName: string; request: Record<string, unknown> }>(event: E, known: boolean): E {
  n++;
  if (known) {
    const sub = `bench-known-${n}`;
    event.userName = sub;
    event.request.userAttributes = {
      sub,
      email: `known${n}@example.com`,
      email_verified: 'true',
      given_name: 'Ana',
    };
    event.request.userNotFound = false;
  } else {
    event.userName = `nobody-${n}@example.com`;
    event.request.userAttributes = {};
    event.request.userNotFound = true;
  }
  return event;
}

async function preAuth(known: boolean) {
  const event = who(load('PreAuthentication_Authentication'), known);
  await preAuthentication(event, signIn);
}

/** The challenge after the parameters step: the code goes out (or the decoy pauses). */
function codeChallengeEvent(known: boolean) {
  const event = who(load('CreateAuthChallenge_Authentication'), known);
  event.request.challengeName = 'CUSTOM_CHALLENGE';
  event.request.session = [
    {
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: false,
      challengeMetadata: 'PROVIDE_AUTH_PARAMETERS',
    },
  ];
  event.request.clientMetadata = { signInMethod: 'code' };
  event.response = {};
  return event;
}

async function firstCode(known: boolean) {
  await createAuthChallenge(codeChallengeEvent(known), customAuth, Date.now(), timings);
}

/** A wrong code, then the challenge again (it reads back the live one: no new mail). */
async function retriedWrongCode(known: boolean): Promise<() => Promise<void>> {
  const created = codeChallengeEvent(known);
  await createAuthChallenge(created, customAuth, Date.now(), timings);
  return async () => {
    const verify = load('VerifyAuthChallengeResponse_Authentication');
    verify.userName = created.userName;
    verify.request.userAttributes = created.request.userAttributes;
    verify.request.userNotFound = created.request.userNotFound;
    verify.request.privateChallengeParameters = created.response.privateChallengeParameters;
    verify.request.challengeAnswer = '000000';
    verify.request.clientMetadata = {};
    verify.response = {};
    await verifyAuthChallenge(verify, customAuth, signIn);
    const retry = structuredClone(created);
    retry.request.session.push({
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: false,
      challengeMetadata: created.response.challengeMetadata,
    });
    retry.response = {};
    await createAuthChallenge(retry, customAuth, Date.now(), timings);
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** 30 tries each, interleaved, one timed call per try (`prepare` runs untimed). */
async function compare(name: string, prepare: (known: boolean) => Promise<() => Promise<unknown>>) {
  const times = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < TRIES; i++) {
    const order = i % 2 === 0 ? [true, false] : [false, true];
    for (const known of order) {
      const run = await prepare(known);
      const started = performance.now();
      await run();
      times[known ? 'known' : 'unknown'].push(performance.now() - started);
    }
  }
  const [k, u] = [median(times.known), median(times.unknown)];
  const ratio = k / u;
  const verdict = ratio >= 0.9 && ratio <= 1.1 ? 'within 0.9-1.1' : 'OUTSIDE 0.9-1.1';
  console.log(
    `${name.padEnd(44)} known ${k.toFixed(2).padStart(7)} ms  unknown ${u.toFixed(2).padStart(7)} ms  ratio ${ratio.toFixed(3)}  ${verdict}`,
  );
}

/** The DynamoDB commands one call sends, by name. */
async function storeCalls(run: () => Promise<unknown>): Promise<string> {
  const client = documentClient();
  const sent: string[] = [];
  const original = client.send.bind(client);
  // biome-ignore lint/suspicious/noExplicitAny: a counting wrapper around the client's own send
  (client as any).send = (command: { constructor: { name: string } }, ...rest: unknown[]) => {
    sent.push(command.constructor.name.replace('Command', ''));
    // biome-ignore lint/suspicious/noExplicitAny: forwarded unchanged
    return (original as any)(command, ...rest);
  };
  try {
    await run();
  } finally {
    // biome-ignore lint/suspicious/noExplicitAny: restoring the original
    (client as any).send = original;
  }
  return sent.join(', ');
}

// Warm-up as a running container would be: clients created, 10 real deliveries measured.
for (let i = 0; i < 10; i++) {
  await preAuth(i % 2 === 0);
  await firstCode(true);
}
console.log(
  `decoy pause drawn from ${timings.source().kind} samples: ${timings
    .source()
    .samples.map((ms) => ms.toFixed(1))
    .join(', ')} ms`,
);
const fresh = new DeliveryTimings();
await fresh.exchange();
console.log(
  `a fresh container's first decoy draws from the ${fresh.source().kind} samples other containers published: ${fresh
    .source()
    .samples.map((ms) => ms.toFixed(1))
    .join(', ')} ms\n`,
);

await compare('pre authentication', async (known) => () => preAuth(known));
await compare('custom auth: first code (mail or decoy)', async (known) => () => firstCode(known));
await compare('custom auth: a retried wrong code', retriedWrongCode);

console.log('\nstore calls per path');
for (const known of [true, false]) {
  const label = known ? 'known  ' : 'unknown';
  console.log(`  ${label} pre authentication: ${await storeCalls(() => preAuth(known))}`);
  console.log(`  ${label} first code:         ${await storeCalls(() => firstCode(known))}`);
  const retry = await retriedWrongCode(known);
  console.log(`  ${label} retried wrong code: ${await storeCalls(retry)}`);
}

await Promise.all([dynamo.stop(), ses.stop()]);

/**
 * The risk engine on the sign-in path.
 * 1. Evaluation without I/O (target well under a millisecond), against the floor of parsing the
 *    pre-authentication event that every trigger already pays.
 * 2. Store calls per evaluation, counted on the in-process DynamoDB emulator (dynalite), with
 *    the latency of a whole assessment there (loopback, so the calls' count matters more).
 */
import { readFileSync } from 'node:fs';
import { parseTriggerEvent } from '../../shared/events/parse.js';
import { logger } from '../../shared/logging/index.js';
import { attemptFacts, locateHistory } from '../../shared/risk/facts.js';
import { evaluateRisk } from '../../shared/risk/scoring.js';
import { keys } from '../../shared/storage/keys.js';
import {
  evaluationInput,
  HOUR,
  homeHistory,
  NOW,
  signInAttempt,
  signInFrom,
  testConfig,
  testGeo,
} from '../../test/risk/support/fixtures.js';
import { localEnvironment, startLocalDynamo } from '../local/emulators.js';
import { findSampleEvent } from '../local/sample-events.js';
import { measure, measureAsync, printTable } from './measure.js';

logger.setLogLevel('SILENT'); // one line per assessment would drown the figures
const config = testConfig({ contextSignature: 'required' });
const preAuthEvent = JSON.parse(
  readFileSync(findSampleEvent('PreAuthentication_Authentication')!.path, 'utf8'),
);

const homeInput = evaluationInput({}, homeHistory(10), config);
const fullHistory = homeHistory(200);
fullHistory.signIns.unshift(signInFrom('home', 1));
const tokyoInput = evaluationInput({ place: 'tokyo', deviceId: 'unknown' }, fullHistory, config, {
  failures: 3,
  accounts: 2,
});
const signedTokyo = signInAttempt({ place: 'tokyo', sign: 'valid' });
/** The same history as post authentication keeps it when the app sent no location. */
const unlocated = {
  ...fullHistory,
  signIns: fullHistory.signIns.map(({ at, ip, network, deviceId }) => ({ at, ip, network, deviceId })),
};
const geo = testGeo();
const { historyFromItems } = await import('../../shared/risk/store.js');
const items = fullHistory.signIns.map((s, i) => ({
  sk: keys.signIn(new Date(s.at).toISOString(), String(i)),
  at: s.at,
  ip: s.ip,
  country: s.country,
  latitude: s.latitude,
  longitude: s.longitude,
  deviceKey: s.deviceId,
}));

console.log('Evaluation without I/O');
printTable([
  measure('baseline: parse the pre-authentication event', () => parseTriggerEvent(preAuthEvent)),
  measure('evaluate: returning user, 10 sign-ins', () => evaluateRisk(homeInput, config)),
  measure('evaluate: New York then Tokyo, 201 sign-ins', () => evaluateRisk(tokyoInput, config)),
  measure('facts (HMAC, .mmdb) + locate history + evaluate, 201', () =>
    evaluateRisk(
      { attempt: attemptFacts(signedTokyo, config, geo), history: locateHistory(unlocated, geo) },
      config,
    ),
  ),
  measure('read the Query answer: 201 items into history', () => historyFromItems(items, NOW, NOW)),
]);

// ---------------------------------------------------------------- store calls
const dynamo = await startLocalDynamo();
Object.assign(process.env, localEnvironment(dynamo));
const { documentClient } = await import('../../shared/storage/table.js');
const { createRiskEngine } = await import('../../shared/risk/engine.js');
const { dynamoRiskStore } = await import('../../shared/risk/store.js');
const client = documentClient();
const send = client.send.bind(client);
const calls: string[] = [];
/** Round trips: a call that starts while none is in flight opens the next one. */
let inFlight = 0;
let roundTrips = 0;
client.send = (async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
  calls.push(command.constructor.name.replace('Command', ''));
  if (inFlight === 0) roundTrips += 1;
  inFlight += 1;
  try {
    return await (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  } finally {
    inFlight -= 1;
  }
}) as typeof client.send;

const engine = createRiskEngine(config, { store: dynamoRiskStore(config.historyLimit), geo });
const userId = 'bench-user';
for (const item of items.slice(0, 50)) {
  await send(
    new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
      TableName: process.env.TABLE_NAME!,
      Item: { pk: keys.user(userId), ...item },
    }),
  );
}
// The context as the context endpoint signs it: the same nonce in every trigger of the sign-in.
const attempt = { ...signInAttempt({ place: 'tokyo', at: NOW, nonce: 'bench-sign-in-1' }), userId };
const count = async (label: string, run: () => Promise<unknown>) => {
  calls.length = 0;
  roundTrips = 0;
  await run();
  console.log(`${label.padEnd(44)} ${calls.length} calls in ${roundTrips} round trips: ${calls.join(', ')}`);
};
console.log('\nStore calls per evaluation (user with 50 sign-ins on dynalite)');
await count('assess (pre authentication)', () => engine.assess(attempt));
await count('assess (define auth challenge, same sign-in)', () =>
  engine.assess({ ...attempt, at: NOW + 30_000, phase: 'define-auth-challenge' }),
);
await count('learn (post authentication)', () => engine.learn({ ...attempt, at: NOW + 60_000 }));

console.log('\nWhole assessment on dynalite (loopback I/O included)');
let at = NOW + HOUR;
/** Each run a second later than the last, as consecutive sign-ins are. */
const later = () => {
  at += 1000;
  return at;
};
printTable([
  await measureAsync(
    'assess: Query || IP UpdateItem, then UpdateItem || PutItem',
    () => engine.assess({ ...attempt, at: later() }),
    2,
  ),
  await measureAsync(
    'learn: Query || GetItem, then 2 UpdateItems in parallel',
    () => engine.learn({ ...attempt, at: later() }),
    2,
  ),
]);
await dynamo.stop();

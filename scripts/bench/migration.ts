/**
 * Migrate user: an unknown user and a wrong password must take the same time. For each hash
 * format at a production cost, the table adapter (on dynalite) answers both, interleaved, and
 * the medians and their ratio are printed. The unknown user verifies the timing hash, which is
 * given the same algorithm and cost as the legacy hashes, as the README tells operators to do.
 */
import { localEnvironment, startLocalDynamo } from '../local/emulators.js';
import { legacyHash } from '../migration/legacy-hashes.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const algorithms = ['bcrypt', 'argon2id', 'scrypt', 'pbkdf2-sha256'] as const;

const dynamo = await startLocalDynamo();
Object.assign(process.env, localEnvironment(dynamo));
const { DynamoLegacyStore, putLegacyUser } = await import('../../shared/migration/stores.js');
const { describeHash } = await import('../../shared/migration/hashes.js');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

console.log(`${SAMPLES} samples each, interleaved; times in ms`);
console.log(
  `${'format (cost)'.padEnd(34)}  ${'wrong password'.padStart(14)}  ${'unknown user'.padStart(12)}  unknown/wrong`,
);
try {
  for (const algorithm of algorithms) {
    const userName = `bench-${algorithm}@example.com`;
    const hash = await legacyHash(algorithm, 'the real password', 'production');
    await putLegacyUser(userName, hash, { email: userName });
    const store = new DynamoLegacyStore(await legacyHash(algorithm, 'timing hash secret', 'production'));
    const wrong: number[] = [];
    const unknown: number[] = [];
    await store.authenticate(userName, 'warm-up'); // first-use costs (wasm compile, connection)
    for (let i = 0; i < SAMPLES; i++) {
      wrong.push(await timed(() => store.authenticate(userName, 'not the password')));
      unknown.push(await timed(() => store.authenticate(`nobody-${i}@example.com`, 'not the password')));
    }
    const info = describeHash(hash)!;
    const label = `${algorithm} (${info.cost})`;
    const [w, u] = [median(wrong), median(unknown)];
    console.log(
      `${label.padEnd(34)}  ${w.toFixed(1).padStart(14)}  ${u.toFixed(1).padStart(12)}  ${(u / w).toFixed(3)}`,
    );
  }
} finally {
  await dynamo.stop();
}

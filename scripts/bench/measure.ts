/** Small helpers shared by the benchmarks: time a synchronous or async operation, print a table. */

export interface Measurement {
  name: string;
  opsPerSecond: number;
  p50Us: number;
  p99Us: number;
}

/** Runs `operation` for about `seconds` after a warm-up and reports throughput and latency. */
export function measure(name: string, operation: () => unknown, seconds = 1): Measurement {
  for (let i = 0; i < 1000; i++) operation();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    operation();
    samples.push(performance.now() - start);
  }
  return summarize(name, samples);
}

/** The same for an async operation, awaited one at a time. */
export async function measureAsync(
  name: string,
  operation: () => Promise<unknown>,
  seconds = 1,
): Promise<Measurement> {
  for (let i = 0; i < 200; i++) await operation();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    await operation();
    samples.push(performance.now() - start);
  }
  return summarize(name, samples);
}

function summarize(name: string, samples: number[]): Measurement {
  const total = samples.reduce((sum, s) => sum + s, 0);
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    (samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0) * 1000;
  return { name, opsPerSecond: samples.length / (total / 1000), p50Us: at(0.5), p99Us: at(0.99) };
}

/** Prints the measurements with each one's throughput as a ratio of the first (the baseline). */
export function printTable(rows: Measurement[]): void {
  const baseline = rows[0]?.opsPerSecond ?? 1;
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(
    `${'operation'.padEnd(width)}  ${'ops/s'.padStart(10)}  ${'p50 us'.padStart(8)}  ${'p99 us'.padStart(8)}  vs first`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(width)}  ${Math.round(r.opsPerSecond).toString().padStart(10)}  ${r.p50Us.toFixed(1).padStart(8)}  ${r.p99Us.toFixed(1).padStart(8)}  ${(r.opsPerSecond / baseline).toFixed(2)}x`,
    );
  }
}

import { randomInt } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, tableName } from '../storage/table.js';

/**
 * How long a real delivery of a sign-in code or link takes, measured, so that a decoy (an unknown
 * user, or one without a verified address: nothing is sent) pauses as long as a real one would
 * and the answer time tells nobody which it was.
 *
 * Each container keeps the send times it measured (its newest 16). A fresh container has none: at
 * its first challenge (and at every 16th after, and right after its first delivery) it exchanges
 * samples with the other containers through one table item, `TIMING#delivery` / `ITEM`: it
 * publishes its newest measurement and reads theirs, in the same UpdateItem. The first delivery
 * of a container (a cold SDK client, a new connection) is kept apart from the others, so a fresh
 * container's first decoy pauses like a first delivery and later ones never do. Real and decoy
 * challenges make this exchange alike: it depends on the container, never on the user.
 *
 * A decoy draws one of the samples, outliers left out (Tukey's fences: beyond 1.5 interquartile
 * ranges of the quartiles; with fewer than four samples, beyond three times their median), so a
 * stalled send is never imitated. The pause is scheduled early by the timer's own measured
 * lateness (a timer fires after its delay, a reply when it arrives), so it ends when the drawn
 * delivery would have.
 */
const WARM_SLOTS = 16;
const COLD_SLOTS = 8;
const LOCAL_SAMPLES = 16;
const EXCHANGE_EVERY = 16;
/** Timer lateness samples kept (each a decoy's pause: actual minus asked). */
const LATENESS_SAMPLES = 16;
/** A send that took longer than this is an outlier (a stalled connection, the SDK's retries), never a delivery time. */
const MAX_SAMPLE_MS = 3000;
/**
 * Before any delivery was ever measured (a new deployment's first challenges): SES SendEmail
 * times as commonly seen from Lambda in the same region, drawn uniformly from these ranges.
 */
const PRIOR = { warm: [40, 140], cold: [150, 450] } as const;

type Kind = 'warm' | 'cold';

export class DeliveryTimings {
  private readonly local: number[] = [];
  private readonly lateness: number[] = [];
  private readonly pool: Record<Kind, number[]> = { warm: [], cold: [] };
  private pending?: { kind: Kind; ms: number };
  private challenges = 0;
  private delivered = 0;

  /** Called by every challenge, real or decoy, in parallel with saving it. */
  async exchange(now = Date.now()): Promise<void> {
    // A container's first delivery is published at once: it is what fresh containers imitate.
    const due = this.challenges++ % EXCHANGE_EVERY === 0 || this.pending?.kind === 'cold';
    if (!due) return;
    const publish = this.pending;
    this.pending = undefined;
    const slot = publish
      ? `${publish.kind === 'cold' ? 'c' : 'w'}${randomInt(0, publish.kind === 'cold' ? COLD_SLOTS : WARM_SLOTS)}`
      : undefined;
    const { Attributes = {} } = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: keys.deliveryTimings(), sk: keys.item() },
        UpdateExpression: `SET updatedAt = :now${publish ? ', #slot = :ms' : ''}`,
        ExpressionAttributeValues: { ':now': now, ...(publish ? { ':ms': publish.ms } : {}) },
        ...(slot ? { ExpressionAttributeNames: { '#slot': slot } } : {}),
        ReturnValues: 'ALL_NEW',
      }),
    );
    this.pool.warm = samplesIn(Attributes, 'w', WARM_SLOTS);
    this.pool.cold = samplesIn(Attributes, 'c', COLD_SLOTS);
  }

  /** A real delivery took `ms` (an outlier beyond `MAX_SAMPLE_MS` is left out, not kept as a long one). */
  record(ms: number): void {
    if (!(ms >= 0 && ms <= MAX_SAMPLE_MS)) return;
    const sample = ms;
    const kind: Kind = this.delivered++ === 0 ? 'cold' : 'warm';
    if (kind === 'warm') {
      this.local.push(sample);
      if (this.local.length > LOCAL_SAMPLES) this.local.shift();
    }
    this.pending = { kind, ms: sample };
  }

  /**
   * The pause of a decoy: the container's first challenge draws from first deliveries, later ones
   * from this container's measured deliveries, else the other containers', else the prior.
   */
  draw(): number {
    const { kind, samples } = this.source();
    const typical = withoutOutliers(samples);
    if (typical.length > 0) return typical[randomInt(0, typical.length)] as number;
    const [low, high] = PRIOR[kind];
    return randomInt(low, high + 1);
  }

  /** How much later than asked this container's timers fire (the median of the last pauses). */
  timerLateness(): number {
    return median(this.lateness) ?? 0;
  }

  /** A decoy's pause fired `ms` later than asked. */
  recordLateness(ms: number): void {
    this.lateness.push(Math.max(0, ms));
    if (this.lateness.length > LATENESS_SAMPLES) this.lateness.shift();
  }

  /** The samples the next decoy draws from (the prior when empty). */
  source(): { kind: Kind; samples: readonly number[] } {
    if (this.challenges <= 1 && this.delivered === 0) return { kind: 'cold', samples: this.pool.cold };
    return { kind: 'warm', samples: this.local.length > 0 ? this.local : this.pool.warm };
  }
}

function samplesIn(item: Record<string, unknown>, prefix: string, slots: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < slots; i++) {
    const value = item[`${prefix}${i}`];
    if (typeof value === 'number' && Number.isFinite(value)) samples.push(value);
  }
  return samples;
}

/** Times a real delivery and records it. */
export async function timed(timings: DeliveryTimings, deliver: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await deliver();
  timings.record(performance.now() - started);
}

/** A decoy's pause: a drawn delivery time, asked early by the timer's usual lateness. */
export async function pause(timings: DeliveryTimings): Promise<void> {
  const asked = Math.max(0, timings.draw() - timings.timerLateness());
  const started = performance.now();
  // Node's timers count whole milliseconds (and may fire up to 1 ms early), so a fractional pause
  // would end early: on fast deliveries (a few ms) that is a measurable tell. The timer waits the
  // whole milliseconds; what is left (under 2 ms) is waited out here.
  await new Promise((done) => setTimeout(done, Math.floor(asked)));
  const left = asked - (performance.now() - started);
  if (left > 0 && left < 2) while (performance.now() - started < asked);
  timings.recordLateness(performance.now() - started - asked);
}

/**
 * The samples without outliers: within Tukey's fences (1.5 interquartile ranges beyond the
 * quartiles); with fewer than four samples, those at most three times their median.
 */
export function withoutOutliers(samples: readonly number[]): number[] {
  const sorted = [...samples].sort((a, b) => a - b);
  if (sorted.length < 4) {
    const middle = median(sorted) ?? 0;
    return sorted.filter((ms) => ms <= 3 * middle);
  }
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const fence = 1.5 * (q3 - q1);
  return sorted.filter((ms) => ms >= q1 - fence && ms <= q3 + fence);
}

/** The q-quantile of sorted values, linearly interpolated. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (at - low);
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

import { randomInt } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../storage/keys.js';
import { documentClient, tableName } from '../storage/table.js';

/**
 * How long a real delivery of a sign-in code or link takes, measured, so that a decoy (an unknown
 * user, or one without a verified address: nothing is sent) pauses as long as a real one would
 * and the answer time tells nobody which it was.
 *
 * Each container keeps the send times it measured. A fresh container has none: at its first
 * challenge (and at every 16th after, and right after its first delivery) it exchanges samples
 * with the other containers through one table item, `TIMING#delivery` / `ITEM`: it publishes its
 * newest measurement and reads theirs, in the same UpdateItem. The first delivery of a container (a cold SDK client, a new connection) is
 * kept apart from the others, so a fresh container's first decoy pauses like a first delivery.
 * Real and decoy challenges make this exchange alike: it depends on the container, never on the user.
 */
const WARM_SLOTS = 16;
const COLD_SLOTS = 8;
const LOCAL_SAMPLES = 32;
const EXCHANGE_EVERY = 16;
/** A send that took longer than this is an outlier, not a delivery time to imitate. */
const MAX_SAMPLE_MS = 3000;
/**
 * Before any delivery was ever measured (a new deployment's first challenges): SES SendEmail
 * times as commonly seen from Lambda in the same region, drawn uniformly from these ranges.
 */
const PRIOR = { warm: [40, 140], cold: [150, 450] } as const;

type Kind = 'warm' | 'cold';

export class DeliveryTimings {
  private readonly local: number[] = [];
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

  /** A real delivery took `ms`. */
  record(ms: number): void {
    const sample = Math.min(Math.max(ms, 0), MAX_SAMPLE_MS);
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
    if (samples.length > 0) return samples[randomInt(0, samples.length)] as number;
    const [low, high] = PRIOR[kind];
    return randomInt(low, high + 1);
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

/** A decoy's pause. */
export function pause(timings: DeliveryTimings): Promise<void> {
  return new Promise((done) => setTimeout(done, timings.draw()));
}

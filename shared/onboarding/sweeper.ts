import * as v from 'valibot';
import { checkEvent } from '../events/parse.js';
import { logger } from '../logging/index.js';
import { countMetric, METRIC } from '../observability/metrics.js';
import { DEADLINE_RESERVE_MS, isSettled } from '../storage/claims.js';
import { readItem } from '../storage/items.js';
import type { OnboardingDependencies } from './dependencies.js';
import { isSettledOutcome, runEffects } from './effects.js';
import {
  closeEntry,
  dueEntries,
  OUTBOX_SHARDS,
  type OutboxEntry,
  parseEntry,
  postponeEntry,
} from './outbox.js';

/**
 * The onboarding sweeper (`functions/onboarding-sweeper.ts`, every minute): completes the effects
 * post confirmation left pending (deferred for lack of time, failed, of unknown outcome under an
 * at-least-once policy, or held by an invocation that died), through the same claims and policies
 * as post confirmation (`./effects.ts`), so a sweep racing a retried trigger still does each effect
 * once. An entry whose effects are all settled is deleted; one still pending is looked at again
 * later, each time later (`backoffMs`), until its effects' attempts run out: then they are closed,
 * logged as errors and counted (`OnboardingEffectAbandoned`, alarmed).
 */
export interface SweepReport {
  /** Entries due and looked at. */
  entries: number;
  /** Entries whose effects are all settled now (deleted). */
  settled: number;
  /** Entries left pending for a later sweep. */
  pending: number;
  /** Entries that cannot be read (logged, counted, set aside for a day). */
  unreadable: number;
  /** Entries not reached before this invocation's deadline (the next sweep takes them). */
  notReached: number;
}

/** Entries read per shard per sweep, and looked at side by side. */
const ENTRIES_PER_SHARD = 100;
const CONCURRENCY = 8;
/** When the sweeper looks again at an entry it could not settle: 1, 2, 4, ... minutes, at most 15. */
export const backoffMs = (sweeps: number) => Math.min(60_000 * 2 ** sweeps, 15 * 60_000);
const UNREADABLE_RETRY_MS = 24 * 3600_000;
/** No entry is started with less than this left: one SES attempt, and the writes around it. */
const ENTRY_BUDGET_MS = 3_000 + DEADLINE_RESERVE_MS;

/**
 * The event that starts a sweep: EventBridge's scheduled event (serverless.yml, `rate(1 minute)`).
 * The sweep takes nothing from it: whoever can invoke the function can only make it complete what
 * the outbox already holds, sooner.
 */
export const sweepEventSchema = v.looseObject({
  source: v.literal('aws.events'),
  'detail-type': v.literal('Scheduled Event'),
  time: v.pipe(v.string(), v.isoTimestamp()),
});

export type SweepEvent = v.InferOutput<typeof sweepEventSchema>;

export const parseSweepEvent = (input: unknown): SweepEvent => checkEvent(sweepEventSchema, input);

export async function sweepOutbox(deps: OnboardingDependencies): Promise<SweepReport> {
  const report: SweepReport = { entries: 0, settled: 0, pending: 0, unreadable: 0, notReached: 0 };
  const now = deps.now();
  const shards = await Promise.all(
    Array.from({ length: OUTBOX_SHARDS }, (_, shard) => dueEntries(shard, now, ENTRIES_PER_SHARD)),
  );
  const queue = shards.flat();
  report.entries = queue.length;
  const worker = async () => {
    for (let raw = queue.shift(); raw !== undefined; raw = queue.shift()) {
      if (deps.deadline - Date.now() < ENTRY_BUDGET_MS) {
        report.notReached++;
        continue;
      }
      const entry = parseEntry(raw);
      if ('unreadable' in entry) {
        report.unreadable++;
        await setAside(raw, entry.unreadable, deps);
        continue;
      }
      (await sweepEntry(entry, deps)) ? report.settled++ : report.pending++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (report.entries > 0) logger.info('onboarding outbox swept', { ...report });
  return report;
}

/** Runs what one entry still has pending; true when all of it is settled (the entry is deleted). */
async function sweepEntry(entry: OutboxEntry, deps: OnboardingDependencies): Promise<boolean> {
  const item = { pk: entry.itemPk, sk: entry.itemSk };
  const state = await readItem(item);
  const pending = entry.effects.filter((spec) => !isSettled(state, spec.step));
  if (pending.length === 0) {
    await closeEntry(item);
    return true;
  }
  const results = await runEffects(item, pending, deps, 'sweeper');
  if (results.every((result) => isSettledOutcome(result.outcome))) return true;
  await postponeEntry(entry, deps.now() + backoffMs(entry.sweeps ?? 0));
  return false;
}

/** An entry the sweeper cannot read is a bug, never silently dropped: logged, counted, looked at again in a day. */
async function setAside(raw: Record<string, unknown>, problem: string, deps: OnboardingDependencies) {
  countMetric(METRIC.onboardingEffectAbandoned, {}, { effect: 'unreadable' });
  logger.error('onboarding outbox entry unreadable; set aside for a day', { entry: String(raw.sk), problem });
  await postponeEntry({ pk: String(raw.pk), sk: String(raw.sk) }, deps.now() + UNREADABLE_RETRY_MS);
}

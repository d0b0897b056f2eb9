import {
  type DailyLevels,
  dayOf,
  type LoggedAssessment,
  type RiskAction,
  type RiskLevel,
  type RiskReason,
} from '../risk/contract.js';
import type { SignInEntry } from '../sign-in/history.js';

/**
 * One line of a user's history as the console shows it: a successful sign-in with the
 * assessment that scored it, or an attempt that did not end in a sign-in (blocked, asked for a
 * step-up, or abandoned: a wrong password calls no trigger, so Gatehouse cannot tell which).
 */
export interface TimelineEntry {
  /** Epoch milliseconds. */
  at: number;
  outcome: 'signed-in' | 'blocked' | 'step-up' | 'not-completed';
  /** The assessment's id: what operator feedback (valid / invalid) names. */
  eventId?: string;
  /** The sign-in record's id, for a sign-in. */
  signInId?: string;
  clientId?: string;
  ip?: string;
  network?: string;
  country?: string;
  latitude?: number;
  longitude?: number;
  device?: string;
  userAgent?: string;
  level?: RiskLevel;
  score?: number;
  action?: RiskAction;
  wouldTake?: RiskAction;
  reasons: RiskReason[];
}

const attemptOutcome = (assessment: LoggedAssessment): TimelineEntry['outcome'] => {
  const action = assessment.action === 'allow' ? undefined : assessment.action;
  if (action === 'block') return 'blocked';
  if (action === 'step-up') return 'step-up';
  return 'not-completed';
};

/**
 * Merges the sign-in records and the assessment log into one history, newest first.
 * Post authentication records a sign-in and the engine learns from the very same attempt, so a
 * sign-in and its `success` assessment share their time; pre authentication's assessment of that
 * sign-in shares its event id with the success and is not shown twice.
 */
export function buildTimeline(signIns: SignInEntry[], assessments: LoggedAssessment[]): TimelineEntry[] {
  const successes = new Map<number, LoggedAssessment>();
  const completedEvents = new Set<string>();
  for (const assessment of assessments) {
    if (assessment.outcome !== 'success') continue;
    successes.set(assessment.at, assessment);
    completedEvents.add(assessment.eventId);
  }
  const entries: TimelineEntry[] = signIns.map((record) => {
    const scored = successes.get(record.at);
    return {
      at: record.at,
      outcome: 'signed-in',
      signInId: record.id,
      clientId: record.clientId,
      ...optional({
        eventId: scored?.eventId,
        ip: record.ip,
        network: scored?.network,
        country: record.country,
        latitude: record.latitude,
        longitude: record.longitude,
        device: record.deviceKey ?? record.deviceId,
        userAgent: record.userAgent,
        level: scored?.level,
        score: scored?.score,
        action: scored?.action,
        wouldTake: scored?.wouldTake,
      }),
      reasons: scored?.reasons ?? [],
    };
  });
  for (const assessment of assessments) {
    if (assessment.outcome === 'success' || completedEvents.has(assessment.eventId)) continue;
    // Define auth challenge re-reads the same sign-in: its line is pre authentication's.
    if (
      assessment.outcome === 'challenge' &&
      assessments.some((a) => a.eventId === assessment.eventId && a !== assessment)
    )
      continue;
    entries.push({
      at: assessment.at,
      outcome: attemptOutcome(assessment),
      eventId: assessment.eventId,
      clientId: assessment.clientId,
      ...optional({
        ip: assessment.ip,
        network: assessment.network,
        country: assessment.country,
        device: assessment.deviceId,
        level: assessment.level,
        score: assessment.score,
        action: assessment.action,
        wouldTake: assessment.wouldTake,
      }),
      reasons: assessment.reasons ?? [],
    });
  }
  return entries.sort((a, b) => b.at - a.at);
}

/** The fields whose value is defined (the API answers without `undefined` holes). */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A user's history by day and level (same shape as the pool's chart), for the last `days` days. */
export function dailyLevelsOf(timeline: TimelineEntry[], days: number, now = Date.now()): DailyLevels[] {
  const byDay = new Map<string, DailyLevels>();
  for (let i = days - 1; i >= 0; i--) {
    const day = dayOf(now - i * 86_400_000);
    byDay.set(day, { day, low: 0, medium: 0, high: 0, blocked: 0 });
  }
  for (const entry of timeline) {
    const counted = entry.outcome === 'signed-in' || entry.outcome === 'blocked';
    const bucket = byDay.get(dayOf(entry.at));
    if (!counted || !bucket || !entry.level) continue;
    bucket[entry.level] += 1;
    if (entry.outcome === 'blocked') bucket.blocked += 1;
  }
  return [...byDay.values()];
}

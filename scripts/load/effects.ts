import type { SentMail } from '../local/emulators.js';
import type { PoolUser } from './pool.js';

/** What one user did in the run, as the run saw it (answers of the triggers). */
export interface Expected {
  user: PoolUser;
  role: 'locked' | 'recovering' | 'plain';
  /** Sign-ins that got tokens. */
  signIns: number;
  plannedSignIns: number;
  apiCalls: number;
  /** Wrong-password attempts pre authentication let through (the password check then failed). */
  allowedAttempts: number;
  /** Attempts (wrong or right password) refused as locked. */
  refusedAttempts: number;
  /**
   * Pre authentication calls that failed (timed out) and were tried again: such a call may or may
   * not have counted its attempt, so this user's lockout counts are checked as bounds.
   */
  failedAttemptCalls: number;
}

export interface EffectCheck {
  name: string;
  expected: number;
  found: number;
  ok: boolean;
  /** The first users whose count is off, and how. */
  problems: string[];
}

/**
 * Counts every effect in the table and the mailbox, per user, against what the run did:
 * - one profile and one welcome mail per user, however many times its confirmation was delivered,
 *   and the user in each of its groups (after the run's final sweep of pending effects);
 * - one sign-in history record per sign-in that got tokens (retried deliveries included);
 * - the lockout: a user given `max + 2` wrong passwords had exactly `max` let through and every
 *   later attempt (the right password too) refused, `max + 1` attempts counted (the one that
 *   locked, none after it) and the side locked; anyone who then signed in has a count of 0;
 * - every sign-in led to an allowed API call.
 */
export async function checkEffects(
  expected: Expected[],
  found: { items: Record<string, unknown>[]; mails: SentMail[]; members: Map<string, Set<string>> },
  maxAttempts: number,
): Promise<EffectCheck[]> {
  const byPk = new Map<string, Record<string, unknown>[]>();
  for (const item of found.items) {
    const pk = String(item.pk);
    const list = byPk.get(pk) ?? [];
    list.push(item);
    byPk.set(pk, list);
  }
  const welcomes = new Map<string, number>();
  for (const mail of found.mails) {
    if (!mail.subject.startsWith('Welcome')) continue;
    for (const to of mail.destination.to) welcomes.set(to, (welcomes.get(to) ?? 0) + 1);
  }
  const items = (pk: string, prefix: string) =>
    (byPk.get(pk) ?? []).filter((item) => String(item.sk).startsWith(prefix));

  const checks: EffectCheck[] = [];
  const check = (name: string, rows: Array<[Expected, number, number]>) => {
    const problems = rows
      .filter(([, want, got]) => want !== got)
      .map(([e, want, got]) => `user ${e.user.index} (${e.role}): expected ${want}, found ${got}`);
    checks.push({
      name,
      expected: rows.reduce((sum, [, want]) => sum + want, 0),
      found: rows.reduce((sum, [, , got]) => sum + got, 0),
      ok: problems.length === 0,
      problems: problems.slice(0, 5),
    });
  };

  check(
    'profiles (1 per user)',
    expected.map((e) => [e, 1, items(`USER#${e.user.sub}`, 'PROFILE').length]),
  );
  // A welcome mail whose send had an unknown outcome is never resent (at most once): its user got
  // the one SES accepted, or none. Counted apart, so that none is taken for a loss nor hidden.
  const onboarding = (e: Expected) => items(`USER#${e.user.sub}`, 'ONBOARDING')[0];
  const unknown = (e: Expected) => onboarding(e)?.['closed:welcomeSentAt'] === 'outcome-unknown';
  check(
    'welcome mails (1 per user)',
    expected.filter((e) => !unknown(e)).map((e) => [e, 1, welcomes.get(e.user.email) ?? 0]),
  );
  check(
    'welcome mails of unknown outcome, never resent (at most 1 each; found: delivered)',
    expected.filter(unknown).map((e) => {
      const got = welcomes.get(e.user.email) ?? 0;
      return [e, Math.min(got, 1), got];
    }),
  );
  check(
    'onboarding effects left pending after the final sweep (0)',
    expected.map((e) => [
      e,
      0,
      found.items.filter(
        (item) => String(item.pk).startsWith('OUTBOX#') && String(item.sk).includes(`USER#${e.user.sub}#`),
      ).length,
    ]),
  );
  check(
    'group memberships (every group of each user)',
    expected.map((e) => [
      e,
      e.user.groups.length,
      e.user.groups.filter((group) => found.members.get(group)?.has(e.user.userName)).length,
    ]),
  );
  check(
    'sign-in history records (1 per sign-in)',
    expected.map((e) => [e, e.signIns, items(`USER#${e.user.sub}`, 'SIGNIN#').length]),
  );
  check(
    'sign-ins that got tokens (as planned)',
    expected.map((e) => [e, e.role === 'locked' ? 0 : e.plannedSignIns, e.signIns]),
  );
  check(
    'allowed API calls (1 per sign-in)',
    expected.map((e) => [e, e.signIns, e.apiCalls]),
  );

  const identity = (e: Expected) => `IDENTITY#sub#${e.user.sub}`;
  const counted = (e: Expected) =>
    items(identity(e), 'FAILED#').reduce((sum, item) => sum + Number(item.attempts ?? 0), 0);
  const locked = expected.filter((e) => e.role === 'locked');
  const exact = locked.filter((e) => e.failedAttemptCalls === 0);
  check(
    `wrong passwords let through before the lock (${maxAttempts} per locked user)`,
    exact.map((e) => [e, maxAttempts, e.allowedAttempts]),
  );
  check(
    'attempts refused as locked (2 wrong + the right password per locked user)',
    exact.map((e) => [e, 3, e.refusedAttempts]),
  );
  check(
    `attempts counted in the table (${maxAttempts + 1} per locked user)`,
    exact.map((e) => [e, maxAttempts + 1, counted(e)]),
  );
  // A retried call may have counted before it timed out: at most one more count per failed call.
  const bounded = locked.filter((e) => e.failedAttemptCalls > 0);
  check(
    'attempts counted, locked users with a retried call (between let through + 1 and that + retries)',
    bounded.map((e) => {
      const low = e.allowedAttempts + 1;
      const got = counted(e);
      return [e, low, got >= low && got <= low + e.failedAttemptCalls ? low : got];
    }),
  );
  check(
    'locks written (1 per locked user)',
    locked.map((e) => [e, 1, items(identity(e), 'LOCKED#unfamiliar').length]),
  );
  const signedIn = expected.filter((e) => e.role !== 'locked');
  check(
    'attempts left counted after a success (0 per user who signed in)',
    signedIn.map((e) => [e, 0, counted(e)]),
  );
  check(
    'locks of users who signed in (0)',
    signedIn.map((e) => [e, 0, items(identity(e), 'LOCKED#').length]),
  );
  check(
    'refusals of users never locked (0)',
    signedIn.map((e) => [e, 0, e.refusedAttempts]),
  );
  return checks;
}

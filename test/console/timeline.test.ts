import { describe, expect, it } from 'vitest';
import { buildTimeline, dailyLevelsOf } from '../../shared/console/timeline.js';
import type { LoggedAssessment } from '../../shared/risk/assessment-log.js';
import type { SignInEntry } from '../../shared/sign-in/history.js';

const T = Date.UTC(2026, 11, 3, 12, 0, 0);
const assessment = (over: Partial<LoggedAssessment>): LoggedAssessment => ({
  eventId: 'e',
  at: T,
  clientId: 'web',
  outcome: 'attempt',
  level: 'low',
  score: 0,
  action: 'allow',
  reasons: [],
  ...over,
});
const signIn: SignInEntry = {
  id: 's1',
  at: T + 2000,
  clientId: 'web',
  deviceKey: 'laptop',
  ip: '203.0.113.10',
  country: 'FR',
  latitude: 48.85,
  longitude: 2.35,
  outcome: 'success',
  expiresAt: 0,
};

describe('a user history for the console', () => {
  it('shows a sign-in once, with the score of its success and the place of its record', () => {
    const reasons = [{ signal: 'new-device', points: 20, detail: 'never seen' }];
    const timeline = buildTimeline(
      [signIn],
      [
        assessment({ eventId: 'e1', at: T, reasons }),
        assessment({
          eventId: 'e1',
          at: T + 2000,
          outcome: 'success',
          score: 20,
          reasons,
          network: '203.0.113.0/24',
        }),
      ],
    );
    expect(timeline).toEqual([
      expect.objectContaining({
        outcome: 'signed-in',
        eventId: 'e1',
        signInId: 's1',
        country: 'FR',
        device: 'laptop',
        network: '203.0.113.0/24',
        score: 20,
        reasons,
      }),
    ]);
  });

  it('shows refused and unfinished attempts, newest first, and a re-read by define auth challenge once', () => {
    const timeline = buildTimeline(
      [],
      [
        assessment({ eventId: 'b', at: T + 60_000, action: 'block', level: 'high', score: 100 }),
        assessment({ eventId: 's', at: T + 30_000, action: 'step-up', level: 'medium', score: 40 }),
        assessment({
          eventId: 's',
          at: T + 31_000,
          outcome: 'challenge',
          action: 'step-up',
          level: 'medium',
          score: 40,
        }),
        assessment({ eventId: 'n', at: T }),
      ],
    );
    expect(timeline.map((e) => [e.eventId, e.outcome])).toEqual([
      ['b', 'blocked'],
      ['s', 'step-up'],
      ['n', 'not-completed'],
    ]);
    expect(dailyLevelsOf(timeline, 2, T + HOURS)).toEqual([
      { day: '2026-12-02', low: 0, medium: 0, high: 0, blocked: 0 },
      { day: '2026-12-03', low: 0, medium: 0, high: 1, blocked: 1 },
    ]);
  });
});

const HOURS = 3_600_000;

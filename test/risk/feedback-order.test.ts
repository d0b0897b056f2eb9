import { describe, expect, it } from 'vitest';
import { useLocalEmulators } from '../support/emulators.js';

/** Operator feedback on dynalite: the newest verdict by its time stands, whatever order they arrive in. */
const local = useLocalEmulators();
const NOW = Date.parse('2026-03-14T12:00:00.000Z');

async function verdictItems(userId: string) {
  return (await local.dynamo.scan()).filter((item) => item.pk === `USER#${userId}`);
}

describe('risk feedback keeps the newest verdict', () => {
  it('attack: an older verdict applied last (retry, slow queue, second operator) does not replace a newer one', async () => {
    const { applyRiskFeedback } = await import('../../shared/risk/feedback.js');
    const userId = `feedback-${Date.now()}`;
    const target = { userId, deviceId: 'phone-1', ip: '198.51.100.23' };
    const newer = await applyRiskFeedback(
      { ...target, verdict: 'invalid', at: '2026-03-14T11:30:00.000Z' },
      180,
      NOW,
    );
    expect(newer.superseded).toBeUndefined();
    const older = await applyRiskFeedback(
      { ...target, verdict: 'valid', at: '2026-03-14T11:00:00.000Z' },
      180,
      NOW + 1_000,
    );
    expect(older).toMatchObject({ verdict: 'valid', superseded: true });
    const items = await verdictItems(userId);
    expect(items.map((item) => [item.sk, item.trust]).sort()).toEqual([
      ['RISK#device#phone-1', 'distrusted'],
      ['RISK#network#198.51.100.0/24', 'distrusted'],
    ]);
    const newest = await applyRiskFeedback(
      { ...target, verdict: 'valid', at: '2026-03-14T11:45:00.000Z' },
      180,
      NOW + 2_000,
    );
    expect(newest.superseded).toBeUndefined();
    expect((await verdictItems(userId)).every((item) => item.trust === 'trusted')).toBe(true);
  });

  it('a verdict without a time is applied at its arrival, and a verdict from the future is refused', async () => {
    const { applyRiskFeedback } = await import('../../shared/risk/feedback.js');
    const userId = `feedback-now-${Date.now()}`;
    await applyRiskFeedback({ userId, verdict: 'invalid', deviceId: 'd' }, 180, NOW);
    expect((await verdictItems(userId))[0]).toMatchObject({ at: NOW, trust: 'distrusted' });
    await expect(
      applyRiskFeedback(
        { userId, verdict: 'valid', deviceId: 'd', at: '2026-03-15T12:00:00.000Z' },
        180,
        NOW,
      ),
    ).rejects.toMatchObject({ code: 'RISK_FEEDBACK_IN_FUTURE' });
  });
});

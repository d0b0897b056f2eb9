import { describe, expect, it } from 'vitest';
import { DEADLINE_MARGIN_MS, withInvocationDeadline } from '../../shared/aws/deadline.js';
import { useLocalEmulators } from '../support/emulators.js';

/**
 * The senders' sent-marker under the deadline, on dynalite: a claim is a lease until the
 * invocation's deadline and final only once the message went out. An invocation that dies (or runs
 * out of time, or cannot release its claim because the table failed too) holding a claim must not
 * make Lambda's retry skip the message; a message that went out must never be sent again.
 */
useLocalEmulators();

const remaining = (ms: number) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};
const sleep = (ms: number) => new Promise((resume) => setTimeout(resume, ms));

describe('sent-marker lease', () => {
  it('a claim left by an invocation that died lapses with its deadline: the retry sends', async () => {
    const { tableSentMarkers } = await import('../../shared/senders/sent-marker.js');
    const markers = tableSentMarkers(900);
    const digest = `lease-died-${Math.random()}`;
    // The first invocation claims, then dies before sending (no release, no `sent`).
    await withInvocationDeadline(remaining(DEADLINE_MARGIN_MS + 300), async () => {
      expect(await markers.claim(digest)).toBe(true);
    });
    // A duplicate delivery while the lease stands: another invocation may still be sending.
    expect(await markers.claim(digest)).toBe(false);
    await sleep(400);
    // Lambda's retry, after the lease: it sends.
    expect(await markers.claim(digest)).toBe(true);
  });

  it('a message that went out is never sent again, lease or not', async () => {
    const { tableSentMarkers } = await import('../../shared/senders/sent-marker.js');
    const markers = tableSentMarkers(900);
    const digest = `lease-sent-${Math.random()}`;
    await withInvocationDeadline(remaining(DEADLINE_MARGIN_MS + 300), async () => {
      expect(await markers.claim(digest)).toBe(true);
      await markers.sent(digest);
    });
    await sleep(400);
    expect(await markers.claim(digest)).toBe(false);
  });
});

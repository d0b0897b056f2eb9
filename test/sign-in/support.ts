import { randomUUID } from 'node:crypto';
import { vi } from 'vitest';
import type { LocalDynamo } from '../../scripts/local/emulators.js';
import type { PostAuthenticationEvent } from '../../shared/events/index.js';
import { signContext } from '../../shared/risk/context.js';
import type { RiskHooks } from '../../shared/risk/contract.js';
import type { SignInSettings } from '../../shared/sign-in/settings.js';
import { sampleEvent } from '../support/events.js';

/**
 * What the sign-in tests (and the custom-auth ones that count on the same lockout) share: the
 * signed context an app sends, a success through post authentication, and the attempts counted
 * per lockout side, read from dynalite.
 */
export interface TestUser {
  sub: string;
  userName: string;
}

export const CLIENT = '3example0clientid0000000000';
export const HOME = { ip: '198.51.100.7', deviceId: 'laptop-1' };

/**
 * A context as the endpoint signs it for `userName` at `at`, with the secret the triggers read
 * (`RISK_CONTEXT_SECRET`, set by the test file): a fresh nonce each time.
 */
export function signed(
  userName: string,
  at: number,
  options: {
    place?: { ip: string; deviceId: string };
    clientId?: string;
    extra?: Record<string, string>;
  } = {},
): Record<string, string> {
  const secret = process.env.RISK_CONTEXT_SECRET;
  if (!secret) throw new Error('signed(): the test file sets no RISK_CONTEXT_SECRET');
  const place = options.place ?? HOME;
  const fields = {
    username: userName,
    clientId: options.clientId ?? CLIENT,
    ip: place.ip,
    deviceId: place.deviceId,
    timestamp: String(Math.floor(at / 1000)),
    nonce: randomUUID(),
  };
  return { ...fields, signature: signContext(fields, secret), ...options.extra };
}

/**
 * The user's success through post authentication, with `context` as its ClientMetadata (no Cognito
 * groups). Imported when called: the emulators' settings are in place by then.
 */
export async function succeed(
  user: TestUser,
  context: Record<string, string>,
  at: number,
  settings: SignInSettings,
  risk: RiskHooks,
): Promise<void> {
  const { postAuthentication } = await import('../../shared/sign-in/post-authentication.js');
  const e = sampleEvent<PostAuthenticationEvent>('PostAuthentication_Authentication');
  e.userName = user.userName;
  e.callerContext.clientId = CLIENT;
  e.request.userAttributes = { ...e.request.userAttributes, sub: user.sub };
  e.request.clientMetadata = context;
  await postAuthentication(e, settings, risk, at, async () => []);
}

/** Attempts counted per lockout side for the known user `sub`, all windows. */
export async function sides(dynamo: Pick<LocalDynamo, 'scan'>, sub: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const item of await dynamo.scan()) {
    const match = /^FAILED#(\w+)#/.exec(String(item.sk));
    if (item.pk === `IDENTITY#sub#${sub}` && match)
      counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(item.attempts);
  }
  return counts;
}

/**
 * The commands `work` sends to the table (sorted by name), and its round trips: calls in flight
 * together count once.
 */
export async function storeCalls(work: () => Promise<unknown>) {
  const { documentClient } = await import('../../shared/storage/table.js');
  const client = documentClient();
  const original = client.send.bind(client);
  let inFlight = 0;
  let roundTrips = 0;
  const spy = vi.spyOn(client, 'send').mockImplementation((async (...args: Parameters<typeof original>) => {
    if (inFlight++ === 0) roundTrips++;
    try {
      return await original(...args);
    } finally {
      inFlight--;
    }
  }) as typeof client.send);
  try {
    await work();
    return { roundTrips, commands: spy.mock.calls.map(([command]) => command.constructor.name).sort() };
  } finally {
    spy.mockRestore();
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionLoaders, functionNames, localContext } from '../../scripts/local/registry.js';
import { GENERIC_USER_MESSAGE, UserFacingError } from '../../shared/errors/index.js';
import { useLocalEmulators } from '../support/emulators.js';
import { listSampleEvents, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';
import { type CognitoStandIn, startCognitoStandIn } from '../support/stand-ins.js';

/**
 * Every function on every one of its sample events, against the real local emulators: whatever
 * each trigger decides, it answers with an object or a deliberate message, logs structured JSON,
 * and never logs a secret of the event nor the event itself.
 */
useLocalEmulators();

// The account-takeover mail looks its user up (AdminGetUser): a Cognito stand-in that knows the sample's user.
let cognito: CognitoStandIn;
beforeAll(async () => {
  cognito = await startCognitoStandIn();
  cognito.users.set('4a6f3c1e-8d2b-4b8a-9f3e-2c1d0e9b7a65', { email: 'jane.doe@example.com', locale: 'en' });
  process.env.COGNITO_ENDPOINT = cognito.endpoint;
});
afterAll(() => cognito?.stop());

const SECRET_FIELDS = /^(password|code|challengeAnswer|authorizationToken|authorization)$/i;

/** Every string under a field that carries a secret, e.g. the migrating password or the code. */
function secretsOf(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return SECRET_FIELDS.test(key) && value.length >= 4 ? [value] : [];
  if (value === null || typeof value !== 'object') return [];
  if (key === 'privateChallengeParameters') return Object.values(value).filter((v) => typeof v === 'string');
  return Object.entries(value).flatMap(([k, v]) => secretsOf(v, k));
}

const cases = listSampleEvents().map(
  (s) => [`${s.functionName} / ${s.name}`, s.functionName, s.name] as const,
);

describe('every function on every sample event', () => {
  it('has a sample event for every function and a function for every sample folder', () => {
    const folders = new Set(listSampleEvents().map((s) => s.functionName));
    expect([...folders].sort()).toEqual([...functionNames].sort());
  });

  it.each(cases)('%s', async (_, functionName, eventName) => {
    const event = sampleEvent(eventName);
    const secrets = secretsOf(event);
    const { handler } = await functionLoaders[functionName]!();
    const { result, error, output } = await captureOutput(() => handler(event, localContext(functionName)));
    if (error !== undefined) expect(error).toBeInstanceOf(UserFacingError);
    else expect(result).toBeTypeOf('object');
    const lines = logLines(output);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatchObject({ message: 'completed', function: functionName });
    for (const secret of secrets) expect(output).not.toContain(secret);
    expect(output).not.toContain('"request":');
  });

  it('turns a malformed event into the generic message and logs the bad field', async () => {
    const event = sampleEvent<any>('PreSignUp_SignUp');
    event.request.userAttributes.email = 42;
    const { handler } = await functionLoaders['pre-sign-up']!();
    const { error, output } = await captureOutput(() => handler(event, localContext('pre-sign-up')));
    expect((error as Error).message).toBe(GENERIC_USER_MESSAGE);
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({ message: 'invalid event', path: 'request.userAttributes.email' }),
    );
  });
});

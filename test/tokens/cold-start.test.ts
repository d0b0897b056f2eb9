import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalDynamo, localEnvironment, startLocalDynamo } from '../../scripts/local/emulators.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput } from '../support/logs.js';

/** The pre token generation function itself refuses a bad configuration when it loads. */
// The handler reads the user's profile and risk state: a real (local) table behind it.
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  Object.assign(process.env, localEnvironment(dynamo));
});
afterAll(async () => dynamo?.stop());

describe('pre token generation at cold start', () => {
  afterEach(() => {
    vi.doUnmock('../../config/gatehouse.json');
    vi.resetModules();
  });

  it('fails to load when the bundled configuration changes an immutable claim, naming it', async () => {
    vi.resetModules();
    vi.doMock('../../config/gatehouse.json', () => ({
      default: { tokens: { clients: { web: { accessTokenClaims: { client_id: 'spoofed' } } } } },
    }));
    await expect(import('../../functions/pre-token-generation.js')).rejects.toThrow(
      'Setting tokens.clients.web.accessTokenClaims.client_id: Cognito never lets a trigger change the claim "client_id"',
    );
  });

  it('loads with a valid one, and its handler then adds the configured claim', async () => {
    vi.resetModules();
    vi.doMock('../../config/gatehouse.json', () => ({
      default: { tokens: { idTokenClaims: { plan: 'gold' } } },
    }));
    const { handler } = await import('../../functions/pre-token-generation.js');
    const event = sampleEvent<any>('TokenGeneration_Authentication.V2_0');
    const { result, error } = await captureOutput(() => handler(event, lambdaContext()));
    expect(error).toBeUndefined();
    expect(
      (result as any).response.claimsAndScopeOverrideDetails.idTokenGeneration.claimsToAddOrOverride,
    ).toMatchObject({ plan: 'gold' });
  });
});

import { describe, expect, it } from 'vitest';
import type { TokenGenerationV3ClientCredentialsEvent } from '../../shared/events/index.js';
import { parseTokenGenerationEvent } from '../../shared/events/parse.js';
import { triggerHandler } from '../../shared/middleware/index.js';
import { preTokenGeneration } from '../../shared/tokens/pre-token-generation.js';
import { loadTokenSettings } from '../../shared/tokens/settings.js';
import { lambdaContext, sampleEvent } from '../support/events.js';

/**
 * Machine-to-machine tokens: a client-credentials event has no user. Whatever Cognito leaves
 * out or nulls (userName, userAttributes, groupConfiguration), the whole function (parse, core,
 * middleware) still gives the client its configured scopes and claims.
 */
const MACHINE = 'machineclient00000000000000';
const settings = loadTokenSettings({
  env: {},
  file: {
    tokens: {
      machineClients: {
        [MACHINE]: { scopes: ['gatehouse-api/reports.read'], claims: { tenant_id: 'acme', tier: 2 } },
      },
    },
  },
});
const handler = triggerHandler({
  name: 'pre-token-generation',
  parse: parseTokenGenerationEvent,
  core: (event) => preTokenGeneration(event, settings),
});

type Variant = [string, (event: Record<string, any>) => void];
const variants: Variant[] = [
  ['userName is the client id (Cognito sample)', (e) => (e.userName = MACHINE)],
  ['userName absent', (e) => delete e.userName],
  ['userName null', (e) => (e.userName = null)],
  ['userAttributes absent', (e) => delete e.request.userAttributes],
  ['userAttributes null', (e) => (e.request.userAttributes = null)],
  ['groupConfiguration absent', (e) => delete e.request.groupConfiguration],
  ['groupConfiguration null', (e) => (e.request.groupConfiguration = null)],
  [
    'no user at all: userName null, no userAttributes, no groupConfiguration, no scopes',
    (e) => {
      e.userName = null;
      delete e.request.userAttributes;
      delete e.request.groupConfiguration;
      delete e.request.scopes;
    },
  ],
];

describe('client-credentials events without a user get their scopes and claims', () => {
  it.each(variants)('%s', async (_, change) => {
    const event = sampleEvent<Record<string, any>>('TokenGeneration_ClientCredentials.V3_0');
    event.callerContext.clientId = MACHINE;
    change(event);
    const result = (await handler(
      event,
      lambdaContext('pre-token-generation'),
    )) as TokenGenerationV3ClientCredentialsEvent;
    const access = result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration;
    expect(access?.scopesToAdd).toEqual(['gatehouse-api/reports.read']);
    expect(access?.claimsToAddOrOverride).toEqual({ tenant_id: 'acme', tier: 2 });
  });

  it('the sample event with no user parses and is answered', async () => {
    const event = sampleEvent<Record<string, any>>('TokenGeneration_ClientCredentials.V3_0.no-user');
    expect(event.userName).toBeNull();
    expect(event.request).not.toHaveProperty('userAttributes');
    event.callerContext.clientId = MACHINE;
    const result = (await handler(event, lambdaContext())) as TokenGenerationV3ClientCredentialsEvent;
    expect(result.response.claimsAndScopeOverrideDetails?.accessTokenGeneration?.scopesToAdd).toEqual([
      'gatehouse-api/reports.read',
    ]);
  });

  it.each([
    ['userName a number', (e: Record<string, any>) => (e.userName = 42), 'userName:'],
    [
      'userAttributes not a map',
      (e: Record<string, any>) => (e.request.userAttributes = 'x'),
      'request.userAttributes:',
    ],
    [
      'no callerContext.clientId',
      (e: Record<string, any>) => delete e.callerContext.clientId,
      'callerContext.clientId:',
    ],
  ])('still refuses a malformed one, naming the field: %s', (_, change, message) => {
    const event = sampleEvent<Record<string, any>>('TokenGeneration_ClientCredentials.V3_0');
    change(event);
    expect(() => parseTokenGenerationEvent(event)).toThrow(message);
  });

  it('a user sign-in (V3) still needs its userName', () => {
    const event = sampleEvent<Record<string, any>>('TokenGeneration_Authentication.V3_0');
    event.userName = null;
    expect(() => parseTokenGenerationEvent(event)).toThrow('userName:');
  });
});

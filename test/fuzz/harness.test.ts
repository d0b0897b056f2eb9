import { describe, expect, it } from 'vitest';
import type { LocalHandler } from '../../scripts/local/registry.js';
import { parseMigrateUserEvent, parsePreSignUpEvent } from '../../shared/events/parse.js';
import { logger } from '../../shared/logging/index.js';
import { triggerHandler } from '../../shared/middleware/index.js';
import { fuzzTarget } from './harness.js';
import { fuzzTargets } from './targets.js';

/**
 * The fuzz judge attacked: functions that break each rule on purpose must fail the run. Without
 * these, a judge that never fails would pass every function.
 */
const target = (name: string) => fuzzTargets.find((t) => t.name === name)!;
const fewRuns = { accepted: 60, refused: 60, seed: 7 };

async function verdict(name: string, handler: LocalHandler): Promise<string> {
  try {
    await fuzzTarget(target(name), handler, fewRuns);
    return 'passed';
  } catch (error) {
    // fast-check reports the property's own error as the cause.
    const failure = error as Error & { cause?: Error };
    return `${failure.message}\n${failure.cause?.message ?? ''}`;
  }
}

describe('fuzz judge', () => {
  it('fails a function that logs the password', async () => {
    const leaky = triggerHandler({
      name: 'migrate-user',
      parse: parseMigrateUserEvent,
      core: async (event) => {
        logger.info('migrating', { password: event.request.password });
        return event;
      },
    }) as unknown as LocalHandler;
    expect(await verdict('migrate-user', leaky)).toMatch(/a secret reached the logs/);
  });

  it('fails a function whose error shows an SDK error name to Cognito', async () => {
    const { UserFacingError } = await import('../../shared/errors/index.js');
    const chatty = triggerHandler({
      name: 'pre-sign-up',
      parse: parsePreSignUpEvent,
      core: async () => {
        throw new UserFacingError('X', 'ConditionalCheckFailedException: The conditional request failed');
      },
    }) as unknown as LocalHandler;
    expect(await verdict('pre-sign-up', chatty)).toMatch(/shows internals/);
  });

  it('fails a pre sign-up that verifies an email the user does not have', async () => {
    const reckless = triggerHandler({
      name: 'pre-sign-up',
      parse: parsePreSignUpEvent,
      core: async (event) => {
        event.response = { autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false };
        return event;
      },
    }) as unknown as LocalHandler;
    expect(await verdict('pre-sign-up', reckless)).toMatch(/autoVerifyEmail without an email/);
  });

  it('fails a function that answers an event its schema refuses', async () => {
    const lax = (async (event: unknown) => event) as LocalHandler;
    expect(await verdict('post-confirmation', lax)).toMatch(
      /schema refuses was answered|changed the response|envelope/,
    );
  });

  it('fails an authorizer that answers a malformed event with a 500', async () => {
    const failing = (async () => {
      throw new Error('Authorizer failure');
    }) as LocalHandler;
    expect(await verdict('authorizer', failing)).toMatch(/not Unauthorized/);
  });

  it('passes a function that keeps every rule', async () => {
    const { handler } = await import('../../functions/custom-message.js');
    expect(await verdict('custom-message', handler as unknown as LocalHandler)).toBe('passed');
  });
});

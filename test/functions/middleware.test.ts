import { describe, expect, it } from 'vitest';
import { GENERIC_USER_MESSAGE, UserFacingError } from '../../shared/errors/index.js';
import { parsePreSignUpEvent } from '../../shared/events/parse.js';
import { triggerHandler } from '../../shared/middleware/index.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

function handlerThatThrows(error: unknown) {
  return triggerHandler({
    name: 'test-trigger',
    parse: parsePreSignUpEvent,
    core: async () => {
      throw error;
    },
  });
}

describe('the trigger error policy', () => {
  it('lets a deliberate user-facing message through, as it is', async () => {
    const handler = handlerThatThrows(new UserFacingError('SIGNUP_CLOSED', 'Sign-up is closed.'));
    const { error, output } = await captureOutput(() =>
      handler(sampleEvent('PreSignUp_SignUp'), lambdaContext()),
    );
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toBe('Sign-up is closed.');
    expect(logLines(output)).toContainEqual(
      expect.objectContaining({ message: 'completed', outcome: 'rejected' }),
    );
  });

  it('replaces any other failure with the generic message and logs the cause chain', async () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.1:443');
    const handler = handlerThatThrows(new Error('profile store unreachable', { cause }));
    const { error, output } = await captureOutput(() =>
      handler(sampleEvent('PreSignUp_SignUp'), lambdaContext()),
    );
    expect((error as Error).message).toBe(GENERIC_USER_MESSAGE);
    const failure = logLines(output).find((l) => l.message === 'unexpected failure');
    expect(failure).toMatchObject({
      level: 'ERROR',
      error: {
        message: 'profile store unreachable',
        cause: { message: 'connect ECONNREFUSED 10.0.0.1:443' },
      },
      triggerSource: 'PreSignUp_SignUp',
    });
  });

  it('returns the same event object it was given when the core does', async () => {
    const handler = triggerHandler({ name: 't', parse: parsePreSignUpEvent, core: async (e) => e });
    const event = sampleEvent('PreSignUp_SignUp');
    const { result } = await captureOutput(() => handler(event, lambdaContext()));
    expect(result).toBe(event);
  });
});

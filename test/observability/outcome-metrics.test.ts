/**
 * The outcome metrics every function emits through the shared middleware (EMF on stdout, read back
 * as CloudWatch would extract them): the names and dimensions the alarms and the dashboard of
 * serverless.yml select on.
 */
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../shared/errors/index.js';
import { parsePreSignUpEvent } from '../../shared/events/parse.js';
import { triggerHandler } from '../../shared/middleware/index.js';
import { emfMetrics, metricsNamed, seriesOf } from '../support/emf.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput } from '../support/logs.js';

function trigger(core: () => Promise<unknown>) {
  return triggerHandler({ name: 'pre-sign-up', parse: parsePreSignUpEvent, core });
}

describe('outcome metrics', () => {
  it('counts a refusal by function (what the errors alarm subtracts) and by refusal code', async () => {
    const handler = trigger(async () => {
      throw new UserFacingError('SIGNUP_DOMAIN_NOT_ALLOWED', 'Sign-up is not open to this domain.');
    });
    const { output } = await captureOutput(() => handler(sampleEvent('PreSignUp_SignUp'), lambdaContext()));
    for (const refused of metricsNamed(output, 'Refused')) {
      expect(refused).toMatchObject({ namespace: 'Gatehouse', unit: 'Count', value: 1 });
    }
    expect(seriesOf(output, 'Refused')).toEqual([
      { service: 'gatehouse', function: 'pre-sign-up' },
      { service: 'gatehouse', function: 'pre-sign-up', code: 'SIGNUP_DOMAIN_NOT_ALLOWED' },
    ]);
    expect(metricsNamed(output, 'Failed')).toEqual([]);
    expect(metricsNamed(output, 'Succeeded')).toEqual([]);
  });

  it('counts an unexpected failure as Failed, with no code (the message the user sees is generic)', async () => {
    const handler = trigger(async () => {
      throw new Error('table unreachable');
    });
    const { output } = await captureOutput(() => handler(sampleEvent('PreSignUp_SignUp'), lambdaContext()));
    const [failed] = metricsNamed(output, 'Failed');
    expect(failed!.dimensionSets).toEqual([{ service: 'gatehouse', function: 'pre-sign-up' }]);
    expect(metricsNamed(output, 'Refused')).toEqual([]);
    expect(output).not.toContain('table unreachable","_aws');
  });

  it('counts a success and its duration in milliseconds, in one line', async () => {
    const handler = trigger(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return {};
    });
    const { output } = await captureOutput(() => handler(sampleEvent('PreSignUp_SignUp'), lambdaContext()));
    const names = emfMetrics(output).map((m) => m.name);
    expect(names).toEqual(['Succeeded', 'Duration']);
    const [duration] = metricsNamed(output, 'Duration');
    expect(duration!.unit).toBe('Milliseconds');
    expect(duration!.value).toBeGreaterThanOrEqual(15);
    expect(duration!.dimensionSets).toEqual([{ service: 'gatehouse', function: 'pre-sign-up' }]);
  });
});

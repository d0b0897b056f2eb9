import { describe, expect, it } from 'vitest';
import {
  challengeId,
  challengeKind,
  type DefineDecision,
  nextStep,
} from '../../shared/custom-auth/state-machine.js';
import type { ChallengeName, ChallengeResult } from '../../shared/events/index.js';

const entry = (
  challengeName: ChallengeName,
  challengeResult: boolean,
  challengeMetadata?: string,
): ChallengeResult => ({
  challengeName,
  challengeResult,
  ...(challengeMetadata !== undefined ? { challengeMetadata } : {}),
});
const params = entry('CUSTOM_CHALLENGE', false, 'PROVIDE_AUTH_PARAMETERS');
const code = (ok: boolean) => entry('CUSTOM_CHALLENGE', ok, 'EMAIL_CODE:c1');
const link = (ok: boolean) => entry('CUSTOM_CHALLENGE', ok, 'MAGIC_LINK:l1');
const stepUp = (ok: boolean) => entry('CUSTOM_CHALLENGE', ok, 'STEP_UP:s1');
const srp = entry('SRP_A', true);
const password = (ok: boolean) => entry('PASSWORD_VERIFIER', ok);

const custom: DefineDecision = { action: 'challenge', challengeName: 'CUSTOM_CHALLENGE' };
const tokens: DefineDecision = { action: 'issue-tokens' };
const fail = (reason: string) => ({ action: 'fail', reason });

describe('define auth challenge: every transition', () => {
  const cases: [string, ChallengeResult[], boolean, unknown][] = [
    // passwordless
    ['start: the parameters challenge', [], false, custom],
    ['parameters given: the code or link challenge', [params], false, custom],
    ['right code: tokens', [params, code(true)], false, tokens],
    ['right link: tokens', [params, link(true)], false, tokens],
    ['one wrong code: try again', [params, code(false)], false, custom],
    ['two wrong codes: try again', [params, code(false), code(false)], false, custom],
    [
      'three wrong codes: fail',
      [params, code(false), code(false), code(false)],
      false,
      fail('too-many-answers'),
    ],
    ['right after two wrong: tokens', [params, code(false), code(false), code(true)], false, tokens],
    ['unknown user starts like anyone', [], true, custom],
    ['unknown user gets the decoy challenge', [params], true, custom],
    ['unknown user can never win', [params, code(true)], true, fail('user-not-found')],
    [
      'unknown user fails after the limit',
      [params, code(false), code(false), code(false)],
      true,
      fail('too-many-answers'),
    ],
    // password then step-up
    [
      'SRP_A: the password verifier',
      [srp],
      false,
      { action: 'challenge', challengeName: 'PASSWORD_VERIFIER' },
    ],
    ['right password: the policy decides', [srp, password(true)], false, { action: 'decide-step-up' }],
    ['wrong password: fail', [srp, password(false)], false, fail('wrong-password')],
    ['right step-up code: tokens', [srp, password(true), stepUp(true)], false, tokens],
    ['wrong step-up code: try again', [srp, password(true), stepUp(false)], false, custom],
    [
      'too many wrong step-up codes',
      [srp, password(true), stepUp(false), stepUp(false), stepUp(false)],
      false,
      fail('too-many-answers'),
    ],
    // out of order
    ['a code challenge before the parameters', [code(true)], false, fail('out-of-order')],
    [
      'the parameters challenge "answered right"',
      [entry('CUSTOM_CHALLENGE', true, 'PROVIDE_AUTH_PARAMETERS')],
      false,
      fail('out-of-order'),
    ],
    [
      'unknown challenge metadata',
      [params, entry('CUSTOM_CHALLENGE', true, 'SOMETHING:1')],
      false,
      fail('out-of-order'),
    ],
    ['no challenge metadata', [params, entry('CUSTOM_CHALLENGE', true)], false, fail('out-of-order')],
    ['a step-up code without a password', [params, stepUp(true)], false, fail('out-of-order')],
    ['an email code after the password', [srp, password(true), code(true)], false, fail('out-of-order')],
    ['PASSWORD_VERIFIER first', [password(true)], false, fail('out-of-order')],
    ['SRP_A failed', [entry('SRP_A', false)], false, fail('out-of-order')],
    ['something else after SRP_A', [srp, entry('SMS_MFA', true)], false, fail('out-of-order')],
    ['a result after success', [params, code(true), code(false)], false, fail('out-of-order')],
    ['SMS_MFA', [entry('SMS_MFA', true)], false, fail('out-of-order')],
    [
      'a foreign challenge in the middle',
      [params, code(false), entry('SOFTWARE_TOKEN_MFA', true)],
      false,
      fail('out-of-order'),
    ],
  ];
  it.each(cases)('%s', (_, session, userNotFound, expected) => {
    expect(nextStep(session, { userNotFound, maxAnswers: 3 })).toEqual(expected);
  });

  it('reads kind and id from challengeMetadata', () => {
    expect(challengeKind('EMAIL_CODE:abc')).toBe('EMAIL_CODE');
    expect(challengeId('EMAIL_CODE:abc')).toBe('abc');
    expect(challengeKind('PROVIDE_AUTH_PARAMETERS')).toBe('PROVIDE_AUTH_PARAMETERS');
    expect(challengeId('PROVIDE_AUTH_PARAMETERS')).toBeUndefined();
    expect(challengeKind(null)).toBeUndefined();
  });
});

/** The local stack's pure parts: what the demo reads from cognito-local and prints. */
import { describe, expect, it } from 'vitest';
import { parseDeliveries } from '../../scripts/local/cognito';
import { deepMerge, functionKey } from '../../scripts/local/stack';
import { describeInvocation, functionOf } from '../../scripts/local/story-kit';
import { decodeClaims, tamperWithToken } from '../../scripts/local/verify-token';

describe('parseDeliveries', () => {
  it('reads each code cognito-local prints in its box', () => {
    const lines = [
      '[1795317139812] INFO: abc NONE ╭──────────────────────────────────────────╮',
      '│                                          │',
      '│   Confirmation Code Delivery             │',
      '│                                          │',
      '│   Username:      3df834f7-965c           │',
      '│   Destination:   ann@example.org         │',
      '│   Code:          123456                  │',
      '│   Email Subject: Your code               │',
      '│                                          │',
      '╰──────────────────────────────────────────╯',
      'unrelated line',
    ];
    expect(parseDeliveries(lines)).toEqual([
      { destination: 'ann@example.org', code: '123456', subject: 'Your code', message: undefined },
    ]);
  });
});

describe('deepMerge', () => {
  it('merges objects key by key and replaces lists', () => {
    expect(deepMerge({ a: { b: 1, c: [1] }, d: 1 }, { a: { c: [2] }, e: 2 })).toEqual({
      a: { b: 1, c: [2] },
      d: 1,
      e: 2,
    });
  });
});

describe('names', () => {
  it.each([
    ['pre-sign-up', 'preSignUp'],
    ['authorizer', 'authorizer'],
    ['verify-auth-challenge', 'verifyAuthChallenge'],
  ])('%s is the serverless.yml key %s and back', (name, key) => {
    expect(functionKey(name)).toBe(key);
    expect(functionOf(`gatehouse-local-${key}`)).toBe(name);
  });
});

describe('describeInvocation', () => {
  const at = 0;
  it.each([
    [
      { triggerSource: 'PreSignUp_SignUp', response: { autoConfirmUser: true, autoVerifyEmail: true } },
      'pre-sign-up (PreSignUp_SignUp) → allowed, autoConfirmUser, autoVerifyEmail',
    ],
    [{ triggerSource: 'CustomMessage_SignUp', response: {} }, "Cognito's default message"],
    [
      {
        triggerSource: 'TokenGeneration_Authentication',
        response: { claimsOverrideDetails: { claimsToAddOrOverride: { tenant_id: 't1' } } },
      },
      'claims added: tenant_id',
    ],
    [
      { triggerSource: 'DefineAuthChallenge_Authentication', response: { issueTokens: true } },
      'issue tokens',
    ],
  ])('%j', (given, expected) => {
    const line = describeInvocation({
      lambdaName: `gatehouse-local-${given.triggerSource.startsWith('PreSignUp') ? 'preSignUp' : 'x'}`,
      triggerSource: given.triggerSource,
      response: { response: given.response },
      fixed: [],
      at,
    });
    expect(line).toContain(expected);
  });

  it('shows the message Cognito would show when the function refused', () => {
    const line = describeInvocation({
      lambdaName: 'gatehouse-local-preAuthentication',
      triggerSource: 'PreAuthentication_Authentication',
      error: 'Sign-in is temporarily blocked.',
      fixed: [],
      at,
    });
    expect(line).toBe(
      '⚡ pre-authentication (PreAuthentication_Authentication) refused: "Sign-in is temporarily blocked."',
    );
  });
});

describe('tamperWithToken', () => {
  it('changes the payload and keeps header and signature', () => {
    const token = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"a"}').toString('base64url')}.c2ln`;
    const forged = tamperWithToken(token);
    expect(forged.split('.')[0]).toBe(token.split('.')[0]);
    expect(forged.split('.')[2]).toBe('c2ln');
    expect(decodeClaims(forged)).toEqual({ sub: 'a', 'cognito:groups': ['admin'] });
  });
});

import { describe, expect, it } from 'vitest';
import { parseConsoleEvent } from '../../shared/console/http.js';
import {
  parseAlbEvent,
  parseAuthorizerEvent,
  parseCustomEmailSenderEvent,
  parseTriggerEvent,
} from '../../shared/events/parse.js';
import { parseSweepEvent } from '../../shared/onboarding/sweeper.js';
import { parseRiskFeedbackEvent } from '../../shared/risk/feedback.js';
import { listSampleEvents, sampleEvent } from '../support/events.js';

const samples = listSampleEvents();

describe('sample events', () => {
  it.each(samples.map((s) => [`${s.functionName}/${s.name}`, s] as const))('%s parses', (_, sample) => {
    const event = sampleEvent(sample.name);
    if (sample.functionName === 'authorizer') {
      expect(parseAuthorizerEvent(event)).toBe(event);
    } else if (sample.functionName === 'console') {
      expect(parseConsoleEvent(event)).toMatchObject({ rawPath: expect.stringMatching(/^\/console/) });
    } else if (sample.functionName === 'risk-feedback') {
      expect(parseRiskFeedbackEvent(event)).toBe(event);
    } else if (sample.functionName === 'onboarding-sweeper') {
      expect(parseSweepEvent(event)).toBe(event);
    } else if (sample.functionName === 'alb-sample') {
      expect(parseAlbEvent(event)).toBe(event);
    } else {
      const parsed = parseTriggerEvent(event);
      expect(parsed).toBe(event);
      expect(sample.name.split('.')[0]).toBe(parsed.triggerSource);
    }
  });

  it('covers every triggerSource and authorizer variant the issue lists', () => {
    const count = (fn: string) => samples.filter((s) => s.functionName === fn).length;
    expect({
      'pre-sign-up': count('pre-sign-up'),
      'post-confirmation': count('post-confirmation'),
      'pre-authentication': count('pre-authentication'),
      'post-authentication': count('post-authentication'),
      'custom-auth':
        count('define-auth-challenge') + count('create-auth-challenge') + count('verify-auth-challenge'),
      'migrate-user': count('migrate-user'),
      'custom-message': count('custom-message'),
      'custom-email-sender': count('custom-email-sender'),
      'custom-sms-sender': count('custom-sms-sender'),
      'inbound-federation': count('inbound-federation'),
      authorizer: count('authorizer'),
    }).toEqual({
      'pre-sign-up': 3,
      'post-confirmation': 2,
      'pre-authentication': 1,
      'post-authentication': 1,
      'custom-auth': 3,
      'migrate-user': 2,
      'custom-message': 7,
      'custom-email-sender': 8,
      'custom-sms-sender': 7,
      'inbound-federation': 2,
      authorizer: 6,
    });
    const tokenFiles = samples.filter((s) => s.functionName === 'pre-token-generation').map((s) => s.name);
    const sources = new Set(tokenFiles.map((n) => n.split('.')[0]));
    const versions = new Set(tokenFiles.map((n) => n.split('.')[1]));
    expect(sources.size).toBe(6);
    expect([...versions].sort()).toEqual(['V1_0', 'V2_0', 'V3_0']);
  });
});

describe('parsers name the first bad field', () => {
  it.each([
    [
      'PreSignUp_SignUp',
      (e: any) => (e.request.userAttributes.email = 5),
      'request.userAttributes.email: expected string, got number',
    ],
    ['PreSignUp_SignUp', (e: any) => delete e.callerContext, 'callerContext: required, got nothing'],
    [
      'UserMigration_Authentication',
      (e: any) => (e.request.password = null),
      'request.password: expected string, got null',
    ],
    ['CustomMessage_SignUp', (e: any) => (e.request.codeParameter = ''), 'request.codeParameter:'],
    [
      'DefineAuthChallenge_Authentication',
      (e: any) => (e.request.session = [{ challengeName: 'X', challengeResult: true }]),
      'request.session.0.challengeName:',
    ],
    [
      'TokenGeneration_Authentication.V2_0',
      (e: any) => (e.request.scopes = 'openid'),
      'request.scopes: expected Array, got string',
    ],
    ['TokenGeneration_Authentication.V1_0', (e: any) => (e.version = '9'), 'version:'],
    [
      'TokenGeneration_HostedAuth.V1_0',
      (e: any) => (e.triggerSource = 'TokenGeneration_ClientCredentials'),
      'triggerSource:',
    ],
    [
      'an event of another trigger names the triggerSource it got',
      (e: any) => (e.triggerSource = 'PreSignUp_SignUp'),
      'got "PreSignUp_SignUp"',
    ],
    ['CustomEmailSender_SignUp', (e: any) => (e.request.type = 'customSMSSenderRequestV1'), 'request.type:'],
  ])('%s', (name, mutate, message) => {
    const event = sampleEvent(name.includes(' ') ? 'CustomEmailSender_SignUp' : name);
    mutate(event);
    const parse = name.includes(' ') ? parseCustomEmailSenderEvent : parseTriggerEvent;
    expect(() => parse(event)).toThrow(message);
  });

  it('rejects an unknown triggerSource and a non-object', () => {
    expect(() => parseTriggerEvent({ triggerSource: 'Nope_Never' })).toThrow(
      'unknown triggerSource "Nope_Never"',
    );
    expect(() => parseTriggerEvent('hello')).toThrow('triggerSource: expected string, got undefined');
  });

  it('checks authorizer events by their variant', () => {
    const token = sampleEvent('rest-token');
    delete (token as any).methodArn;
    expect(() => parseAuthorizerEvent(token)).toThrow('methodArn: required, got nothing');
    const v2 = sampleEvent<any>('http-v2');
    v2.requestContext.http.sourceIp = 7;
    expect(() => parseAuthorizerEvent(v2)).toThrow(
      'requestContext.http.sourceIp: expected string, got number',
    );
  });
});

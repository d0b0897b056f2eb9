import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors/index.js';
import { emptyHistory } from '../../shared/risk/model.js';
import { evaluateRisk, levelOf, unavailableDecision } from '../../shared/risk/scoring.js';
import { loadRiskConfig } from '../../shared/risk/settings.js';
import { evaluationInput, homeHistory, testConfig } from './support/fixtures.js';

describe('levels and actions', () => {
  const config = testConfig();
  it.each([
    [0, 'low'],
    [34, 'low'],
    [35, 'medium'],
    [69, 'medium'],
    [70, 'high'],
    [100, 'high'],
  ] as const)('score %s is %s', (score, level) => {
    expect(levelOf(score, config)).toBe(level);
  });

  it('clamps the score to 100 and keeps every reason', () => {
    const input = evaluationInput(
      { place: 'tokyo', userAgent: 'curl/8', deviceId: 'x' },
      homeHistory(10, { compromisedCredentials: true }),
      config,
    );
    const decision = evaluateRisk(input, config);
    expect(decision.score).toBe(100);
    expect(decision.reasons.reduce((sum, r) => sum + r.points, 0)).toBeGreaterThan(100);
  });

  it.each([
    ['enforce', 'low', 'allow', undefined],
    ['enforce', 'medium', 'step-up', undefined],
    ['enforce', 'high', 'block', undefined],
    ['audit', 'low', 'allow', 'allow'],
    ['audit', 'medium', 'allow', 'step-up'],
    ['audit', 'high', 'allow', 'block'],
  ] as const)('%s mode, %s level: action %s, would take %s', (mode, level, action, wouldTake) => {
    const decision = unavailableDecision(testConfig({ mode, unavailableLevel: level }), 'test');
    expect(decision.level).toBe(level);
    expect(decision.action).toBe(action);
    expect(decision.wouldTake).toBe(wouldTake);
  });

  it('takes the configured action per level (notify at medium)', () => {
    const cfg = testConfig({ actions: { low: 'allow', medium: 'notify', high: 'step-up' } });
    expect(unavailableDecision(cfg, 'x').action).toBe('notify');
    const high = evaluateRisk(
      evaluationInput({}, homeHistory(3, { compromisedCredentials: true }), cfg),
      cfg,
    );
    expect(high.action).toBe('step-up');
  });

  it('is low without any signal', () => {
    const config = testConfig();
    expect(evaluateRisk(evaluationInput({}, emptyHistory(), config), config)).toEqual({
      level: 'low',
      score: 0,
      action: 'allow',
      reasons: [],
    });
  });
});

describe('risk settings', () => {
  it('defaults to audit mode, 35/70, allow / step-up / block, medium when unavailable', () => {
    const config = loadRiskConfig({ env: {}, file: {} });
    expect(config).toMatchObject({
      mode: 'audit',
      mediumThreshold: 35,
      highThreshold: 70,
      actions: { low: 'allow', medium: 'step-up', high: 'block' },
      unavailableLevel: 'medium',
    });
  });

  it('reads env scalars and file lists, merging weights over the defaults', () => {
    const config = loadRiskConfig({
      env: { RISK_MODE: 'enforce', RISK_MEDIUM_THRESHOLD: '40' },
      file: {
        risk: {
          weights: { newDevice: 25 },
          blockedRanges: ['198.18.0.0/15'],
          automatedUserAgents: ['^my-bot'],
        },
      },
    });
    expect(config.mode).toBe('enforce');
    expect(config.mediumThreshold).toBe(40);
    expect(config.weights.newDevice).toBe(25);
    expect(config.weights.newNetwork).toBe(15);
    expect(config.blockedRanges).toHaveLength(1);
    expect(config.automatedUserAgents[0]!.test('My-Bot/1')).toBe(true);
  });

  it.each([
    [{ RISK_MODE: 'block-everything' }, {}, 'RISK_MODE'],
    [{ RISK_MEDIUM_THRESHOLD: '80' }, {}, 'RISK_HIGH_THRESHOLD'],
    [{ RISK_CONTEXT_SECRET: 'short' }, {}, 'RISK_CONTEXT_SECRET'],
    [{}, { risk: { blockedRanges: ['10.0.0.0/33'] } }, 'risk.blockedRanges'],
    [{}, { risk: { weights: { newDevice: 500 } } }, 'risk.weights'],
    [{}, { risk: { automatedUserAgents: ['('] } }, 'risk.automatedUserAgents'],
  ])('refuses %j %j naming %s', (env, file, name) => {
    expect(() => loadRiskConfig({ env, file })).toThrow(ConfigError);
    expect(() => loadRiskConfig({ env, file })).toThrow(name);
  });
});

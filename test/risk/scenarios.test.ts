import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRisk } from '../../shared/risk/engine.js';
import { attemptFacts } from '../../shared/risk/facts.js';
import type { RiskAction, RiskDecision, RiskLevel } from '../../shared/risk/hooks.js';
import { parseCidr } from '../../shared/risk/ip.js';
import { emptyHistory, type IpActivity, type RiskHistory } from '../../shared/risk/model.js';
import { createRiskEngine } from '../../shared/risk/service.js';
import { DEFAULT_WEIGHTS, type RiskConfig } from '../../shared/risk/settings.js';
import type { RiskStore } from '../../shared/risk/store.js';
import {
  type AttemptOptions,
  DAY,
  evaluationInput,
  HOUR,
  homeHistory,
  NOW,
  PLACES,
  signInAttempt,
  signInFrom,
  testConfig,
  testGeo,
} from './support/fixtures.js';

/**
 * The scenario suite: named sign-ins, each with the level (and signals) a security engineer
 * would expect, through the same fact-finding as production (context, signature, the test
 * geolocation database) and the pure engine. A summary of expected against actual is printed.
 */
interface Scenario {
  name: string;
  attempt?: AttemptOptions;
  history?: RiskHistory;
  ip?: IpActivity;
  config?: Partial<RiskConfig>;
  /** The context's nonce was already used by another sign-in (the store's one-use check said so). */
  replayed?: boolean;
  /** Runs through the engine service instead (for faults of the store). */
  store?: RiskStore;
  level: RiskLevel;
  signals?: string[];
  action?: RiskAction;
  wouldTake?: RiskAction;
}

const ranges = (...texts: string[]) => texts.map((t) => parseCidr(t)!);
const storeDown: RiskStore = {
  loadUser: () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
  countIpAttempt: () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
  readNameProfileFlag: () => Promise.reject(new Error('down')),
  carryCompromisedFlag: () => Promise.reject(new Error('down')),
  recordIpSuccess: () => Promise.reject(new Error('down')),
  saveAssessment: () => Promise.reject(new Error('down')),
  saveSignInAssessment: () => Promise.reject(new Error('down')),
  takeSignInAssessment: () => Promise.reject(new Error('down')),
};

const tokyoOneHourLater = homeHistory(10);
tokyoOneHourLater.signIns.unshift(signInFrom('home', 1));

const scenarios: Scenario[] = [
  { name: 'a returning user at home on the usual laptop', history: homeHistory(), level: 'low', signals: [] },
  {
    name: 'same laptop, another address in the home network',
    attempt: { ip: PLACES.homeNeighbour.ip },
    history: homeHistory(),
    level: 'low',
    signals: ['new-address'],
  },
  {
    name: 'a new phone on the home wifi',
    attempt: { deviceId: 'phone-9' },
    history: homeHistory(),
    level: 'low',
    signals: ['new-device'],
  },
  {
    name: 'a new phone in the same city on a mobile network',
    attempt: { deviceId: 'phone-9', place: 'mobileSameCity' },
    history: homeHistory(),
    level: 'medium',
    signals: ['new-device', 'new-network'],
    action: 'step-up',
  },
  {
    name: 'the usual laptop in a café across town',
    attempt: { place: 'mobileSameCity' },
    history: homeHistory(),
    level: 'low',
    signals: ['new-network'],
  },
  {
    name: 'New York then Tokyo an hour later',
    attempt: { place: 'tokyo' },
    history: tokyoOneHourLater,
    level: 'high',
    signals: ['new-network', 'unfamiliar-country', 'impossible-travel'],
    action: 'block',
  },
  {
    name: 'New York then Tokyo an hour later on a new device',
    attempt: { place: 'tokyo', deviceId: 'unknown-pc' },
    history: tokyoOneHourLater,
    level: 'high',
    signals: ['new-device', 'new-network', 'unfamiliar-country', 'impossible-travel'],
  },
  {
    name: 'New York then Tokyo 20 hours later (a long flight)',
    attempt: { place: 'tokyo' },
    history: homeHistory(10, { signIns: [signInFrom('home', 20), ...homeHistory(10).signIns] }),
    level: 'medium',
    signals: ['new-network', 'unfamiliar-country', 'impossible-travel'],
  },
  {
    name: 'New York then Boston three hours later (IPv6)',
    attempt: { place: 'boston' },
    history: homeHistory(10, { signIns: [signInFrom('home', 3), ...homeHistory(10).signIns] }),
    level: 'low',
    signals: ['new-network'],
  },
  {
    name: 'New York then Paris two hours later (IPv6)',
    attempt: { place: 'paris' },
    history: homeHistory(10, { signIns: [signInFrom('home', 2), ...homeHistory(10).signIns] }),
    level: 'high',
    signals: ['new-network', 'unfamiliar-country', 'impossible-travel'],
  },
  {
    name: 'the first sign-in ever',
    attempt: { place: 'berlin' },
    history: emptyHistory(),
    level: 'low',
    signals: [],
  },
  {
    name: 'the first sign-in ever, from curl',
    attempt: { userAgent: 'curl/8.5.0' },
    history: emptyHistory(),
    level: 'low',
    signals: ['automated-user-agent'],
  },
  {
    name: 'python-requests from a new network',
    attempt: { userAgent: 'python-requests/2.32.3', place: 'berlin' },
    history: homeHistory(),
    level: 'medium',
    signals: ['automated-user-agent', 'new-network', 'unfamiliar-country'],
  },
  {
    name: 'headless Chrome at home',
    attempt: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/126.0.0.0 Safari/537.36' },
    history: homeHistory(),
    level: 'low',
    signals: ['automated-user-agent'],
  },
  {
    name: 'a burst of attempts on many accounts from one IP',
    attempt: { place: 'berlin', deviceId: null },
    history: emptyHistory(),
    ip: { failures: 40, accounts: 25 },
    level: 'high',
    signals: ['ip-failed-attempts', 'ip-many-accounts'],
  },
  {
    name: 'a few accounts tried from one IP, few failures',
    attempt: { place: 'berlin', deviceId: null },
    history: emptyHistory(),
    ip: { failures: 3, accounts: 6 },
    level: 'medium',
    signals: ['ip-many-accounts'],
  },
  {
    name: 'a family behind one home router (two accounts)',
    history: homeHistory(),
    ip: { failures: 1, accounts: 2 },
    level: 'low',
    signals: [],
  },
  {
    name: 'password guessing on one account from home',
    history: homeHistory(10, { userFailures: 7 }),
    level: 'low',
    signals: ['user-failed-attempts'],
  },
  {
    name: 'password guessing on one account from abroad',
    attempt: { place: 'berlin', deviceId: 'unknown-pc' },
    history: homeHistory(10, { userFailures: 7 }),
    level: 'high',
    signals: ['new-device', 'new-network', 'unfamiliar-country', 'user-failed-attempts'],
  },
  {
    name: 'a known-bad IPv4 range',
    attempt: { ip: '198.18.4.4' },
    history: homeHistory(),
    config: { blockedRanges: ranges('198.18.0.0/15') },
    level: 'high',
    signals: ['blocked-range', 'new-network'],
    action: 'block',
  },
  {
    name: 'a known-bad IPv6 range',
    attempt: { place: 'paris' },
    history: emptyHistory(),
    config: { blockedRanges: ranges('2001:db8:1::/48') },
    level: 'high',
    signals: ['blocked-range'],
  },
  {
    name: 'the office range is always allowed, even right after New York',
    attempt: { place: 'tokyo', deviceId: 'kiosk' },
    history: tokyoOneHourLater,
    config: { allowedRanges: ranges('198.51.100.0/24') },
    level: 'low',
    signals: ['allowed-range'],
  },
  {
    name: 'a range both allowed and blocked is blocked',
    attempt: { place: 'tokyo' },
    history: emptyHistory(),
    config: { allowedRanges: ranges('198.51.0.0/16'), blockedRanges: ranges('198.51.100.0/24') },
    level: 'high',
    signals: ['blocked-range'],
  },
  {
    name: 'a valid signed context at home',
    attempt: { sign: 'valid', claim: 'home' },
    history: homeHistory(),
    config: { contextSignature: 'required' },
    level: 'low',
    signals: [],
  },
  {
    name: 'a stale signed context',
    attempt: { sign: 'stale' },
    history: homeHistory(),
    config: { contextSignature: 'required' },
    level: 'medium',
    signals: ['context-stale'],
  },
  {
    name: 'a forged signature',
    attempt: { sign: 'forge' },
    history: homeHistory(),
    level: 'medium',
    signals: ['context-forged'],
  },
  {
    name: 'a forged context claiming home from Tokyo: none of its claims is used',
    attempt: { sign: 'forge', claim: 'home', place: 'tokyo' },
    history: tokyoOneHourLater,
    level: 'medium',
    signals: ['context-forged'],
  },
  {
    name: 'a valid signed context used a second time (replayed)',
    attempt: { sign: 'valid', claim: 'home' },
    replayed: true,
    history: homeHistory(),
    config: { contextSignature: 'required' },
    level: 'medium',
    signals: ['context-replayed'],
  },
  {
    name: 'a sign-in from an IP that guessed invitation codes at sign-up',
    history: homeHistory(),
    ip: { failures: 0, accounts: 1, failedInvites: 4 },
    level: 'low',
    signals: ['ip-failed-invites'],
  },
  {
    name: 'an unsigned context where signatures are required',
    attempt: { sign: 'none' },
    history: homeHistory(),
    config: { contextSignature: 'required' },
    level: 'medium',
    signals: ['context-missing'],
  },
  {
    name: 'an unsigned context from a client exempted from signing',
    attempt: { clientId: 'legacy-mobile', sign: 'none' },
    history: homeHistory(),
    config: { contextSignature: 'required', unsignedContextClients: ['legacy-mobile'] },
    level: 'low',
    signals: [],
  },
  {
    name: 'an unsigned context where signatures are optional',
    attempt: { sign: 'none' },
    config: { contextSignature: 'optional' },
    history: homeHistory(),
    level: 'low',
    signals: [],
  },
  {
    name: 'an account flagged with compromised credentials',
    history: homeHistory(10, { compromisedCredentials: true }),
    level: 'high',
    signals: ['compromised-credentials'],
  },
  {
    name: 'Tokyo an hour after New York, on a network the operator trusted',
    attempt: { place: 'tokyo' },
    history: { ...tokyoOneHourLater, trustedNetworks: ['198.51.100.0/24'] },
    level: 'low',
    signals: ['trusted-network'],
  },
  {
    name: 'a device the operator marked invalid',
    attempt: { deviceId: 'stolen-phone' },
    history: homeHistory(10, { distrustedDevices: ['stolen-phone'] }),
    level: 'medium',
    signals: ['distrusted-device', 'new-device'],
  },
  {
    name: 'a network the operator marked invalid, at home',
    history: homeHistory(10, { distrustedNetworks: ['203.0.113.0/24'] }),
    level: 'medium',
    signals: ['distrusted-network'],
  },
  {
    name: 'a new network an hour after a stranger locked the unfamiliar side',
    attempt: { place: 'mobileSameCity' },
    history: homeHistory(10, { unfamiliarLockoutAt: NOW - HOUR }),
    level: 'medium',
    signals: ['new-network', 'unfamiliar-lockout'],
  },
  {
    name: 'at home an hour after a stranger locked the unfamiliar side',
    history: homeHistory(10, { unfamiliarLockoutAt: NOW - HOUR }),
    level: 'low',
    signals: [],
  },
  {
    name: 'a new device the operator already trusted',
    attempt: { deviceId: 'phone-9', place: 'mobileSameCity' },
    history: homeHistory(10, { trustedDevices: ['phone-9'] }),
    level: 'low',
    signals: ['trusted-device', 'new-network'],
  },
  {
    name: 'three in the morning, unusual for this user, at home',
    attempt: { at: Date.UTC(2026, 10, 20, 3, 0, 0) },
    history: homeHistory(),
    level: 'low',
    signals: ['unusual-hour'],
  },
  {
    name: 'three in the morning on a new device from a new network',
    attempt: { at: Date.UTC(2026, 10, 20, 3, 0, 0), deviceId: 'phone-9', place: 'mobileSameCity' },
    history: homeHistory(),
    level: 'medium',
    signals: ['new-device', 'new-network', 'unusual-hour'],
  },
  {
    name: 'a laptop back after 45 days away',
    attempt: { deviceId: 'old-laptop' },
    history: homeHistory(10, {
      devices: [
        { id: 'laptop-1', firstSeen: NOW - 200 * DAY, lastSeen: NOW - DAY },
        { id: 'old-laptop', firstSeen: NOW - 300 * DAY, lastSeen: NOW - 45 * DAY },
      ],
    }),
    level: 'low',
    signals: ['new-device'],
  },
  {
    name: 'the home IP written as IPv4-mapped IPv6',
    attempt: { ip: `::ffff:${PLACES.home.ip}` },
    history: homeHistory(),
    level: 'low',
    signals: [],
  },
  {
    name: 'the store down: assessment unavailable at the default level',
    store: storeDown,
    level: 'medium',
    signals: ['assessment-unavailable'],
    action: 'step-up',
  },
  {
    name: 'the store down with the unavailable level set to high',
    store: storeDown,
    config: { unavailableLevel: 'high' },
    level: 'high',
    signals: ['assessment-unavailable'],
    action: 'block',
  },
  {
    name: 'audit mode: New York then Tokyo is only recorded',
    attempt: { place: 'tokyo' },
    history: tokyoOneHourLater,
    config: { mode: 'audit' },
    level: 'high',
    action: 'allow',
    wouldTake: 'block',
  },
];

const summary: { name: string; expected: string; actual: string; ok: boolean }[] = [];

async function run(scenario: Scenario): Promise<RiskDecision> {
  const config = testConfig(scenario.config);
  if (scenario.store) {
    const engine = createRiskEngine(config, { store: scenario.store, geo: testGeo() });
    return engine.assess(signInAttempt(scenario.attempt));
  }
  const input = evaluationInput(
    scenario.attempt ?? {},
    scenario.history ?? emptyHistory(),
    config,
    scenario.ip,
  );
  if (scenario.replayed) {
    input.attempt = attemptFacts(
      { ...signInAttempt(scenario.attempt), contextReplayed: true },
      config,
      testGeo(),
    );
  }
  return evaluateRisk(input, config);
}

describe('risk scenarios', () => {
  it('together, the scenarios see the engine raise every signal it has, and every level', async () => {
    const raised = new Set<string>();
    const levels = new Set<string>();
    for (const scenario of scenarios) {
      const decision = await run(scenario);
      for (const reason of decision.reasons) raised.add(reason.signal);
      levels.add(decision.level);
    }
    // Every weighted signal (its weight's name in kebab case) and the unweighted ones.
    const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    const known = [
      ...Object.keys(DEFAULT_WEIGHTS).map(kebab),
      'impossible-travel',
      'trusted-device',
      'trusted-network',
      'allowed-range',
      'assessment-unavailable',
    ];
    expect([...raised].sort()).toEqual([...new Set(known)].sort());
    expect([...levels].sort()).toEqual(['high', 'low', 'medium']);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_, scenario) => {
    const decision = await run(scenario);
    const signals = decision.reasons.map((r) => r.signal);
    const expected = `${scenario.level}${scenario.signals ? ` [${scenario.signals.join(', ')}]` : ''}`;
    const actual = `${decision.level} ${decision.score} [${signals.join(', ')}]`;
    const ok =
      decision.level === scenario.level &&
      (!scenario.signals || JSON.stringify(signals) === JSON.stringify(scenario.signals)) &&
      (!scenario.action || decision.action === scenario.action);
    summary.push({ name: scenario.name, expected, actual, ok });
    expect(decision.level, actual).toBe(scenario.level);
    if (scenario.signals) expect(signals).toEqual(scenario.signals);
    if (scenario.action) expect(decision.action).toBe(scenario.action);
    if (scenario.wouldTake) expect(decision.wouldTake).toBe(scenario.wouldTake);
    // Explainable: the score is the sum of the reasons' points, within 0-100.
    if (!scenario.store) {
      const sum = decision.reasons.reduce((total, r) => total + r.points, 0);
      expect(decision.score).toBe(Math.max(0, Math.min(100, sum)));
    }
  });

  it('is deterministic: the same input gives the same decision', async () => {
    for (const scenario of scenarios.filter((s) => !s.store)) {
      expect(await run(scenario)).toEqual(await run(scenario));
    }
  });
});

afterAll(() => {
  const width = Math.max(...summary.map((s) => s.name.length));
  const lines = summary.map(
    (s) =>
      `${s.ok ? 'ok  ' : 'FAIL'}  ${s.name.padEnd(width)}  expected ${s.expected.padEnd(40)}  actual ${s.actual}`,
  );
  console.log(
    `risk scenarios: expected against actual\n${lines.join('\n')}\n${summary.filter((s) => s.ok).length}/${summary.length} as expected`,
  );
});

import { recordSignOut } from '../authorizer/revoke.js';
import { cognitoClient } from '../aws/cognito.js';
import { ConsoleError, UserFacingError } from '../errors/index.js';
import {
  applyRiskFeedback,
  type DailyLevels,
  loadRiskConfig,
  readAssessmentLog,
  readDailyLevels,
} from '../risk/contract.js';
import { type DeviceEntry, readDevices, readSignIns } from '../sign-in/history.js';
import { type LockoutState, lockoutState, unlock } from '../sign-in/lockout.js';
import { signInSettings } from '../sign-in/settings.js';
import { documentClient, nowSeconds, tableName } from '../storage/table.js';
import { readProfile, setSuspended } from '../users/profile.js';
import { type AuditRecord, audited, type Operator, readAuditTrail } from './audit.js';
import { consoleSettings } from './settings.js';
import { buildTimeline, dailyLevelsOf, type TimelineEntry } from './timeline.js';
import { type CognitoCalls, globalSignOut, groupsOf, type PoolUser, userBySub } from './users.js';

/** Everything the console shows about one user. */
export interface UserView {
  user: PoolUser & { groups: string[] };
  lockout: LockoutState;
  suspended: boolean;
  suspendedAt?: number;
  suspendedBy?: string;
  compromisedCredentials: boolean;
  lastSignInAt?: number;
  devices: DeviceEntry[];
  /** Sign-ins and refused attempts, newest first. */
  timeline: TimelineEntry[];
  /** The user's sign-ins by risk level per day. */
  chart: DailyLevels[];
  /** What operators did to this user, newest first. */
  audit: AuditRecord[];
}

const AUDIT_SHOWN = 20;

/** Reads the user's state through the functions of the features that keep it, in parallel. */
export async function userView(sub: string, cognito: CognitoCalls = cognitoClient(), now = Date.now()) {
  const user = await userBySub(sub, cognito);
  const settings = consoleSettings();
  const limit = settings.historyLimit;
  const [groups, lockout, profile, nameProfile, signIns, assessments, devices, audit] = await Promise.all([
    groupsOf(user.username, cognito),
    lockoutState(sub, signInSettings(), now),
    readProfile(sub),
    // Migration flags a breached password under the lower-cased userName, before the user has a sub.
    readProfile(user.username.toLowerCase()),
    readSignIns(sub, limit, now),
    readAssessmentLog(sub, limit * 2, now),
    readDevices(sub, limit, now),
    readAuditTrail(sub, AUDIT_SHOWN, now),
  ]);
  const timeline = buildTimeline(signIns, assessments).slice(0, limit);
  const view: UserView = {
    user: { ...user, groups },
    lockout,
    suspended: profile?.suspended === true,
    ...(profile?.suspendedAt ? { suspendedAt: profile.suspendedAt } : {}),
    ...(profile?.suspendedBy ? { suspendedBy: profile.suspendedBy } : {}),
    compromisedCredentials:
      profile?.compromisedCredentials === true || nameProfile?.compromisedCredentials === true,
    ...(profile?.lastSignInAt ? { lastSignInAt: profile.lastSignInAt } : {}),
    devices,
    timeline,
    chart: dailyLevelsOf(timeline, settings.chartDays, now),
    audit,
  };
  return view;
}

/** The pool's sign-ins by risk level per day. */
export function poolChart(now = Date.now()): Promise<DailyLevels[]> {
  return readDailyLevels(consoleSettings().chartDays, now);
}

/** The actions an operator can take on a user. */
export type ActionRequest =
  | { action: 'unlock' | 'suspend' | 'reinstate' | 'sign-out' }
  | { action: 'feedback'; verdict: 'valid' | 'invalid'; eventId: string };

/**
 * Runs one action on the user with this sub (who must exist in the pool), recorded before it runs
 * and after it ends (who, when, what), then answers the user's state as it now stands.
 */
export async function act(
  sub: string,
  request: ActionRequest,
  operator: Operator,
  cognito: CognitoCalls = cognitoClient(),
): Promise<UserView> {
  const user = await userBySub(sub, cognito);
  const { auditDays } = consoleSettings();
  const name = request.action === 'feedback' ? (`feedback-${request.verdict}` as const) : request.action;
  await audited(sub, operator, name, auditDays, () => perform(user, request, operator, cognito));
  return userView(sub, cognito);
}

async function perform(
  user: PoolUser,
  request: ActionRequest,
  operator: Operator,
  cognito: CognitoCalls,
): Promise<Record<string, unknown> | undefined> {
  switch (request.action) {
    case 'unlock':
      await unlock(user.sub, signInSettings());
      return undefined;
    case 'suspend':
    case 'reinstate':
      await setSuspended(user.sub, request.action === 'suspend', operator.username);
      return undefined;
    case 'sign-out':
      return signOutEverywhere(user, cognito);
    case 'feedback': {
      const result = await applyRiskFeedback(
        { userId: user.sub, verdict: request.verdict, eventId: request.eventId },
        loadRiskConfig().stateDays,
      ).catch((error: unknown) => {
        // The feedback path's deliberate refusals (unknown event, event without context) are the operator's to read.
        if (error instanceof UserFacingError) {
          throw new ConsoleError(error.code.endsWith('NOT_FOUND') ? 404 : 400, error.code, error.message);
        }
        throw error;
      });
      return {
        eventId: request.eventId,
        ...(result.device ? { device: result.device } : {}),
        ...(result.network ? { network: result.network } : {}),
      };
    }
  }
}

/**
 * Gatehouse's record first (the authorizer refuses tokens issued before it, when
 * `AUTHORIZER_REVOCATION` is on), then Cognito's global sign-out (refresh tokens). A Cognito
 * failure is reported as such: the first half has happened and stays.
 */
async function signOutEverywhere(user: PoolUser, cognito: CognitoCalls) {
  const at = nowSeconds();
  await recordSignOut(documentClient(), tableName(), user.sub, at);
  try {
    await globalSignOut(user.username, cognito);
  } catch (error) {
    throw new ConsoleError(
      502,
      'CONSOLE_COGNITO_SIGN_OUT_FAILED',
      `API tokens issued before now are refused, but Cognito's global sign-out failed (${error instanceof Error ? error.name : 'error'}): refresh tokens still work. Try again.`,
      { cause: error },
    );
  }
  return { signedOutAt: at };
}

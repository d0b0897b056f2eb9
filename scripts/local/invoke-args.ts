import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseAlbEvent, parseAuthorizerEvent, parseTriggerEvent } from '../../shared/events/parse.js';
import { parseSweepEvent } from '../../shared/onboarding/sweeper.js';
import { parseRiskFeedbackEvent } from '../../shared/risk/feedback.js';
import { functionNames } from './registry.js';
import type { SeededUser } from './run.js';
import { findSampleEvent, listSampleEvents, setAtPath } from './sample-events.js';

/**
 * The invoke CLI's reading of its command line and event (scripts/invoke.ts runs it): every
 * mistake is a `UsageError` whose message is one line naming what is wrong.
 */
/** A mistake in the command line or the event: one line on stderr, exit 2. */
export class UsageError extends Error {}

export const USAGE =
  'usage: npm run -s invoke -- <function> [<event file> | <sample name or triggerSource>] [--set path=value ...] [--json]';

export interface Arguments {
  functionName: string;
  eventRef?: string;
  sets: string[];
  json: boolean;
}

export function parseArguments(argv: string[]): Arguments {
  const sets: string[] = [];
  const positional: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--set') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError('--set needs path=value');
      sets.push(value);
    } else if (arg.startsWith('--set=')) sets.push(arg.slice(6));
    else if (arg === '--json') json = true;
    else if (arg.startsWith('-'))
      throw new UsageError(`unknown option "${arg}" (options: --set path=value, --json)`);
    else positional.push(arg);
  }
  const [functionName, eventRef, extra] = positional;
  if (!functionName) throw new UsageError(`${USAGE}\nfunctions: ${functionNames.join(', ')}`);
  if (!functionNames.includes(functionName)) {
    throw new UsageError(`unknown function "${functionName}"; valid names: ${functionNames.join(', ')}`);
  }
  if (extra !== undefined) {
    throw new UsageError(`unexpected argument "${extra}": give one function and at most one event`);
  }
  return { functionName, eventRef, sets, json };
}

export interface LoadedEvent {
  event: Record<string, unknown>;
  /** How the event was named, for messages: a path relative to the working directory. */
  source: string;
}

export function loadEvent({ functionName, eventRef, sets }: Arguments): LoadedEvent {
  const path = resolveEventPath(functionName, eventRef);
  const source = path === eventRef ? eventRef : relative(process.cwd(), path);
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new UsageError(`${source} ${reason}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new UsageError(`${source} holds no event (a JSON object)`);
  }
  for (const assignment of sets) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new UsageError(`--set wants path=value, got "${assignment}"`);
    try {
      setAtPath(event as Record<string, unknown>, assignment.slice(0, at), assignment.slice(at + 1));
    } catch (error) {
      throw new UsageError(`--set ${assignment.slice(0, at)}: ${(error as Error).message} in ${source}`);
    }
  }
  return { event: event as Record<string, unknown>, source };
}

function resolveEventPath(functionName: string, eventRef: string | undefined): string {
  if (eventRef && existsSync(eventRef)) return eventRef;
  const looksLikePath = eventRef !== undefined && (eventRef.includes('/') || eventRef.endsWith('.json'));
  if (looksLikePath) throw new UsageError(`no event file at "${eventRef}"`);
  const sample = eventRef
    ? findSampleEvent(eventRef, functionName)
    : listSampleEvents().find((s) => s.functionName === functionName);
  if (sample) return sample.path;
  throw new UsageError(
    `no sample event "${eventRef}" for ${functionName}; samples: ${samplesOf(functionName).join(', ')}`,
  );
}

const samplesOf = (functionName: string) =>
  listSampleEvents()
    .filter((s) => s.functionName === functionName)
    .map((s) => s.name);

/** What an event is, from the fields that tell (`triggerSource`, an authorizer's `type`). */
function eventKind(event: Record<string, unknown>): { kind: string; functionName?: string } {
  if (typeof event.triggerSource === 'string') {
    const prefix = event.triggerSource.split('_')[0];
    const owner = listSampleEvents().find((s) => s.name.split('_')[0] === prefix)?.functionName;
    return { kind: `a ${event.triggerSource} event`, functionName: owner };
  }
  if (event.type === 'TOKEN' || event.type === 'REQUEST') {
    return { kind: 'an API Gateway authorizer event', functionName: 'authorizer' };
  }
  const context = event.requestContext as { elb?: unknown } | undefined;
  if (context && typeof context === 'object' && context.elb) {
    return { kind: 'an Application Load Balancer event', functionName: 'alb-sample' };
  }
  if ('userId' in event && 'verdict' in event)
    return { kind: 'a risk feedback event', functionName: 'risk-feedback' };
  if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event')
    return { kind: 'an EventBridge scheduled event', functionName: 'onboarding-sweeper' };
  return { kind: 'no event a Gatehouse function takes (no triggerSource, no authorizer type)' };
}

/** What a function takes, from its samples: `CustomEmailSender_* events`. */
function accepted(functionName: string): string {
  if (functionName === 'authorizer') return 'API Gateway authorizer events (type TOKEN or REQUEST)';
  if (functionName === 'risk-feedback') return 'risk feedback events ({userId, verdict, ...})';
  if (functionName === 'alb-sample') return 'Application Load Balancer events';
  if (functionName === 'onboarding-sweeper') return 'EventBridge scheduled events';
  const prefixes = new Set(samplesOf(functionName).map((name) => name.split('_')[0]));
  return `${[...prefixes].map((prefix) => `${prefix}_*`).join(', ')} events`;
}

/** Refuses an event of another function, then checks it as the function's parser will. */
export function checkEventFits(functionName: string, { event, source }: LoadedEvent): void {
  const { kind, functionName: owner } = eventKind(event);
  if (owner !== functionName) {
    const forWhom = owner ? ` (for ${owner})` : '';
    throw new UsageError(`${functionName} takes ${accepted(functionName)}; ${source} is ${kind}${forWhom}`);
  }
  try {
    if (functionName === 'authorizer') parseAuthorizerEvent(event);
    else if (functionName === 'risk-feedback') parseRiskFeedbackEvent(event);
    else if (functionName === 'alb-sample') parseAlbEvent(event);
    else if (functionName === 'onboarding-sweeper') parseSweepEvent(event);
    else parseTriggerEvent(event);
  } catch (error) {
    throw new UsageError(`${source}: ${(error as Error).message}`);
  }
}

/** The samples' user, for the account-takeover mail's lookup (it carries no attributes of its own). */
const SAMPLE_USER_ATTRIBUTES = {
  email: 'jane.doe@example.com',
  email_verified: 'true',
  given_name: 'Jane',
  family_name: 'Doe',
  locale: 'en',
};

export function usersToSeed(event: Record<string, unknown>): SeededUser[] {
  if (event.triggerSource !== 'CustomEmailSender_AccountTakeOverNotification') return [];
  const fields = ((event.request as Record<string, unknown> | undefined)?.userAttributes ?? {}) as Record<
    string,
    string
  >;
  return [
    {
      userPoolId: String(event.userPoolId),
      username: fields.USER_NAME || String(event.userName),
      attributes: SAMPLE_USER_ATTRIBUTES,
    },
  ];
}

import * as v from 'valibot';
import { cognitoClient } from '../aws/cognito.js';
import type { Operator } from './audit.js';
import { ConsoleError } from './errors.js';
import { type ConsoleEvent, checkInput, type HttpResponse, header, json, jsonBody } from './http.js';
import { act, poolChart, userView } from './service.js';
import { consoleSettings } from './settings.js';
import { type CognitoCalls, SEARCH_PATTERN, searchUsers } from './users.js';

/**
 * The console's API under `/console/api/`. Every call is checked here, whatever the route's
 * authorizer did: a caller without the authorizer's context is unauthenticated (401), one
 * outside the admin group is refused (403), and so is a request that a page of another site
 * could have made (403, see `assertSameOrigin`). Only then is the path looked at, so an unknown
 * path tells a stranger nothing either.
 */
export const CSRF_HEADER = 'x-gatehouse-console';

const subSchema = v.pipe(v.string(), v.regex(/^[\w-]{1,128}$/, 'must be a user sub'));
const searchSchema = v.object({
  q: v.pipe(v.string(), v.trim(), v.regex(SEARCH_PATTERN, 'must be 1-128 characters, without " or \\')),
});
const feedbackSchema = v.object({
  verdict: v.picklist(['valid', 'invalid']),
  eventId: v.pipe(v.string(), v.regex(/^[\w:.-]{1,128}$/, 'must be an event id')),
});
const ACTIONS = ['unlock', 'suspend', 'reinstate', 'sign-out', 'feedback'] as const;

export async function handleApi(
  event: ConsoleEvent,
  path: string,
  cognito: CognitoCalls = cognitoClient(),
): Promise<HttpResponse> {
  const operator = authenticate(event);
  assertSameOrigin(event);
  const method = event.requestContext.http.method.toUpperCase();
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'users' && parts.length === 1) {
    allow(method, 'GET');
    const { q } = checkInput(
      searchSchema,
      Object.fromEntries(new URLSearchParams(event.rawQueryString)),
      'query',
    );
    return json(200, { users: await searchUsers(q, cognito) });
  }
  if (parts[0] === 'users' && parts.length === 2) {
    allow(method, 'GET');
    return json(200, await userView(checkInput(subSchema, parts[1], 'sub'), cognito));
  }
  if (parts[0] === 'users' && parts.length === 3) {
    allow(method, 'POST');
    const sub = checkInput(subSchema, parts[1], 'sub');
    const action = checkInput(v.picklist(ACTIONS), parts[2], 'action');
    const request =
      action === 'feedback' ? { action, ...checkInput(feedbackSchema, jsonBody(event), 'body') } : { action };
    return json(200, await act(sub, request, operator, cognito));
  }
  if (parts.join('/') === 'pool/chart') {
    allow(method, 'GET');
    return json(200, { days: await poolChart() });
  }
  throw new ConsoleError(404, 'CONSOLE_NOT_FOUND', 'No such console API.');
}

/** The operator the authorizer vouched for, who must be in the admin group. */
export function authenticate(event: ConsoleEvent): Operator {
  const context = event.requestContext.authorizer?.lambda;
  const sub = context?.sub;
  const bearer = /^Bearer \S+$/.test(header(event, 'authorization') ?? '');
  if (typeof sub !== 'string' || sub === '' || !bearer) {
    throw new ConsoleError(401, 'CONSOLE_UNAUTHENTICATED', 'Sign in first.');
  }
  const groups = String(context?.groups ?? '')
    .split(',')
    .map((group) => group.trim());
  if (!groups.includes(consoleSettings().adminGroup)) {
    throw new ConsoleError(403, 'CONSOLE_FORBIDDEN', 'This account may not use the console.');
  }
  return { sub, username: typeof context?.username === 'string' ? context.username : sub };
}

/**
 * Cross-site request forgery: the token travels in the Authorization header, never in a cookie,
 * so a browser never attaches it to another site's request by itself. On top of that, every API
 * call must carry `x-gatehouse-console: 1`, a header a cross-site form cannot send and a
 * cross-site script can only send after a CORS preflight, which this API never answers; and a
 * browser's own word on the request's site (`Sec-Fetch-Site`, `Origin`) must not name another site.
 */
export function assertSameOrigin(event: ConsoleEvent): void {
  const forged = () => new ConsoleError(403, 'CONSOLE_CROSS_SITE', 'Cross-site requests are refused.');
  if (header(event, CSRF_HEADER) !== '1') throw forged();
  const site = header(event, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') throw forged();
  const origin = header(event, 'origin');
  const host = header(event, 'host');
  if (origin !== undefined && (!host || originHost(origin) !== host.toLowerCase())) throw forged();
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function allow(method: string, expected: string): void {
  if (method !== expected) {
    throw new ConsoleError(405, 'CONSOLE_METHOD_NOT_ALLOWED', `Use ${expected} for this console API.`);
  }
}

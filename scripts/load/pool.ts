import { buildEvent } from '../../shared/events/builders.js';
import { SAMPLE_CLIENT_ID, SAMPLE_ISSUER, SAMPLE_POOL_ID, signSampleToken } from '../local/sample-keys.js';

/**
 * The part of Cognito the load run plays itself: the user pool's records and the events it sends
 * each trigger, built from the sample events (`events/`) the way the tests build them, changed
 * per user. Tokens are signed with the samples' key, which the authorizer trusts locally
 * (`sampleKeySettings`), for the samples' `local_` pool.
 */
export interface PoolUser {
  index: number;
  userName: string;
  sub: string;
  email: string;
  /** A distinct address per user (198.18.0.0/15, the benchmarking range): per-IP limits see N people. */
  ip: string;
  deviceId: string;
  groups: string[];
}

export const POOL_ID = SAMPLE_POOL_ID;
export const CLIENT_ID = SAMPLE_CLIENT_ID;
const USER_AGENT = 'gatehouse-load/1.0 (Node.js)';

export function poolUser(index: number, runId: string): PoolUser {
  const sub = crypto.randomUUID();
  return {
    index,
    userName: sub,
    sub,
    // Big mail providers are exempt from the per-domain sign-up limit (SIGNUP_VELOCITY_EXEMPT_DOMAINS).
    email: `load.${runId}.${index}@gmail.com`,
    ip: `198.${18 + ((index >> 16) & 1)}.${(index >> 8) & 255}.${index & 255}`,
    deviceId: `load-device-${runId}-${index}`,
    groups: ['readers'],
  };
}

// biome-ignore lint/suspicious/noExplicitAny: sample events are cloned and changed field by field, as the tests do
type AnyEvent = Record<string, any>;

function envelope(user: PoolUser, event: AnyEvent): AnyEvent {
  event.userPoolId = POOL_ID;
  event.userName = user.userName;
  event.callerContext.clientId = CLIENT_ID;
  return event;
}

function attributes(user: PoolUser, status: 'UNCONFIRMED' | 'CONFIRMED'): Record<string, string> {
  return {
    sub: user.sub,
    'cognito:user_status': status,
    email_verified: status === 'CONFIRMED' ? 'true' : 'false',
    given_name: `Load${user.index}`,
    family_name: 'Tester',
    locale: 'en',
    email: user.email,
  };
}

function metadata(user: PoolUser, extra: Record<string, string> = {}): Record<string, string> {
  return { ip: user.ip, userAgent: USER_AGENT, deviceId: user.deviceId, appVersion: '1.0.0', ...extra };
}

export const events = {
  preSignUp(user: PoolUser): AnyEvent {
    const event = envelope(user, buildEvent('PreSignUp_SignUp'));
    const {
      sub: _,
      'cognito:user_status': __,
      email_verified: ___,
      ...claimed
    } = attributes(user, 'UNCONFIRMED');
    event.request.userAttributes = claimed;
    event.request.validationData = { ip: user.ip, userAgent: USER_AGENT };
    event.request.clientMetadata = metadata(user);
    return event;
  },
  signUpMessage(user: PoolUser): AnyEvent {
    const event = envelope(user, buildEvent('CustomMessage_SignUp'));
    event.request.userAttributes = attributes(user, 'UNCONFIRMED');
    event.request.clientMetadata = metadata(user);
    return event;
  },
  postConfirmation(user: PoolUser): AnyEvent {
    const event = envelope(user, buildEvent('PostConfirmation_ConfirmSignUp'));
    event.request.userAttributes = attributes(user, 'CONFIRMED');
    event.request.clientMetadata = metadata(user);
    return event;
  },
  /** Cognito sends the app's ClientMetadata of InitiateAuth as validationData here. */
  preAuthentication(user: PoolUser, requestId: string): AnyEvent {
    const event = envelope(user, buildEvent('PreAuthentication_Authentication'));
    event.request.userAttributes = attributes(user, 'CONFIRMED');
    event.request.validationData = metadata(user, { requestId });
    event.request.userNotFound = false;
    return event;
  },
  postAuthentication(user: PoolUser, requestId: string): AnyEvent {
    const event = envelope(user, buildEvent('PostAuthentication_Authentication'));
    event.request.userAttributes = attributes(user, 'CONFIRMED');
    event.request.clientMetadata = metadata(user, { requestId });
    event.request.newDeviceUsed = false;
    return event;
  },
  tokenGeneration(user: PoolUser, requestId: string): AnyEvent {
    const event = envelope(user, buildEvent('TokenGeneration_Authentication.V2_0'));
    event.request.userAttributes = attributes(user, 'CONFIRMED');
    event.request.groupConfiguration = {
      groupsToOverride: user.groups,
      iamRolesToOverride: [],
      preferredRole: null,
    };
    event.request.clientMetadata = metadata(user, { requestId });
    return event;
  },
  /** HTTP API payload 2.0, GET /items with the access token, from the user's address. */
  apiRequest(user: PoolUser, accessToken: string): AnyEvent {
    const event = buildEvent<AnyEvent>('http-v2');
    event.headers = { ...event.headers, authorization: `Bearer ${accessToken}`, 'x-forwarded-for': user.ip };
    event.identitySource = [`Bearer ${accessToken}`];
    event.requestContext.http.sourceIp = user.ip;
    event.requestContext.requestId = crypto.randomUUID();
    event.requestContext.timeEpoch = Date.now();
    return event;
  },
};

/**
 * The access token Cognito would issue after pre token generation (V2): the user's groups,
 * unless the trigger overrode them, and the claims and scopes it added.
 */
export function issueAccessToken(user: PoolUser, tokenGenerationResponse: AnyEvent): string {
  const details = tokenGenerationResponse.response?.claimsAndScopeOverrideDetails ?? {};
  const access = details.accessTokenGeneration ?? {};
  const groups: string[] = details.groupOverrideDetails?.groupsToOverride ?? user.groups;
  const scopes = ['aws.cognito.signin.user.admin', ...(access.scopesToAdd ?? [])].filter(
    (scope) => !(access.scopesToSuppress ?? []).includes(scope),
  );
  const now = Math.floor(Date.now() / 1000);
  return signSampleToken({
    ...(access.claimsToAddOrOverride ?? {}),
    sub: user.sub,
    'cognito:groups': groups,
    iss: SAMPLE_ISSUER,
    client_id: CLIENT_ID,
    origin_jti: crypto.randomUUID(),
    event_id: crypto.randomUUID(),
    token_use: 'access',
    scope: scopes.join(' '),
    auth_time: now,
    iat: now,
    exp: now + 3600,
    jti: crypto.randomUUID(),
    username: user.userName,
  });
}

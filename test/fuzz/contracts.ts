import * as v from 'valibot';

/**
 * What Cognito and API Gateway accept back from each function (docs/cognito-contracts.md, checked against
 * the AWS developer guides), as checks on an answer given to an event. Each returns the first broken
 * rule, or undefined. A trigger returns the whole event; an unchanged `response` is Cognito's
 * default behaviour.
 */
type AnyEvent = Record<string, any>;
export type ContractCheck = (answer: unknown, event: AnyEvent) => string | undefined;

const stringMap = v.record(v.string(), v.string());

/** Claims a pre token generation answer may never add or suppress. */
const FIXED_CLAIMS = new Set(
  'sub iss exp iat nbf jti nonce azp at_hash auth_time acr amr token_use client_id cognito:username identities device_key event_id origin_jti version'.split(
    ' ',
  ),
);
const CHANGEABLE_COGNITO_CLAIMS = new Set(['cognito:groups', 'cognito:roles', 'cognito:preferred_role']);

function fixedClaim(name: string): boolean {
  return FIXED_CLAIMS.has(name) || (name.startsWith('cognito:') && !CHANGEABLE_COGNITO_CLAIMS.has(name));
}

function issue(schema: v.GenericSchema, value: unknown, what: string): string | undefined {
  const result = v.safeParse(schema, value);
  if (result.success) return undefined;
  const first = result.issues[0];
  const path = (first.path ?? []).map((step) => String(step.key)).join('.');
  return `${what}${path ? `.${path}` : ''}: ${first.message}`;
}

/** The envelope comes back as Cognito sent it (the handler returns the event). */
function sameEnvelope(answer: unknown, event: AnyEvent): string | undefined {
  if (answer === null || typeof answer !== 'object') return 'a trigger must return the event object';
  const back = answer as AnyEvent;
  for (const key of ['version', 'triggerSource', 'region', 'userPoolId', 'userName'] as const) {
    if (back[key] !== event[key]) return `the envelope's ${key} changed`;
  }
  return undefined;
}

function withEnvelope(check: (response: any, event: AnyEvent) => string | undefined): ContractCheck {
  return (answer, event) => sameEnvelope(answer, event) ?? check((answer as AnyEvent).response, event);
}

/** No response fields: whatever Cognito sent comes back untouched. */
const responseUntouched = withEnvelope((response, event) =>
  JSON.stringify(response) === JSON.stringify(event.response)
    ? undefined
    : 'a trigger without response fields changed the response',
);

const preSignUp = withEnvelope((response, event) => {
  const problem = issue(
    v.strictObject({
      autoConfirmUser: v.optional(v.boolean()),
      autoVerifyEmail: v.optional(v.boolean()),
      autoVerifyPhone: v.optional(v.boolean()),
    }),
    response,
    'response',
  );
  if (problem) return problem;
  const attributes = event.request.userAttributes ?? {};
  if (response.autoVerifyEmail && !attributes.email)
    return 'autoVerifyEmail without an email fails the sign-up';
  if (response.autoVerifyPhone && !attributes.phone_number)
    return 'autoVerifyPhone without a phone number fails the sign-up';
  return undefined;
});

const migrateUser = withEnvelope((response) =>
  issue(
    v.looseObject({
      userAttributes: stringMap,
      finalUserStatus: v.optional(v.nullable(v.picklist(['CONFIRMED', 'RESET_REQUIRED']))),
      messageAction: v.optional(v.nullable(v.literal('SUPPRESS'))),
      desiredDeliveryMediums: v.optional(v.nullable(v.array(v.picklist(['SMS', 'EMAIL'])))),
      forceAliasCreation: v.optional(v.nullable(v.boolean())),
      enableSMSMFA: v.optional(v.nullable(v.boolean())),
    }),
    response,
    'response',
  ),
);

const defineAuthChallenge = withEnvelope((response) => {
  const problem = issue(
    v.looseObject({
      challengeName: v.optional(
        v.nullable(
          v.picklist([
            'CUSTOM_CHALLENGE',
            'PASSWORD_VERIFIER',
            'SRP_A',
            'SMS_MFA',
            'EMAIL_OTP',
            'SOFTWARE_TOKEN_MFA',
          ]),
        ),
      ),
      issueTokens: v.boolean(),
      failAuthentication: v.boolean(),
    }),
    response,
    'response',
  );
  if (problem) return problem;
  if (response.issueTokens && response.failAuthentication)
    return 'issueTokens and failAuthentication both true';
  return undefined;
});

const createAuthChallenge = withEnvelope((response) =>
  issue(
    // Null (as Cognito sends them) when the trigger adds nothing, e.g. for a challenge it does not run.
    v.looseObject({
      publicChallengeParameters: v.nullish(stringMap),
      privateChallengeParameters: v.nullish(stringMap),
      challengeMetadata: v.nullish(v.string()),
    }),
    response,
    'response',
  ),
);

const verifyAuthChallenge = withEnvelope((response) =>
  issue(v.looseObject({ answerCorrect: v.boolean() }), response, 'response'),
);

const claimValue = v.union([
  v.string(),
  v.number(),
  v.boolean(),
  v.array(v.unknown()),
  v.record(v.string(), v.unknown()),
]);
const groupOverride = v.optional(
  v.nullable(
    v.looseObject({
      groupsToOverride: v.optional(v.nullable(v.array(v.string()))),
      iamRolesToOverride: v.optional(v.nullable(v.array(v.string()))),
      preferredRole: v.optional(v.nullable(v.string())),
    }),
  ),
);
const claimChanges = (values: v.GenericSchema) => ({
  claimsToAddOrOverride: v.optional(v.nullable(v.record(v.string(), values))),
  claimsToSuppress: v.optional(v.nullable(v.array(v.string()))),
});

function claimRules(
  changes: AnyEvent | undefined | null,
  token: string,
  clientId: string,
): string | undefined {
  if (!changes) return undefined;
  const added = Object.keys(changes.claimsToAddOrOverride ?? {});
  const suppressed: string[] = changes.claimsToSuppress ?? [];
  const fixed = [...added, ...suppressed].find(fixedClaim);
  if (fixed) return `${token}: the claim ${fixed} can never be changed`;
  const aud = changes.claimsToAddOrOverride?.aud;
  if (aud !== undefined && (token !== 'access token' || aud !== clientId)) {
    return `${token}: aud may be added only to the access token, equal to the client id`;
  }
  return undefined;
}

const tokenGeneration = withEnvelope((response, event) => {
  const clientId = event.callerContext?.clientId;
  if (event.version === '1') {
    const problem = issue(
      v.looseObject({
        claimsOverrideDetails: v.nullish(
          v.looseObject({ ...claimChanges(v.string()), groupOverrideDetails: groupOverride }),
        ),
      }),
      response,
      'response',
    );
    return problem ?? claimRules(response.claimsOverrideDetails, 'ID token', clientId);
  }
  const problem = issue(
    v.looseObject({
      claimsAndScopeOverrideDetails: v.nullish(
        v.looseObject({
          idTokenGeneration: v.nullish(v.looseObject(claimChanges(claimValue))),
          accessTokenGeneration: v.nullish(
            v.looseObject({
              ...claimChanges(claimValue),
              scopesToAdd: v.nullish(v.array(v.pipe(v.string(), v.regex(/^\S+$/, 'a scope holds no space')))),
              scopesToSuppress: v.nullish(v.array(v.string())),
            }),
          ),
          groupOverrideDetails: groupOverride,
        }),
      ),
    }),
    response,
    'response',
  );
  const details = response.claimsAndScopeOverrideDetails;
  return (
    problem ??
    claimRules(details?.idTokenGeneration, 'ID token', clientId) ??
    claimRules(details?.accessTokenGeneration, 'access token', clientId)
  );
});

const SMS_LIMIT = 140;
const EMAIL_LIMIT = 20_000;
const SUBJECT_LIMIT = 140;

const customMessage = withEnvelope((response, event) => {
  const problem = issue(
    v.looseObject({
      smsMessage: v.nullish(v.string()),
      emailMessage: v.nullish(v.string()),
      emailSubject: v.nullish(v.string()),
    }),
    response,
    'response',
  );
  if (problem) return problem;
  const { codeParameter, usernameParameter } = event.request;
  const placeholders = [codeParameter];
  if (event.triggerSource === 'CustomMessage_AdminCreateUser' && usernameParameter)
    placeholders.push(usernameParameter);
  for (const [field, text] of [
    ['smsMessage', response.smsMessage],
    ['emailMessage', response.emailMessage],
  ] as const) {
    if (text == null) continue;
    const missing = placeholders.find((placeholder) => !text.includes(placeholder));
    if (missing !== undefined) return `${field} lacks a placeholder Cognito requires`;
  }
  if (response.smsMessage != null && response.smsMessage.length > SMS_LIMIT)
    return 'smsMessage over 140 characters';
  if (response.emailMessage != null && response.emailMessage.length > EMAIL_LIMIT)
    return 'emailMessage over 20,000 characters';
  if (response.emailSubject != null && response.emailSubject.length > SUBJECT_LIMIT)
    return 'emailSubject over 140 characters';
  return undefined;
});

const inboundFederation = withEnvelope((response) => {
  const problem = issue(
    v.looseObject({ userAttributesToMap: v.record(v.string(), v.pipe(v.string(), v.maxLength(2048))) }),
    response,
    'response',
  );
  if (problem) return problem;
  // `{}` keeps every attribute the provider sent: never the answer unless configured (keep-all).
  if (Object.keys(response.userAttributesToMap).length === 0)
    return 'userAttributesToMap {} keeps every attribute';
  return undefined;
});

/** Custom senders are asynchronous: Cognito reads no answer, but a returned value must still be plain. */
const sender: ContractCheck = () => undefined;

const contextValue = v.union([v.string(), v.number(), v.boolean()]);
const authorizer: ContractCheck = (answer) => {
  if (answer && typeof answer === 'object' && 'isAuthorized' in answer) {
    return issue(
      v.strictObject({ isAuthorized: v.boolean(), context: v.optional(v.record(v.string(), contextValue)) }),
      answer,
      'answer',
    );
  }
  return issue(
    v.looseObject({
      principalId: v.pipe(v.string(), v.minLength(1)),
      policyDocument: v.strictObject({
        Version: v.literal('2012-10-17'),
        Statement: v.pipe(
          v.array(
            v.looseObject({
              Action: v.union([v.string(), v.array(v.string())]),
              Effect: v.picklist(['Allow', 'Deny']),
              Resource: v.array(v.pipe(v.string(), v.maxLength(512))),
            }),
          ),
          v.minLength(1),
        ),
      }),
      context: v.optional(v.record(v.string(), contextValue)),
    }),
    answer,
    'answer',
  );
};

/** An HTTP API (payload 2.0) answer: a status and a string body, or an object API Gateway serializes. */
const httpAnswer: ContractCheck = (answer) =>
  issue(
    v.looseObject({
      statusCode: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599)),
      headers: v.optional(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()]))),
      body: v.optional(v.string()),
    }),
    answer,
    'answer',
  );

/** The onboarding sweeper answers how its sweep went: counts, nothing else. */
const sweepReport: ContractCheck = (answer) =>
  issue(
    v.strictObject({
      entries: v.pipe(v.number(), v.integer(), v.minValue(0)),
      settled: v.pipe(v.number(), v.integer(), v.minValue(0)),
      pending: v.pipe(v.number(), v.integer(), v.minValue(0)),
      unreadable: v.pipe(v.number(), v.integer(), v.minValue(0)),
      notReached: v.pipe(v.number(), v.integer(), v.minValue(0)),
    }),
    answer,
    'answer',
  );

/** The contract of each fuzzed function; checks get the answer and a copy of the event taken before the call. */
export function contractOf(functionName: string): ContractCheck {
  const checks: Record<string, ContractCheck> = {
    'pre-sign-up': preSignUp,
    'post-confirmation': responseUntouched,
    'pre-authentication': responseUntouched,
    'post-authentication': responseUntouched,
    'migrate-user': migrateUser,
    'define-auth-challenge': defineAuthChallenge,
    'create-auth-challenge': createAuthChallenge,
    'verify-auth-challenge': verifyAuthChallenge,
    'pre-token-generation': tokenGeneration,
    'custom-message': customMessage,
    'inbound-federation': inboundFederation,
    'onboarding-sweeper': sweepReport,
    'custom-email-sender': sender,
    'custom-sms-sender': sender,
    authorizer,
    'sign-in-context': httpAnswer,
    'sample-api': httpAnswer,
    'sign-out': httpAnswer,
    console: httpAnswer,
  };
  const check = checks[functionName];
  if (!check) throw new Error(`no contract for ${functionName}`);
  return check;
}

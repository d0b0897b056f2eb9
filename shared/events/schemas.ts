import * as v from 'valibot';
import { customEmailSenderSources, customMessageSources, customSmsSenderSources } from './messages.js';
import {
  createAuthChallengeSources,
  defineAuthChallengeSources,
  postAuthenticationSources,
  preAuthenticationSources,
  verifyAuthChallengeSources,
} from './sign-in.js';
import {
  inboundFederationSources,
  migrateUserSources,
  postConfirmationSources,
  preSignUpSources,
} from './sign-up.js';
import { clientCredentialsSource, userTokenGenerationSources } from './token-generation.js';

/**
 * Valibot schemas of every event. They check the envelope and the request fields the
 * functions read, and let unknown fields through (AWS adds fields over time).
 */
const stringMap = v.record(v.string(), v.string());
const optionalStringMap = v.optional(v.nullable(stringMap));
const anyResponse = v.unknown();

function envelope<S extends string, R extends v.GenericSchema>(sources: readonly S[], request: R) {
  return v.looseObject({
    version: v.string(),
    triggerSource: v.picklist(sources),
    region: v.string(),
    userPoolId: v.string(),
    userName: v.string(),
    callerContext: v.looseObject({ awsSdkVersion: v.string(), clientId: v.string() }),
    request,
    response: anyResponse,
  });
}

const userRequest = { userAttributes: stringMap, clientMetadata: v.optional(stringMap) };

export const preSignUpSchema = envelope(
  preSignUpSources,
  v.looseObject({ ...userRequest, validationData: optionalStringMap }),
);

export const postConfirmationSchema = envelope(postConfirmationSources, v.looseObject(userRequest));

export const migrateUserSchema = envelope(
  migrateUserSources,
  v.looseObject({
    password: v.optional(v.string()),
    validationData: optionalStringMap,
    clientMetadata: v.optional(stringMap),
  }),
);

export const inboundFederationSchema = envelope(
  inboundFederationSources,
  v.looseObject({
    providerName: v.string(),
    providerType: v.picklist(['OIDC', 'SAML', 'Facebook', 'Google', 'SignInWithApple', 'LoginWithAmazon']),
    attributes: v.looseObject({
      tokenResponse: v.optional(v.record(v.string(), v.unknown())),
      idToken: v.optional(v.record(v.string(), v.unknown())),
      userInfo: v.optional(v.record(v.string(), v.unknown())),
      samlResponse: v.optional(v.record(v.string(), v.unknown())),
    }),
  }),
);

export const preAuthenticationSchema = envelope(
  preAuthenticationSources,
  v.looseObject({ ...userRequest, userNotFound: v.optional(v.boolean()), validationData: optionalStringMap }),
);

export const postAuthenticationSchema = envelope(
  postAuthenticationSources,
  v.looseObject({ ...userRequest, newDeviceUsed: v.optional(v.boolean()) }),
);

const challengeName = v.picklist([
  'CUSTOM_CHALLENGE',
  'PASSWORD_VERIFIER',
  'SMS_MFA',
  'EMAIL_OTP',
  'SOFTWARE_TOKEN_MFA',
  'DEVICE_SRP_AUTH',
  'DEVICE_PASSWORD_VERIFIER',
  'ADMIN_NO_SRP_AUTH',
  'SRP_A',
  'NEW_PASSWORD_REQUIRED',
]);

const session = v.array(
  v.looseObject({
    challengeName,
    challengeResult: v.boolean(),
    challengeMetadata: v.optional(v.nullable(v.string()), undefined),
  }),
);

const customAuthRequest = { ...userRequest, session, userNotFound: v.optional(v.boolean()) };

export const defineAuthChallengeSchema = envelope(
  defineAuthChallengeSources,
  v.looseObject(customAuthRequest),
);

export const createAuthChallengeSchema = envelope(
  createAuthChallengeSources,
  v.looseObject({ ...customAuthRequest, challengeName }),
);

export const verifyAuthChallengeSchema = envelope(
  verifyAuthChallengeSources,
  v.looseObject({
    ...userRequest,
    privateChallengeParameters: stringMap,
    challengeAnswer: v.string(),
    userNotFound: v.optional(v.boolean()),
  }),
);

const groupConfiguration = v.looseObject({
  groupsToOverride: v.array(v.string()),
  iamRolesToOverride: v.array(v.string()),
  preferredRole: v.optional(v.nullable(v.string())),
});

const tokenRequestV1 = { ...userRequest, groupConfiguration };

/**
 * Machine to machine: there is no user. Cognito's own sample gives `userName` as the client
 * id, but it may be absent or null, and `userAttributes` / `groupConfiguration` may be missing or
 * null; none of them is read for this source (the client id comes from `callerContext`).
 */
const clientCredentialsEnvelope = v.looseObject({
  ...envelope([clientCredentialsSource], v.looseObject({})).entries,
  userName: v.nullish(v.string()),
  request: v.looseObject({
    userAttributes: v.nullish(stringMap),
    groupConfiguration: v.nullish(groupConfiguration),
    clientMetadata: v.nullish(stringMap),
    scopes: v.nullish(v.array(v.string())),
  }),
});

export const tokenGenerationSchema = v.variant('version', [
  v.looseObject({
    ...envelope(userTokenGenerationSources, v.looseObject(tokenRequestV1)).entries,
    version: v.literal('1'),
  }),
  v.looseObject({
    ...envelope(
      userTokenGenerationSources,
      v.looseObject({ ...tokenRequestV1, scopes: v.optional(v.array(v.string())) }),
    ).entries,
    version: v.literal('2'),
  }),
  v.variant('triggerSource', [
    v.looseObject({
      ...envelope(
        userTokenGenerationSources,
        v.looseObject({
          userAttributes: v.optional(stringMap),
          groupConfiguration: v.optional(groupConfiguration),
          clientMetadata: v.optional(stringMap),
          scopes: v.optional(v.array(v.string())),
        }),
      ).entries,
      version: v.literal('3'),
    }),
    v.looseObject({
      ...clientCredentialsEnvelope.entries,
      version: v.literal('3'),
    }),
  ]),
]);

const codeParameter = v.pipe(v.string(), v.minLength(1));

export const customMessageSchema = envelope(
  customMessageSources,
  v.looseObject({
    ...userRequest,
    codeParameter,
    linkParameter: v.optional(v.nullable(v.string())),
    usernameParameter: v.optional(v.nullable(v.string())),
  }),
);

export const customEmailSenderSchema = envelope(
  customEmailSenderSources,
  v.looseObject({
    ...userRequest,
    type: v.literal('customEmailSenderRequestV1'),
    code: v.optional(v.nullable(v.string())),
  }),
);

export const customSmsSenderSchema = envelope(
  customSmsSenderSources,
  v.looseObject({
    ...userRequest,
    type: v.literal('customSMSSenderRequestV1'),
    code: v.optional(v.nullable(v.string())),
  }),
);

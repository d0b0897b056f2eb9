import type {
  CognitoUserPoolTriggerEvent,
  PreTokenGenerationV2TriggerEvent,
  PreTokenGenerationV3TriggerEvent,
  UserMigrationTriggerEvent,
} from 'aws-lambda';
import type { ChallengeName as AwsChallengeName } from 'aws-lambda/trigger/cognito-user-pool-trigger/_common';
import type * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import type { httpV2Schema, restRequestSchema } from '../../shared/events/authorizer-schema.js';
import type {
  AuthorizerEvent,
  ChallengeName,
  HttpV1AuthorizerEvent,
  HttpV2AuthorizerEvent,
  MigrateUserEvent,
  RestRequestAuthorizerEvent,
  RestTokenAuthorizerEvent,
  TokenGenerationEvent,
  TokenGenerationV2Event,
  TokenGenerationV3Event,
  UserPoolTriggerEvent,
} from '../../shared/events/index.js';

/**
 * Each gap of @types/aws-lambda 8.10.164 listed in docs/cognito-contracts.md: the first assertion shows the
 * gap exists in @types/aws-lambda, the second that Gatehouse's type closes it.
 */
type V2IdClaims<E> = E extends { response: { claimsAndScopeOverrideDetails?: infer D } }
  ? NonNullable<NonNullable<D> extends { idTokenGeneration?: infer I } ? I : never> extends {
      claimsToAddOrOverride?: infer C;
    }
    ? NonNullable<C>
    : never
  : never;

describe('gaps of @types/aws-lambda closed by shared/events', () => {
  it('1. V2/V3 claims take any JSON value, not only strings', () => {
    const jsonClaims = { tenant: { id: 't1', tier: 3 }, roles: ['admin'], beta: true };
    expectTypeOf(jsonClaims).not.toExtend<V2IdClaims<PreTokenGenerationV2TriggerEvent>>();
    expectTypeOf(jsonClaims).toExtend<V2IdClaims<TokenGenerationV2Event>>();
    expectTypeOf(jsonClaims).toExtend<V2IdClaims<TokenGenerationV3Event>>();
  });

  it('2. V3 events come from user sign-ins too, not only client credentials', () => {
    type SignIn = 'TokenGeneration_Authentication';
    expectTypeOf<SignIn>().not.toExtend<PreTokenGenerationV3TriggerEvent['triggerSource']>();
    expectTypeOf<SignIn>().toExtend<TokenGenerationV3Event['triggerSource']>();
    type V3SignIn = Exclude<TokenGenerationV3Event, { triggerSource: 'TokenGeneration_ClientCredentials' }>;
    // The V3 schema lets a sign-in's attributes be absent (Cognito's V3 examples may leave them out).
    expectTypeOf<V3SignIn['request']['userAttributes']>().toEqualTypeOf<Record<string, string> | undefined>();
  });

  it('3. challenge names include EMAIL_OTP, SOFTWARE_TOKEN_MFA and NEW_PASSWORD_REQUIRED', () => {
    for (const name of ['EMAIL_OTP', 'SOFTWARE_TOKEN_MFA', 'NEW_PASSWORD_REQUIRED'] as const) {
      expectTypeOf(name).not.toExtend<AwsChallengeName>();
      expectTypeOf(name).toExtend<ChallengeName>();
    }
  });

  it('4. migrate user: desiredDeliveryMediums optional, messageAction without RESEND', () => {
    type AwsResponse = UserMigrationTriggerEvent['response'];
    type Response = MigrateUserEvent['response'];
    expectTypeOf<{ userAttributes: Record<string, string> }>().not.toExtend<AwsResponse>();
    expectTypeOf<{ userAttributes: Record<string, string> }>().toExtend<Response>();
    expectTypeOf<'RESEND'>().toExtend<NonNullable<AwsResponse['messageAction']>>();
    expectTypeOf<'RESEND'>().not.toExtend<NonNullable<Response['messageAction']>>();
  });

  it('5. the union of all events has the sender, federation and client-credentials sources', () => {
    type AwsSources = CognitoUserPoolTriggerEvent['triggerSource'];
    type Sources = UserPoolTriggerEvent['triggerSource'];
    expectTypeOf<'CustomEmailSender_SignUp'>().not.toExtend<AwsSources>();
    expectTypeOf<'CustomSMSSender_ForgotPassword'>().not.toExtend<AwsSources>();
    expectTypeOf<'CustomEmailSender_SignUp' | 'CustomSMSSender_ForgotPassword'>().toExtend<Sources>();
    expectTypeOf<
      'InboundFederation_ExternalProvider' | 'TokenGeneration_ClientCredentials'
    >().toExtend<Sources>();
  });
});

describe('narrowing', () => {
  it('narrows by triggerSource and version in a switch', () => {
    const claimsOf = (event: TokenGenerationEvent) => {
      if (event.version === '1') return event.response.claimsOverrideDetails;
      if (event.triggerSource === 'TokenGeneration_ClientCredentials') {
        expectTypeOf(event.version).toEqualTypeOf<'3'>();
        // Machine to machine: no user, so userName, userAttributes and groupConfiguration may be missing or null.
        expectTypeOf(event.userName).toEqualTypeOf<string | null | undefined>();
        expectTypeOf(event.request.userAttributes).toEqualTypeOf<Record<string, string> | null | undefined>();
        expectTypeOf(event.request.groupConfiguration).toExtend<object | null | undefined>();
        return event.request.scopes;
      }
      return event.request.groupConfiguration?.groupsToOverride;
    };
    expectTypeOf(claimsOf).returns.not.toBeAny();
    const read = (event: UserPoolTriggerEvent) => {
      switch (event.triggerSource) {
        case 'UserMigration_Authentication':
          expectTypeOf(event.request.password).toEqualTypeOf<string | undefined>();
          return event.response.finalUserStatus;
        case 'CustomMessage_AdminCreateUser':
          return event.request.usernameParameter;
        default:
          return undefined;
      }
    };
    expectTypeOf(read).returns.not.toBeAny();
  });
});

describe('authorizer events are their schemas’ output types', () => {
  it('each variant is what its schema parses, and the union narrows by version and type', () => {
    expectTypeOf<HttpV2AuthorizerEvent>().toEqualTypeOf<v.InferOutput<typeof httpV2Schema>>();
    expectTypeOf<RestRequestAuthorizerEvent>().toEqualTypeOf<v.InferOutput<typeof restRequestSchema>>();
    expectTypeOf<RestRequestAuthorizerEvent['headers']>().toEqualTypeOf<Record<
      string,
      string | undefined
    > | null>();
    expectTypeOf<HttpV2AuthorizerEvent['requestContext']['http']['sourceIp']>().toEqualTypeOf<string>();
    const arnOf = (event: AuthorizerEvent) => {
      if (event.version === '2.0') return event.routeArn;
      if (event.version === '1.0') {
        expectTypeOf(event).toEqualTypeOf<HttpV1AuthorizerEvent>();
        return event.methodArn;
      }
      if (event.type === 'TOKEN') {
        expectTypeOf(event).toEqualTypeOf<RestTokenAuthorizerEvent>();
        return event.methodArn;
      }
      expectTypeOf(event).toEqualTypeOf<RestRequestAuthorizerEvent>();
      return event.methodArn;
    };
    expectTypeOf(arnOf).returns.toEqualTypeOf<string>();
  });
});

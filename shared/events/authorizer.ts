import type * as v from 'valibot';
import type { httpV1Schema, httpV2Schema, restRequestSchema, restTokenSchema } from './authorizer-schema.js';

/**
 * API Gateway Lambda authorizer events and results: REST TOKEN and REQUEST, HTTP API 1.0 and 2.0.
 * Each event type is its schema's output type (./authorizer-schema.ts, where the notes on the
 * fields are); the results are what Gatehouse builds, so they have no schema.
 */

export type RestTokenAuthorizerEvent = v.InferOutput<typeof restTokenSchema>;
export type RestRequestAuthorizerEvent = v.InferOutput<typeof restRequestSchema>;
export type HttpV1AuthorizerEvent = v.InferOutput<typeof httpV1Schema>;
export type HttpV2AuthorizerEvent = v.InferOutput<typeof httpV2Schema>;
export type RequestIdentity = RestRequestAuthorizerEvent['requestContext']['identity'];

export type AuthorizerEvent =
  | RestTokenAuthorizerEvent
  | RestRequestAuthorizerEvent
  | HttpV1AuthorizerEvent
  | HttpV2AuthorizerEvent;

/** API Gateway delivers context values to the backend as strings; only these three types are allowed. */
export type AuthorizerContext = Record<string, string | number | boolean>;

export interface PolicyStatement {
  Action: 'execute-api:Invoke';
  Effect: 'Allow' | 'Deny';
  /** Each at most 512 characters. */
  Resource: string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** REST and HTTP API (IAM-policy mode) result. */
export interface IamPolicyAuthorizerResult {
  principalId: string;
  policyDocument: PolicyDocument;
  context?: AuthorizerContext;
  usageIdentifierKey?: string;
}

/** HTTP API payload 2.0 with simple responses enabled. */
export interface SimpleAuthorizerResult {
  isAuthorized: boolean;
  context?: AuthorizerContext;
}

export type AuthorizerResult = IamPolicyAuthorizerResult | SimpleAuthorizerResult;

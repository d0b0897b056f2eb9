/** API Gateway Lambda authorizer events and results: REST TOKEN and REQUEST, HTTP API 1.0 and 2.0. */

type Headers = Record<string, string | undefined>;
type MultiValue = Record<string, string[] | undefined>;

export interface RestTokenAuthorizerEvent {
  type: 'TOKEN';
  /** The raw identity-source header, e.g. `Bearer eyJ...`. Never log it. */
  authorizationToken: string;
  methodArn: string;
}

export interface RequestIdentity {
  sourceIp: string;
  userAgent?: string | null;
  [key: string]: unknown;
}

export interface RestRequestAuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  resource: string;
  path: string;
  httpMethod: string;
  headers: Headers | null;
  multiValueHeaders?: MultiValue | null;
  queryStringParameters?: Headers | null;
  multiValueQueryStringParameters?: MultiValue | null;
  pathParameters?: Headers | null;
  stageVariables?: Headers | null;
  requestContext: {
    accountId: string;
    apiId: string;
    stage: string;
    requestId: string;
    resourcePath?: string;
    httpMethod?: string;
    path?: string;
    identity: RequestIdentity;
    [key: string]: unknown;
  };
  /** Absent in REST events; `1.0` in HTTP API payload 1.0 events, which otherwise share this shape. */
  version?: undefined;
}

/** HTTP API payload format 1.0: the REST REQUEST shape plus `version` and `identitySource`. */
export interface HttpV1AuthorizerEvent extends Omit<RestRequestAuthorizerEvent, 'version'> {
  version: '1.0';
  identitySource?: string;
  authorizationToken?: string;
}

export interface HttpV2AuthorizerEvent {
  version: '2.0';
  type: 'REQUEST';
  routeArn: string;
  identitySource?: string[] | null;
  routeKey: string;
  rawPath: string;
  rawQueryString?: string;
  cookies?: string[];
  /** Lower-cased by API Gateway (serverless-offline keeps case: read case-insensitively). */
  headers?: Headers;
  queryStringParameters?: Headers;
  pathParameters?: Headers;
  stageVariables?: Headers;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName?: string;
    http: { method: string; path: string; protocol?: string; sourceIp: string; userAgent?: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time?: string;
    timeEpoch?: number;
    [key: string]: unknown;
  };
}

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

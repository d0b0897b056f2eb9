import * as v from 'valibot';

/**
 * API Gateway Lambda authorizer events: REST TOKEN and REQUEST, HTTP API payload 1.0 and 2.0. The
 * schemas below are the event types (shared/events/authorizer.ts takes their output types); what
 * the authorizer itself checks on every request is `authorizerInputSchemas`, further down.
 */

/** A header, query or path map: one value per name. */
const valueMap = v.record(v.string(), v.optional(v.string()));
/** The multi-value form of a REST map: every value per name. */
const multiValueMap = v.record(v.string(), v.optional(v.array(v.string())));

export const restTokenSchema = v.looseObject({
  type: v.literal('TOKEN'),
  /** Absent: only HTTP API events carry a `version` (the authorizer refuses a TOKEN event with one). */
  version: v.optional(v.undefined()),
  /** The raw identity-source header, e.g. `Bearer eyJ...`. Never log it. */
  authorizationToken: v.string(),
  methodArn: v.string(),
});

const requestIdentitySchema = v.looseObject({
  sourceIp: v.string(),
  userAgent: v.optional(v.nullable(v.string())),
});

/** The REST REQUEST shape, which HTTP API payload 1.0 shares. */
const requestEntries = {
  type: v.literal('REQUEST'),
  methodArn: v.string(),
  resource: v.string(),
  path: v.string(),
  httpMethod: v.string(),
  /** `null` when the request has none. Read case-insensitively: serverless-offline keeps the case. */
  headers: v.nullable(valueMap),
  multiValueHeaders: v.optional(v.nullable(multiValueMap)),
  queryStringParameters: v.optional(v.nullable(valueMap)),
  multiValueQueryStringParameters: v.optional(v.nullable(multiValueMap)),
  pathParameters: v.optional(v.nullable(valueMap)),
  stageVariables: v.optional(v.nullable(valueMap)),
  requestContext: v.looseObject({
    accountId: v.string(),
    apiId: v.string(),
    stage: v.string(),
    requestId: v.string(),
    resourcePath: v.optional(v.string()),
    httpMethod: v.optional(v.string()),
    path: v.optional(v.string()),
    identity: requestIdentitySchema,
  }),
};

/** REST REQUEST: no `version` (HTTP API payload 1.0 events, otherwise alike, carry `1.0`). */
export const restRequestSchema = v.looseObject({ ...requestEntries, version: v.optional(v.undefined()) });

/** HTTP API payload format 1.0: the REST REQUEST shape plus `version` and `identitySource`. */
export const httpV1Schema = v.looseObject({
  ...requestEntries,
  version: v.literal('1.0'),
  identitySource: v.optional(v.string()),
  authorizationToken: v.optional(v.string()),
});

export const httpV2Schema = v.looseObject({
  version: v.literal('2.0'),
  type: v.literal('REQUEST'),
  routeArn: v.string(),
  identitySource: v.optional(v.nullable(v.array(v.string()))),
  routeKey: v.string(),
  rawPath: v.string(),
  rawQueryString: v.optional(v.string()),
  cookies: v.optional(v.array(v.string())),
  /** Lower-cased by API Gateway (serverless-offline keeps the case: read case-insensitively). */
  headers: v.optional(valueMap),
  queryStringParameters: v.optional(valueMap),
  pathParameters: v.optional(valueMap),
  stageVariables: v.optional(valueMap),
  requestContext: v.looseObject({
    accountId: v.string(),
    apiId: v.string(),
    domainName: v.optional(v.string()),
    http: v.looseObject({
      method: v.string(),
      path: v.string(),
      protocol: v.optional(v.string()),
      sourceIp: v.string(),
      userAgent: v.optional(v.string()),
    }),
    requestId: v.string(),
    routeKey: v.string(),
    stage: v.string(),
    time: v.optional(v.string()),
    timeEpoch: v.optional(v.number()),
  }),
});

/** Longer than any ARN API Gateway sends (its resource paths are bounded), far below a memory risk. */
export const MAX_ARN_LENGTH = 1600;

/**
 * What the authorizer itself reads of each of the four event shapes, and nothing more: the
 * discriminating fields, the ARN the policy speaks about, and the token's field (TOKEN) or the
 * header maps (REQUEST, HTTP 1.0 and 2.0), which it reads case-insensitively itself. Everything
 * else passes through unchecked, so a field the authorizer never reads cannot refuse a request.
 * The ARN comes first: a bad ARN is reported before a missing token. The authorizer applies these
 * as direct checks on every request and runs a schema only to name the field of an event it
 * refuses (shared/authorizer/request.ts; test/authorizer/request-shape.test.ts holds the two equal).
 */
const arn = v.pipe(v.string(), v.maxLength(MAX_ARN_LENGTH));
const headerMaps = { headers: v.optional(v.unknown()), multiValueHeaders: v.optional(v.unknown()) };

export const authorizerInputSchemas = {
  token: v.object({
    type: v.literal('TOKEN'),
    version: v.optional(v.undefined()),
    methodArn: arn,
    /** The raw identity-source header, e.g. `Bearer eyJ...`. Never log it. */
    authorizationToken: v.pipe(v.string(), v.nonEmpty()),
  }),
  request: v.object({
    type: v.literal('REQUEST'),
    version: v.optional(v.undefined()),
    methodArn: arn,
    ...headerMaps,
  }),
  'http-1.0': v.object({
    type: v.literal('REQUEST'),
    version: v.literal('1.0'),
    methodArn: arn,
    ...headerMaps,
  }),
  'http-2.0': v.object({
    type: v.literal('REQUEST'),
    version: v.literal('2.0'),
    routeArn: arn,
    ...headerMaps,
  }),
};

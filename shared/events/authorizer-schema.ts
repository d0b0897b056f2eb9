import * as v from 'valibot';

const headers = v.optional(v.nullable(v.record(v.string(), v.optional(v.string()))));

export const restTokenSchema = v.looseObject({
  type: v.literal('TOKEN'),
  authorizationToken: v.string(),
  methodArn: v.string(),
});

const requestContextV1 = v.looseObject({
  identity: v.looseObject({ sourceIp: v.string() }),
});

/** REST REQUEST, and HTTP API payload 1.0 which shares its shape. */
export const restRequestSchema = v.looseObject({
  type: v.literal('REQUEST'),
  version: v.optional(v.literal('1.0')),
  methodArn: v.string(),
  headers,
  requestContext: requestContextV1,
});

export const httpV2Schema = v.looseObject({
  version: v.literal('2.0'),
  type: v.literal('REQUEST'),
  routeArn: v.string(),
  routeKey: v.string(),
  headers,
  requestContext: v.looseObject({
    http: v.looseObject({ method: v.string(), path: v.string(), sourceIp: v.string() }),
  }),
});

/**
 * What the authorizer itself reads of each of the four event shapes, and nothing more: the
 * discriminating fields, the ARN the policy speaks about, and the token's field (TOKEN) or the
 * header maps (REQUEST, HTTP 1.0 and 2.0), which it reads case-insensitively itself
 * (shared/authorizer/request.ts). Everything else passes through unchecked, so a field the
 * authorizer never reads cannot refuse a request. The ARN comes first: a bad ARN is reported
 * before a missing token. `v.object` lets unknown fields through without copying them: this
 * runs on every request (`npm run bench -- authorizer`).
 */
/** Longer than any ARN API Gateway sends (its resource paths are bounded), far below a memory risk. */
export const MAX_ARN_LENGTH = 1600;
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

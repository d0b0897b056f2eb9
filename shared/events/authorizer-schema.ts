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

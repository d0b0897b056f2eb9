import * as v from 'valibot';

/**
 * An Application Load Balancer's request to a Lambda target. Header names arrive lower-cased;
 * with multi-value headers on in the target group, `multiValueHeaders` (and
 * `multiValueQueryStringParameters`) replace `headers` (and `queryStringParameters`).
 */
export interface AlbEvent {
  requestContext: { elb: { targetGroupArn: string } };
  httpMethod: string;
  path: string;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string | null;
  isBase64Encoded: boolean;
}

/** A Lambda target's answer. Use `multiValueHeaders` when the event had them. */
export interface AlbResult {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** The fields of an ALB event Gatehouse reads; everything else passes through. */
export const albEventSchema = v.looseObject({
  requestContext: v.looseObject({ elb: v.looseObject({ targetGroupArn: v.string() }) }),
  httpMethod: v.string(),
  path: v.string(),
  headers: v.optional(v.record(v.string(), v.string())),
  multiValueHeaders: v.optional(v.record(v.string(), v.array(v.string()))),
  body: v.nullable(v.string()),
  isBase64Encoded: v.boolean(),
});

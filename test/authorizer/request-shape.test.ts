import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { AuthorizationFailure, type EventFormat, readRequest } from '../../shared/authorizer/request.js';
import { authorizerInputSchemas, MAX_ARN_LENGTH } from '../../shared/events/authorizer-schema.js';

/**
 * The authorizer reads its events with direct checks rather than a valibot parse on every request
 * (shared/authorizer/request.ts, `npm run bench -- authorizer`). The schemas stay the definition:
 * on generated events, hostile ones included, the direct checks accept exactly what the schema of
 * the event's format accepts, and a refusal names the field the schema objects to.
 */
const ARN = 'arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/items';
const AUTHORIZATION = 'Bearer header.payload.signature';

const stringOrJunk = (strings: fc.Arbitrary<string>) =>
  fc.oneof(
    strings,
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.object({ maxDepth: 1 }),
  );
const arnLike = stringOrJunk(
  fc.oneof(
    fc.constant(ARN),
    fc.constant(''),
    fc.string({ maxLength: 20 }),
    fc.constantFrom(MAX_ARN_LENGTH - 1, MAX_ARN_LENGTH, MAX_ARN_LENGTH + 1).map((n) => 'a'.repeat(n)),
  ),
);
const tokenLike = stringOrJunk(fc.oneof(fc.constant(AUTHORIZATION), fc.constant(''), fc.string()));

/** An event of `format` whose fields the schema checks are each right, missing or wrong. */
function eventsOf(format: EventFormat) {
  const discriminators = {
    token: { type: 'TOKEN' },
    request: { type: 'REQUEST' },
    'http-1.0': { type: 'REQUEST', version: '1.0' },
    'http-2.0': { type: 'REQUEST', version: '2.0' },
  }[format];
  return fc
    .record(
      { methodArn: arnLike, routeArn: arnLike, authorizationToken: tokenLike, extra: fc.jsonValue() },
      { requiredKeys: [] },
    )
    .map((fields) => ({
      ...fields,
      ...discriminators,
      // A readable Authorization header, so that only the fields the schemas check decide.
      headers: { authorization: AUTHORIZATION },
    }));
}

const FORMATS: EventFormat[] = ['token', 'request', 'http-1.0', 'http-2.0'];

describe('the authorizer reads exactly the events its schemas accept', () => {
  it.each(FORMATS)('%s: accepted by the direct checks if and only if the schema accepts', (format) => {
    fc.assert(
      fc.property(eventsOf(format), (event) => {
        const schema = v.safeParse(authorizerInputSchemas[format], event, { abortEarly: true });
        let read: ReturnType<typeof readRequest> | undefined;
        let refusal: unknown;
        try {
          read = readRequest(event, { eventFormat: 'auto' });
        } catch (error) {
          refusal = error;
        }
        expect(read !== undefined).toBe(schema.success);
        if (schema.success) {
          expect(read).toEqual({
            format,
            authorization: format === 'token' ? event.authorizationToken : AUTHORIZATION,
            arn: format === 'http-2.0' ? event.routeArn : event.methodArn,
          });
        } else {
          const field = schema.issues[0].path?.[0]?.key;
          expect(refusal).toBeInstanceOf(AuthorizationFailure);
          expect(refusal).toMatchObject({
            reason: field === 'authorizationToken' ? 'NO_TOKEN' : 'UNSUPPORTED_EVENT',
            detail: field,
          });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('names the field in the refusal, never its value', () => {
    const event = { type: 'REQUEST', version: '2.0', routeArn: 'a'.repeat(MAX_ARN_LENGTH + 1), headers: {} };
    let refusal: AuthorizationFailure | undefined;
    try {
      readRequest(event, { eventFormat: 'auto' });
    } catch (error) {
      refusal = error as AuthorizationFailure;
    }
    expect(refusal).toMatchObject({ reason: 'UNSUPPORTED_EVENT', detail: 'routeArn' });
    expect(JSON.stringify(refusal)).not.toContain('aaaa');
    expect(refusal?.message).toBe('UNSUPPORTED_EVENT');
  });
});

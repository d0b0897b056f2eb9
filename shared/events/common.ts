import * as v from 'valibot';

/**
 * The building blocks every user-pool trigger's schema shares. The schemas are the types: each
 * event type is its schema's output (`v.InferOutput`), so what the parser checks and what the code
 * may read are one text. They check the envelope and the request fields the functions read, and
 * let unknown fields through (AWS adds fields over time).
 */

/** Cognito sends every user attribute as a string, including booleans ("true") and numbers. */
export const stringMap = v.record(v.string(), v.string());
export type StringMap = v.InferOutput<typeof stringMap>;

/** A map Cognito may leave out or send as `null` (validationData, the token V3 client-credentials fields). */
export const optionalStringMap = v.optional(v.nullable(stringMap));

/**
 * The `response` of an event: what the function writes back, not something it reads from the
 * caller, so it is not checked; the schema only gives it its type.
 */
export function answer<T>() {
  return v.custom<T>(() => true);
}

/** A response with no fields (Cognito ignores what comes back). */
export type NoResponse = Record<string, never>;

/** Attributes of a user, plus the metadata an app passed to the API call that fired the trigger. */
export const userRequest = { userAttributes: stringMap, clientMetadata: v.optional(stringMap) };

/**
 * The envelope shared by every user-pool trigger. The literal triggerSource is what makes the
 * union of all events narrow in a `switch`.
 */
export function envelope<S extends string, R extends v.GenericSchema, A extends v.GenericSchema>(
  sources: readonly S[],
  request: R,
  response: A,
) {
  return v.looseObject({
    version: v.string(),
    triggerSource: v.picklist(sources),
    region: v.string(),
    userPoolId: v.string(),
    userName: v.string(),
    /** Who called Cognito: the SDK version and the app client. */
    callerContext: v.looseObject({ awsSdkVersion: v.string(), clientId: v.string() }),
    request,
    response,
  });
}

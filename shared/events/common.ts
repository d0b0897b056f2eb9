/** Cognito sends every user attribute as a string, including booleans ("true") and numbers. */
export type StringMap = Record<string, string>;

/** Who called Cognito: the SDK version and the app client. */
export interface CallerContext {
  awsSdkVersion: string;
  clientId: string;
}

/**
 * The envelope shared by every user-pool trigger. `TSource` is the literal triggerSource,
 * which is what makes the union of all events narrow in a `switch`.
 */
export interface TriggerEnvelope<TSource extends string, TRequest, TResponse> {
  version: string;
  triggerSource: TSource;
  region: string;
  userPoolId: string;
  userName: string;
  callerContext: CallerContext;
  request: TRequest;
  response: TResponse;
}

/** Attributes of a user, plus the metadata an app passed to the API call that fired the trigger. */
export interface UserRequest {
  userAttributes: StringMap;
  clientMetadata?: StringMap;
}

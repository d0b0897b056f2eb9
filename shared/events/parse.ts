import * as v from 'valibot';
import { describeType, InvalidEventError } from '../errors/index.js';
import { type AlbEvent, albEventSchema } from './alb.js';
import * as authorizerSchemas from './authorizer-schema.js';
import type { AuthorizerEvent, TriggerSource, UserPoolTriggerEvent } from './index.js';
import { customEmailSenderSchema, customMessageSchema, customSmsSenderSchema } from './messages.js';
import {
  createAuthChallengeSchema,
  defineAuthChallengeSchema,
  postAuthenticationSchema,
  preAuthenticationSchema,
  verifyAuthChallengeSchema,
} from './sign-in.js';
import {
  inboundFederationSchema,
  migrateUserSchema,
  postConfirmationSchema,
  preSignUpSchema,
} from './sign-up.js';
import { tokenGenerationSchema } from './token-generation.js';

/**
 * Checks `input` against `schema` and returns the same object, typed. The original is returned
 * (not valibot's copy) so that the handler answers Cognito with exactly what it was sent.
 * Throws an `InvalidEventError` naming the first bad field, e.g.
 * `request.userAttributes.email: expected string, got number`.
 */
export function checkEvent<S extends v.GenericSchema, E = v.InferOutput<S>>(schema: S, input: unknown): E {
  const result = v.safeParse(schema, input, { abortEarly: true });
  // The schema accepted it, and its output type is the event type (the schemas transform nothing).
  if (result.success) return input as E;
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((step) => String(step.key)).join('.');
  if (issue.input === undefined) throw new InvalidEventError(path, 'required, got nothing');
  const expected = issue.kind === 'schema' ? `expected ${issue.expected}` : issue.message;
  throw new InvalidEventError(path, `${expected}, got ${describeGot(path, issue.input)}`);
}

/** Fields that say what an event is, set by Cognito or API Gateway: their value is shown, never a secret. */
const KIND_FIELDS = new Set(['triggerSource', 'version', 'type']);

/** `"PreSignUp_SignUp"` for a wrong event kind (the value tells the mistake), else only the type. */
function describeGot(path: string, input: unknown): string {
  const showable = typeof input === 'string' && /^[\w.-]{1,64}$/.test(input);
  return KIND_FIELDS.has(path) && showable ? JSON.stringify(input) : describeType(input);
}

export const parsePreSignUpEvent = (input: unknown) => checkEvent(preSignUpSchema, input);
export const parsePostConfirmationEvent = (input: unknown) => checkEvent(postConfirmationSchema, input);
export const parseMigrateUserEvent = (input: unknown) => checkEvent(migrateUserSchema, input);
export const parseInboundFederationEvent = (input: unknown) => checkEvent(inboundFederationSchema, input);
export const parsePreAuthenticationEvent = (input: unknown) => checkEvent(preAuthenticationSchema, input);
export const parsePostAuthenticationEvent = (input: unknown) => checkEvent(postAuthenticationSchema, input);
export const parseDefineAuthChallengeEvent = (input: unknown) => checkEvent(defineAuthChallengeSchema, input);
export const parseCreateAuthChallengeEvent = (input: unknown) => checkEvent(createAuthChallengeSchema, input);
export const parseVerifyAuthChallengeEvent = (input: unknown) => checkEvent(verifyAuthChallengeSchema, input);
export const parseTokenGenerationEvent = (input: unknown) => checkEvent(tokenGenerationSchema, input);
export const parseCustomMessageEvent = (input: unknown) => checkEvent(customMessageSchema, input);
export const parseCustomEmailSenderEvent = (input: unknown) => checkEvent(customEmailSenderSchema, input);
export const parseCustomSmsSenderEvent = (input: unknown) => checkEvent(customSmsSenderSchema, input);
/** An Application Load Balancer's request to a Lambda target. */
export const parseAlbEvent = (input: unknown) =>
  checkEvent<typeof albEventSchema, AlbEvent>(albEventSchema, input);

/** REST TOKEN, REST REQUEST, HTTP API 1.0 (REST REQUEST shape plus `version`) or HTTP API 2.0. */
export function parseAuthorizerEvent(input: unknown): AuthorizerEvent {
  const fields = (input ?? {}) as { version?: unknown; type?: unknown };
  if (fields.version === '2.0') return checkEvent(authorizerSchemas.httpV2Schema, input);
  if (fields.version === '1.0') return checkEvent(authorizerSchemas.httpV1Schema, input);
  if (fields.type === 'TOKEN') return checkEvent(authorizerSchemas.restTokenSchema, input);
  return checkEvent(authorizerSchemas.restRequestSchema, input);
}

/** The parser for each triggerSource prefix; the prefix before `_` names the trigger. */
const parserByPrefix: Record<string, (input: unknown) => UserPoolTriggerEvent> = {
  PreSignUp: parsePreSignUpEvent,
  PostConfirmation: parsePostConfirmationEvent,
  UserMigration: parseMigrateUserEvent,
  InboundFederation: parseInboundFederationEvent,
  PreAuthentication: parsePreAuthenticationEvent,
  PostAuthentication: parsePostAuthenticationEvent,
  DefineAuthChallenge: parseDefineAuthChallengeEvent,
  CreateAuthChallenge: parseCreateAuthChallengeEvent,
  VerifyAuthChallengeResponse: parseVerifyAuthChallengeEvent,
  TokenGeneration: parseTokenGenerationEvent,
  CustomMessage: parseCustomMessageEvent,
  CustomEmailSender: parseCustomEmailSenderEvent,
  CustomSMSSender: parseCustomSmsSenderEvent,
};

/** Parses any user-pool trigger event, choosing the parser by its triggerSource. */
export function parseTriggerEvent(input: unknown): UserPoolTriggerEvent {
  const source = (input as { triggerSource?: unknown } | null)?.triggerSource;
  if (typeof source !== 'string') {
    throw new InvalidEventError('triggerSource', `expected string, got ${describeType(source)}`);
  }
  const parse = parserByPrefix[source.split('_')[0] ?? ''];
  if (!parse) throw new InvalidEventError('triggerSource', `unknown triggerSource "${source}"`);
  return parse(input);
}

export type { TriggerSource };

import fc from 'fast-check';
import * as v from 'valibot';
import { functionLoaders, type LocalHandler } from '../../scripts/local/registry.js';
import { consoleEventSchema } from '../../shared/console/http.js';
import * as authorizerSchemas from '../../shared/events/authorizer-schema.js';
import * as messages from '../../shared/events/messages.js';
import * as signIn from '../../shared/events/sign-in.js';
import * as signUp from '../../shared/events/sign-up.js';
import { tokenGenerationSchema } from '../../shared/events/token-generation.js';
import { sweepEventSchema } from '../../shared/onboarding/sweeper.js';
import { contextRequestSchema } from '../../shared/sign-in-context/endpoint.js';
import { listSampleEvents, sampleEvent } from '../support/events.js';
import { anyJson, fromSchema, hostileString } from './schema-arbitrary.js';

/**
 * Every function Cognito or API Gateway calls, with the schema its events are generated from,
 * the sample events that seed realistic ones, and whether an accepted event reaches storage
 * (dynalite): those get fewer accepted runs, as each costs store round trips.
 */
export interface FuzzTarget {
  name: string;
  schema: v.GenericSchema;
  /** Events of the schema (shape only) and, mixed in, the samples with their strings made hostile. */
  accepted: fc.Arbitrary<Record<string, unknown>>;
  /** Cognito's own `response` for a trigger (never the caller's to write); undefined for HTTP events. */
  response: (event: Record<string, unknown>) => unknown;
  load: () => Promise<LocalHandler>;
  /** An accepted event does store or mail I/O (dynalite, the SES emulator): fewer runs of those. */
  storage: boolean;
  kind: 'trigger' | 'authorizer' | 'http';
}

/** Sample events of a function (its folder in `events/`). */
function samplesOf(folder: string): Record<string, unknown>[] {
  return listSampleEvents()
    .filter((sample) => sample.functionName === folder)
    .map((sample) => sampleEvent(sample.name));
}

/** A sample with 1 to 3 of its string leaves replaced by hostile strings (its shape kept). */
function hostileLeaves(samples: Record<string, unknown>[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.constantFrom(...samples),
      fc.array(fc.tuple(fc.nat(), hostileString), { minLength: 1, maxLength: 3 }),
    )
    .map(([sample, changes]) => {
      const event = structuredClone(sample);
      const leaves = stringLeaves(event);
      for (const [pick, value] of changes) {
        if (leaves.length === 0) break;
        const [holder, key] = leaves[pick % leaves.length]!;
        // The kind of event stays what it is: triggerSource and version pick the parser.
        if (key !== 'triggerSource' && key !== 'version' && key !== 'type') holder[key] = value;
      }
      return event;
    });
}

function stringLeaves(node: unknown, out: Array<[Record<string, unknown>, string]> = []) {
  if (node === null || typeof node !== 'object') return out;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string') out.push([node as Record<string, unknown>, key]);
    else stringLeaves(value, out);
  }
  return out;
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

const asEvent = (arbitrary: fc.Arbitrary<unknown>) => arbitrary as fc.Arbitrary<Record<string, unknown>>;

function trigger(name: string, schema: v.GenericSchema, storage: boolean): FuzzTarget {
  const samples = samplesOf(name);
  const responses = new Map(
    samples.map((sample) => [`${sample.triggerSource}/${sample.version}`, sample.response]),
  );
  const fallback = samples[0]?.response ?? {};
  return {
    name,
    schema,
    accepted: fc.oneof(asEvent(fromSchema(schema)), hostileLeaves(samples)),
    // What Cognito sends for this source (the samples'), else the function's first sample's.
    response: (event) =>
      structuredClone(responses.get(`${text(event.triggerSource)}/${text(event.version)}`) ?? fallback),
    load: async () => (await functionLoaders[name]!()).handler,
    storage,
    kind: 'trigger',
  };
}

const httpV2Sample = () => sampleEvent<Record<string, any>>('http-v2');

/** `POST /sign-in-context`: an HTTP API 2.0 event whose body is (mostly) a context request. */
const signInContextSchema = v.looseObject({
  version: v.literal('2.0'),
  routeKey: v.literal('POST /sign-in-context'),
  rawPath: v.string(),
  headers: v.record(v.string(), v.string()),
  requestContext: v.looseObject({
    http: v.looseObject({
      method: v.literal('POST'),
      path: v.string(),
      sourceIp: v.string(),
      userAgent: v.string(),
    }),
  }),
  body: v.optional(v.string()),
  isBase64Encoded: v.boolean(),
});

function signInContextEvents(): fc.Arbitrary<Record<string, unknown>> {
  const body = fc.oneof(
    { weight: 3, arbitrary: fromSchema(contextRequestSchema).map((request) => JSON.stringify(request)) },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
  );
  const realistic = fc.tuple(body, fc.boolean()).map(([text, base64]) => {
    const event = httpV2Sample();
    event.routeKey = 'POST /sign-in-context';
    event.rawPath = '/sign-in-context';
    event.requestContext.http.method = 'POST';
    event.body = base64 ? Buffer.from(text).toString('base64') : text;
    event.isBase64Encoded = base64;
    return event;
  });
  return fc.oneof(asEvent(fromSchema(signInContextSchema)), realistic);
}

/**
 * `POST /sign-out` behind the authorizer: an HTTP API 2.0 event whose request context carries the
 * authorizer's flat context (`requestContext.authorizer.lambda`). API Gateway always sends the
 * request context; the authorizer context is missing only on a route wired without the authorizer,
 * which the function must refuse, never crash on.
 */
const authorizerContextValue = v.union([v.string(), v.number(), v.boolean()]);
const signOutSchema = v.looseObject({
  version: v.literal('2.0'),
  routeKey: v.string(),
  rawPath: v.string(),
  headers: v.optional(v.record(v.string(), v.string())),
  requestContext: v.looseObject({
    http: v.looseObject({
      method: v.string(),
      path: v.string(),
      sourceIp: v.string(),
      userAgent: v.string(),
    }),
    authorizer: v.optional(
      v.looseObject({ lambda: v.optional(v.record(v.string(), authorizerContextValue)) }),
    ),
  }),
  body: v.optional(v.string()),
  isBase64Encoded: v.boolean(),
});

function signOutEvents(): fc.Arbitrary<Record<string, unknown>> {
  // What the authorizer puts in the context (shared/authorizer/principal.ts), with hostile values mixed in.
  const context = fc.record(
    {
      sub: fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: hostileString }),
      username: hostileString,
      groups: hostileString,
      scopes: fc.constantFrom('aws.cognito.signin.user.admin', ''),
      clientId: hostileString,
      tokenUse: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('access', 'id') },
        { weight: 1, arbitrary: hostileString },
      ),
    },
    { requiredKeys: ['tokenUse'] },
  );
  const authorization = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) }, // the sample's own (valid) token is kept
    { weight: 1, arbitrary: hostileString },
  );
  const realistic = fc
    .tuple(fc.option(context, { nil: undefined }), authorization, fc.boolean())
    .map(([lambda, header, upper]) => {
      const event = httpV2Sample();
      event.routeKey = 'POST /sign-out';
      event.rawPath = '/sign-out';
      event.requestContext.http.method = 'POST';
      event.requestContext.http.path = '/sign-out';
      event.requestContext.routeKey = 'POST /sign-out';
      event.isBase64Encoded = false;
      if (lambda) event.requestContext.authorizer = { lambda };
      if (header !== undefined) event.headers.authorization = header;
      if (upper) {
        event.headers.Authorization = event.headers.authorization;
        delete event.headers.authorization;
      }
      return event;
    });
  return fc.oneof(asEvent(fromSchema(signOutSchema)), realistic);
}

/** The console's API events: the sample requests, and any path under /console with any body. */
function consoleEvents(): fc.Arbitrary<Record<string, unknown>> {
  const samples = samplesOf('console');
  const paths = fc.oneof(
    fc.constantFrom(
      '/console',
      '/console/api/users',
      '/console/api/users/search',
      '/console/api/../users',
      '/console/api/users/%2e%2e',
    ),
    hostileString.map((tail) => `/console/api/${tail}`),
  );
  const realistic = fc
    .tuple(fc.constantFrom(...samples), paths, fc.option(hostileString, { nil: undefined }))
    .map(([sample, rawPath, body]) => ({
      ...structuredClone(sample),
      rawPath,
      ...(body === undefined ? {} : { body }),
    }));
  return fc.oneof(asEvent(fromSchema(consoleEventSchema)), realistic, hostileLeaves(samples));
}

/**
 * The onboarding sweeper's scheduled events: the sample at any time, with any `detail` (the sweep
 * takes nothing from the event), and the sample with hostile strings.
 */
function sweepEvents(): fc.Arbitrary<Record<string, unknown>> {
  const samples = samplesOf('onboarding-sweeper');
  const realistic = fc
    .tuple(
      fc.constantFrom(...samples),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
      anyJson,
    )
    .map(([sample, time, detail]) => ({ ...structuredClone(sample), time: time.toISOString(), detail }));
  return fc.oneof(realistic, hostileLeaves(samples));
}

const authorizerSchema = v.union([
  authorizerSchemas.restTokenSchema,
  authorizerSchemas.restRequestSchema,
  authorizerSchemas.httpV1Schema,
  authorizerSchemas.httpV2Schema,
]);

export const fuzzTargets: FuzzTarget[] = [
  trigger('pre-sign-up', signUp.preSignUpSchema, true),
  trigger('post-confirmation', signUp.postConfirmationSchema, true),
  trigger('migrate-user', signUp.migrateUserSchema, true),
  trigger('pre-authentication', signIn.preAuthenticationSchema, true),
  trigger('post-authentication', signIn.postAuthenticationSchema, true),
  trigger('define-auth-challenge', signIn.defineAuthChallengeSchema, true),
  trigger('create-auth-challenge', signIn.createAuthChallengeSchema, true),
  trigger('verify-auth-challenge', signIn.verifyAuthChallengeSchema, true),
  trigger('pre-token-generation', tokenGenerationSchema, true),
  trigger('custom-message', messages.customMessageSchema, false),
  trigger('custom-email-sender', messages.customEmailSenderSchema, true),
  trigger('custom-sms-sender', messages.customSmsSenderSchema, true),
  trigger('inbound-federation', signUp.inboundFederationSchema, false),
  {
    name: 'onboarding-sweeper',
    schema: sweepEventSchema,
    accepted: sweepEvents(),
    response: () => undefined,
    load: async () => (await functionLoaders['onboarding-sweeper']!()).handler,
    storage: true,
    kind: 'trigger',
  },
  {
    name: 'authorizer',
    schema: authorizerSchema,
    accepted: fc.oneof(asEvent(fromSchema(authorizerSchema)), hostileLeaves(samplesOf('authorizer'))),
    response: () => undefined,
    load: async () => (await functionLoaders.authorizer!()).handler,
    storage: false,
    kind: 'authorizer',
  },
  {
    name: 'sign-in-context',
    schema: signInContextSchema,
    accepted: signInContextEvents(),
    response: () => undefined,
    load: async () => (await import('../../functions/sign-in-context.js')).handler as unknown as LocalHandler,
    storage: false,
    kind: 'http',
  },
  {
    name: 'console',
    schema: consoleEventSchema,
    accepted: consoleEvents(),
    response: () => undefined,
    load: async () => (await functionLoaders.console!()).handler,
    storage: true,
    kind: 'http',
  },
  {
    name: 'sign-out',
    schema: signOutSchema,
    accepted: signOutEvents(),
    response: () => undefined,
    load: async () => (await import('../../functions/sign-out.js')).handler as unknown as LocalHandler,
    storage: true,
    kind: 'http',
  },
  {
    name: 'sample-api',
    schema: authorizerSchemas.httpV2Schema,
    accepted: fc.oneof(asEvent(fromSchema(authorizerSchemas.httpV2Schema)), hostileLeaves([httpV2Sample()])),
    response: () => undefined,
    load: async () => (await import('../../demo/sample-api.js')).handler as unknown as LocalHandler,
    storage: false,
    kind: 'http',
  },
];

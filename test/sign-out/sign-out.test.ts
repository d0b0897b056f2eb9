/**
 * `POST /sign-out` end to end through the authorizer: tokens cognito-local really issued, the
 * deployed authorizer entry's chain with revocation on (AUTHORIZER_REVOCATION) against dynalite,
 * and the sign-out function writing the item the authorizer reads. A token used before the
 * sign-out is refused afterwards; one issued after it is not.
 *
 * Cognito's GlobalSignOut cannot run against cognito-local: it answers that target with
 * `CognitoLocal#Unsupported` (the first test proves it, so this file notices when that changes).
 * So where the Cognito half must succeed, only that one call is answered by a middleware on the
 * SDK client; everything else (the table, the tokens, the authorizer) is real.
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  NotAuthorizedException,
} from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCognito, startCognitoLocal } from '../../scripts/local/cognito.js';
import { freePort } from '../../scripts/local/processes.js';
import type { AuthorizerContext, IamPolicyAuthorizerResult } from '../../shared/events/index.js';
import type { SignOutEvent } from '../../shared/sign-out/index.js';
import { useLocalEmulators } from '../support/emulators.js';
import { lambdaContext, sampleEvent } from '../support/events.js';
import { captureOutput, logLines } from '../support/logs.js';

const local = useLocalEmulators({ AUTHORIZER_REVOCATION: 'true', AUTHORIZER_REVOCATION_CACHE_SECONDS: '0' });
let cognito: LocalCognito;
let authorize: (event: unknown) => Promise<{ result: unknown; error: unknown; output: string }>;
let sut: typeof import('../../shared/sign-out/index.js');
const PASSWORD = 'Correct-horse-battery-9';

beforeAll(async () => {
  cognito = await startCognitoLocal({
    port: await freePort(),
    lambdaEndpoint: 'http://127.0.0.1:9',
    triggerFunctions: {},
  });
  Object.assign(process.env, {
    USER_POOL_ID: cognito.userPoolId,
    USER_POOL_CLIENT_ID: cognito.clientId,
    AUTHORIZER_LOCAL_ISSUER: cognito.endpoint,
    COGNITO_ENDPOINT: cognito.endpoint,
  });
  const { handler } = await import('../../functions/authorizer.js');
  authorize = (event) => captureOutput(() => handler(event, lambdaContext('authorizer')) as Promise<unknown>);
  sut = await import('../../shared/sign-out/index.js');
}, 60_000);
afterAll(async () => cognito?.stop());

async function newUser(email: string): Promise<string> {
  const created = await cognito.client.send(
    new AdminCreateUserCommand({
      UserPoolId: cognito.userPoolId,
      Username: email,
      UserAttributes: [{ Name: 'email', Value: email }],
      MessageAction: 'SUPPRESS',
    }),
  );
  await cognito.client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: cognito.userPoolId,
      Username: email,
      Password: PASSWORD,
      Permanent: true,
    }),
  );
  return created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value ?? '';
}

async function signIn(email: string): Promise<{ access: string; id: string }> {
  const { AuthenticationResult } = await cognito.client.send(
    new InitiateAuthCommand({
      ClientId: cognito.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD },
    }),
  );
  return { access: AuthenticationResult!.AccessToken!, id: AuthenticationResult!.IdToken! };
}

/** The authorizer's event for `POST /sign-out` with this token (HTTP API, payload 2.0). */
function authorizerEvent(token: string) {
  const event = sampleEvent<any>('http-v2');
  event.routeArn = event.routeArn.replace(/GET\/items$/, 'POST/sign-out');
  event.routeKey = 'POST /sign-out';
  event.rawPath = '/sign-out';
  event.rawQueryString = '';
  event.requestContext.http.method = 'POST';
  event.requestContext.http.path = '/sign-out';
  event.requestContext.routeKey = 'POST /sign-out';
  event.headers.authorization = `Bearer ${token}`;
  event.identitySource = [`Bearer ${token}`];
  return event;
}

/** Runs the authorizer; on Allow, the event API Gateway then gives the route's function. */
async function throughAuthorizer(
  token: string,
): Promise<{ verdict: string; routed?: SignOutEvent; logs: unknown[] }> {
  const event = authorizerEvent(token);
  const { result, error, output } = await authorize(event);
  const logs = logLines(output);
  if (error) return { verdict: (error as Error).message, logs };
  const answer = result as IamPolicyAuthorizerResult;
  const effect = answer.policyDocument.Statement[0]!.Effect;
  if (effect !== 'Allow') return { verdict: effect, logs };
  const routed = structuredClone(event) as SignOutEvent & Record<string, unknown>;
  routed.requestContext.authorizer = { lambda: answer.context as AuthorizerContext } as never;
  return { verdict: 'Allow', routed, logs };
}

/** A Cognito client on cognito-local whose GlobalSignOut is answered here (cognito-local lacks it). */
function cognitoAnswering(answer: () => unknown): {
  client: CognitoIdentityProviderClient;
  tokens: string[];
} {
  const tokens: string[] = [];
  const client = new CognitoIdentityProviderClient({
    endpoint: cognito.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'GlobalSignOutCommand') return next(args);
      tokens.push(String((args.input as { AccessToken?: string }).AccessToken));
      return { output: answer() as never, response: {} };
    },
    { step: 'initialize', name: 'answerGlobalSignOut' },
  );
  return { client, tokens };
}

const body = (result: APIGatewayProxyResultV2) =>
  JSON.parse((result as APIGatewayProxyStructuredResultV2).body!);
const status = (result: APIGatewayProxyResultV2) => (result as APIGatewayProxyStructuredResultV2).statusCode;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('POST /sign-out through the authorizer', () => {
  it('cognito-local does not implement GlobalSignOut (why this file answers that one call itself)', async () => {
    await newUser('probe@example.org');
    const { access } = await signIn('probe@example.org');
    const failure = await cognito.client
      .send(new GlobalSignOutCommand({ AccessToken: access }))
      .catch((e) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as { name?: string }).name) + String((failure as Error).message)).toMatch(
      /Unsupported/i,
    );
  });

  it('signs the caller out: the token it used is refused afterwards, Cognito got that token, a new sign-in works', async () => {
    const sub = await newUser('ann@example.org');
    const { access } = await signIn('ann@example.org');
    const before = await throughAuthorizer(access);
    expect(before.verdict).toBe('Allow');

    const cognitoStub = cognitoAnswering(() => ({}));
    const answer = await sut.signOut(
      before.routed!,
      sut.signOutDependencies(() => cognitoStub.client),
    );
    expect(status(answer)).toBe(200);
    expect(body(answer)).toMatchObject({ refreshTokensRevoked: true, signedOutAt: expect.any(Number) });
    expect(cognitoStub.tokens).toEqual([access]);
    const stored = (await local.dynamo.scan()).find(
      (item) => item.pk === `USER#${sub}` && item.sk === 'SIGNED_OUT_AT',
    );
    expect(stored).toMatchObject({ signedOutAt: body(answer).signedOutAt });

    const after = await throughAuthorizer(access);
    expect(after.verdict).toBe('Unauthorized');
    expect(after.logs).toContainEqual(expect.objectContaining({ reason: 'SIGNED_OUT' }));
    expect(JSON.stringify(after.logs)).not.toContain(access);

    // iat has one-second resolution and a token of the sign-out's second is refused too.
    await pause(1100);
    const again = await signIn('ann@example.org');
    expect((await throughAuthorizer(again.access)).verdict).toBe('Allow');
  });

  it('through the deployed entry: cognito-local refuses GlobalSignOut, the API refuses the token all the same, and the answer says what is left', async () => {
    await newUser('bob@example.org');
    const { access } = await signIn('bob@example.org');
    const before = await throughAuthorizer(access);
    const { handler } = await import('../../functions/sign-out.js');
    const { result, output } = await captureOutput(
      () => handler(before.routed!, lambdaContext('sign-out')) as Promise<APIGatewayProxyResultV2>,
    );
    expect(status(result!)).toBe(502);
    expect(body(result!)).toMatchObject({ error: 'SIGN_OUT_COGNITO_FAILED' });
    expect(output).not.toContain(access);
    expect((await throughAuthorizer(access)).verdict).toBe('Unauthorized');
  });

  it('a second sign-out with a token Cognito already revoked still answers, without the refresh-token claim', async () => {
    await newUser('cy@example.org');
    const { access } = await signIn('cy@example.org');
    const before = await throughAuthorizer(access);
    const revoked = cognitoAnswering(() => {
      throw new NotAuthorizedException({ message: 'Access Token has been revoked', $metadata: {} });
    });
    const answer = await sut.signOut(
      before.routed!,
      sut.signOutDependencies(() => revoked.client),
    );
    expect(status(answer)).toBe(200);
    expect(body(answer)).toMatchObject({ refreshTokensRevoked: false });
  });

  it('attack: signs out only the caller the authorizer vouched for, whatever the body names', async () => {
    const victim = await newUser('dee@example.org');
    await newUser('eve@example.org');
    const dee = await signIn('dee@example.org');
    const eve = await signIn('eve@example.org');
    const routed = (await throughAuthorizer(eve.access)).routed!;
    routed.body = JSON.stringify({ sub: victim, username: 'dee@example.org' });
    routed.queryStringParameters = { sub: victim };
    const stub = cognitoAnswering(() => ({}));
    expect(
      status(
        await sut.signOut(
          routed,
          sut.signOutDependencies(() => stub.client),
        ),
      ),
    ).toBe(200);
    expect(stub.tokens).toEqual([eve.access]);
    expect((await throughAuthorizer(dee.access)).verdict).toBe('Allow');
    expect((await throughAuthorizer(eve.access)).verdict).toBe('Unauthorized');
  });

  it('attack: a context whose sub is not a Cognito sub (a huge or crafted string) is refused, writing nothing', async () => {
    await newUser('gus@example.org');
    const { access } = await signIn('gus@example.org');
    const stub = cognitoAnswering(() => ({}));
    const signOuts = async () =>
      (await local.dynamo.scan()).filter((item) => item.sk === 'SIGNED_OUT_AT').length;
    const before = await signOuts();
    for (const sub of ['x'.repeat(5000), '', 'USER#someone-else', '../admin']) {
      const event = authorizerEvent(access) as SignOutEvent;
      event.requestContext.authorizer = { lambda: { sub, tokenUse: 'access' } } as never;
      const answer = await sut.signOut(
        event,
        sut.signOutDependencies(() => stub.client),
      );
      expect(status(answer)).toBe(401);
      expect(body(answer).error).toBe('SIGN_OUT_UNAUTHENTICATED');
    }
    expect(stub.tokens).toEqual([]);
    expect(await signOuts()).toBe(before);
  });

  it('refuses an ID token (GlobalSignOut takes the access token) and a request without the authorizer, writing nothing', async () => {
    const sub = await newUser('fay@example.org');
    const { id } = await signIn('fay@example.org');
    const stub = cognitoAnswering(() => ({}));
    const event = authorizerEvent(id) as SignOutEvent;
    event.requestContext.authorizer = { lambda: { sub, tokenUse: 'id' } } as never;
    const withId = await sut.signOut(
      event,
      sut.signOutDependencies(() => stub.client),
    );
    expect(status(withId)).toBe(400);
    expect(body(withId).error).toBe('SIGN_OUT_NEEDS_ACCESS_TOKEN');
    const bare = authorizerEvent(id) as SignOutEvent;
    delete (bare.requestContext as { authorizer?: unknown }).authorizer;
    expect(
      status(
        await sut.signOut(
          bare,
          sut.signOutDependencies(() => stub.client),
        ),
      ),
    ).toBe(401);
    expect(stub.tokens).toEqual([]);
    expect(
      (await local.dynamo.scan()).some((item) => item.pk === `USER#${sub}` && item.sk === 'SIGNED_OUT_AT'),
    ).toBe(false);
  });
});

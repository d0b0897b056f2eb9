import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  type AuthenticationResultType,
  ConfirmSignUpCommand,
  CreateGroupCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { buildEvent } from '../../shared/events/builders.js';
import { normaliseUsername, signContext } from '../../shared/risk/context.js';
import { SIGN_IN_DENIED_MESSAGE } from '../../shared/sign-in/account-state.js';
import type { SignInRecord } from '../../shared/sign-in/history.js';
import { keys } from '../../shared/storage/keys.js';
import { LambdaConversation } from './custom-auth.js';
import { fetchSignInContext } from './sign-in-context.js';
import type { GatehouseStack } from './stack.js';
import { runStep, type StepRecorder, type StepResult } from './story-kit.js';
import { decodeClaims, localTokenVerifier, tamperWithToken } from './verify-token.js';

/**
 * The story `npm run demo` plays and the e2e tests check, step by step: sign-up to API call,
 * against cognito-local, serverless-offline, dynalite and the SES emulator.
 */

/** The group GET /items requires (as in config/gatehouse.json), which post confirmation gives every new user. */
export const MEMBERS_GROUP = 'readers';

/** What the story expects users and apps to see, word for word (the default templates, product "Gatehouse"). */
const SIGN_UP_SMS = 'Gatehouse: your verification code is {####}';
const WELCOME_SUBJECT = 'Welcome to Gatehouse';
const SIGN_IN_CODE_SUBJECT = 'Your Gatehouse sign-in code';
/** cognito-local names the Lambda (Cognito: the trigger, `PreSignUp`) and adds a full stop. */
const DISPOSABLE_REFUSAL =
  'gatehouse-local-preSignUp failed with error Disposable email addresses cannot be used to sign up..';
/**
 * serverless-offline's 401 bodies: the authorizer's `Unauthorized`, and its own answer when the
 * identity source is missing (API Gateway answers `{"message":"Unauthorized"}` for both).
 */
const UNAUTHORIZED_BODY = '{"statusCode":401,"error":"Unauthorized","message":"Unauthorized"}';
const NO_TOKEN_BODY =
  '{"statusCode":401,"error":"Unauthorized","message":"User is not authorized to access this resource"}';

/** The operator console's admin group (CONSOLE_ADMIN_GROUP's default). */
export const CONSOLE_ADMINS_GROUP = 'gatehouse-admins';

/** What the story configures on the stack (settings file entries and environment). */
export const storyConfig: Record<string, unknown> = {
  onboarding: { defaultGroups: [MEMBERS_GROUP] },
  authorizer: {
    routes: [
      { method: 'GET', path: '/items', groups: [MEMBERS_GROUP] },
      // The operator console's API (as in config/gatehouse.json): its admin group only.
      { method: 'ANY', path: '/console/api/{proxy+}', groups: [CONSOLE_ADMINS_GROUP] },
    ],
  },
  tokens: { rolePermissions: { [MEMBERS_GROUP]: ['items:read'] } },
};
export const storyEnv: Record<string, string> = {
  // The risk engine acts on its levels (default: audit, which only scores and logs).
  RISK_MODE: 'enforce',
};
export const storyParams: Record<string, string> = {
  // The sample route accepts ID and access tokens, to show both (serverless.yml: AUTHORIZER_TOKEN_USE).
  authorizerTokenUse: 'any',
};

/** What Ann's browser sends with every request (the endpoint reads it from the request, not the body). */
const BROWSER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15';

const ANN = 'ann@example.org';
const BOB = 'bob@example.org';
const CAROL = 'carol@legacy.example.org';

/** The steps of the story, in order (the e2e tests run one test per step). */
export const storyTitles = {
  signUp: `Sign up ${ANN}`,
  disposable: 'A sign-up from a disposable address',
  readCode: 'Read the confirmation code',
  confirm: 'Confirm the sign-up',
  signIn: `Sign in as ${ANN}`,
  callApi: 'Call the protected route GET /items',
  outsider: `A user outside the "${MEMBERS_GROUP}" group: ${BOB}`,
  legacy: `A legacy user signs in for the first time: ${CAROL}`,
  refresh: 'Refresh the tokens',
  passwordless: 'Passwordless sign-in by an emailed code (custom auth)',
  risky: 'A risky sign-in: a new device, far away',
  forged: 'A forged context is ignored',
} as const;

interface Person {
  email: string;
  password: string;
  sub?: string;
  tokens?: AuthenticationResultType;
}

/**
 * Where Ann signed in from before (the history the story seeds) and, far away, the sign-in her
 * app's backend vouches for (an app behind CloudFront reads the viewer's address and country and
 * signs them with the helper). Everything else comes from the context endpoint.
 */
const home = {
  ip: '198.51.100.7',
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15',
  deviceId: 'device-ann-laptop',
  country: 'FR',
  latitude: '48.8566',
  longitude: '2.3522',
};
const farAway = {
  ip: '203.0.113.200',
  userAgent: 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36',
  deviceId: 'device-never-seen',
  country: 'JP',
  latitude: '35.6762',
  longitude: '139.6503',
};

export interface Story {
  steps: { title: string; run: () => Promise<StepResult> }[];
}

export async function createStory(stack: GatehouseStack, print?: (line: string) => void): Promise<Story> {
  const { cognito } = stack;
  const client = cognito.client;
  const verifier = await localTokenVerifier(cognito);
  const run = (title: string, body: (step: StepRecorder) => Promise<void>) => ({
    title,
    run: () => runStep(stack, title, body, print),
  });
  const ann: Person = { email: ANN, password: 'Correct-Horse-Battery-9' };
  const bob: Person = { email: BOB, password: 'Another-Long-Secret-7' };
  const legacy: Person = { email: CAROL, password: 'Legacy-Password-42' };

  await client.send(new CreateGroupCommand({ UserPoolId: cognito.userPoolId, GroupName: MEMBERS_GROUP }));

  const signIn = (person: Person, metadata: Record<string, string>) =>
    client.send(
      new InitiateAuthCommand({
        ClientId: cognito.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: person.email, PASSWORD: person.password },
        ClientMetadata: metadata,
      }),
    );
  const callItems = async (token: string | undefined) => {
    const answer = await fetch(`${stack.offline.httpEndpoint}/items`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: answer.status, body: await answer.text() };
  };
  /** What the app does before a sign-in: `POST /sign-in-context`, the IP and agent as API Gateway sees them. */
  const fetchContext = (person: Person, deviceId: string) =>
    fetchSignInContext(
      stack.offline.httpEndpoint,
      { username: person.email, clientId: cognito.clientId, deviceId },
      BROWSER_AGENT,
    );
  /** A context the app's own backend signs with the helper, for what it knows of the request. */
  const backendSigned = (person: Person, place: typeof farAway): Record<string, string> => {
    const fields = {
      username: normaliseUsername(person.email),
      clientId: cognito.clientId,
      ...place,
      timestamp: String(Math.floor(Date.now() / 1000)),
      nonce: randomUUID(),
    };
    return { ...fields, signature: signContext(fields, stack.functionEnv.RISK_CONTEXT_SECRET ?? '') };
  };
  const userAttributes = async (person: Person) => {
    const user = await client.send(
      new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: person.email }),
    );
    return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name!, a.Value ?? '']));
  };
  const triggered = (step: StepRecorder, triggerSource: string) => {
    const invocation = step.invocations().find((i) => i.triggerSource === triggerSource);
    return step.check(
      `${triggerSource} ran and answered`,
      invocation !== undefined && invocation.error === undefined,
      invocation ? `refused: ${invocation.error}` : 'not invoked',
    );
  };

  const steps = [
    run(storyTitles.signUp, async (step) => {
      const signUpContext = await fetchContext(ann, home.deviceId);
      const result = await step.action(`SignUp ${ann.email} (ClientMetadata: the signed context)`, () =>
        client.send(
          new SignUpCommand({
            ClientId: cognito.clientId,
            Username: ann.email,
            Password: ann.password,
            UserAttributes: [
              { Name: 'email', Value: ann.email },
              { Name: 'given_name', Value: 'Ann' },
            ],
            ClientMetadata: signUpContext,
          }),
        ),
      );
      ann.sub = result.value?.UserSub;
      step.check('user created, waiting for confirmation', result.value?.UserConfirmed === false);
      triggered(step, 'PreSignUp_SignUp');
      triggered(step, 'CustomMessage_SignUp');
      const message = step.invocations().find((i) => i.triggerSource === 'CustomMessage_SignUp');
      const response = (
        message?.response as
          | { response?: { emailMessage?: string; emailSubject?: string; smsMessage?: string } }
          | undefined
      )?.response;
      // serverless.yml's pool sends mail with Cognito's own account (COGNITO_EMAIL_SENDING_ACCOUNT
      // COGNITO_DEFAULT), which refuses email fields from the trigger: the branded text is the SMS one.
      if (response?.smsMessage) step.note(`custom message: "${response.smsMessage}"`);
      step.check(
        'custom message wrote the branded text, code placeholder included, and no email fields',
        response?.smsMessage === SIGN_UP_SMS && !response.emailMessage && !response.emailSubject,
        JSON.stringify(response),
      );
    }),

    run(storyTitles.disposable, async (step) => {
      const result = await step.action('SignUp throwaway@mailinator.com', () =>
        client.send(
          new SignUpCommand({
            ClientId: cognito.clientId,
            Username: 'throwaway@mailinator.com',
            Password: 'Some-Password-123',
            UserAttributes: [{ Name: 'email', Value: 'throwaway@mailinator.com' }],
          }),
        ),
      );
      step.check(
        'refused by pre sign-up with its user-facing message',
        result.error?.name === 'UserLambdaValidationException' && result.error.message === DISPOSABLE_REFUSAL,
        result.error ? `${result.error.name}: ${result.error.message}` : 'accepted',
      );
    }),

    run(storyTitles.readCode, async (step) => {
      const delivery = cognito.deliveredCodes().findLast((d) => d.destination === ann.email);
      step.note(
        'cognito-local does not send mail: it prints each message it would send; the demo reads the code there.',
      );
      if (delivery) {
        const text = (delivery.message ?? '').split(delivery.code).join(mask(delivery.code));
        step.note(`to ${delivery.destination}: code ${mask(delivery.code)}${text ? ` in "${text}"` : ''}`);
      }
      step.check('a 6-digit code was delivered', /^\d{6}$/.test(delivery?.code ?? ''));
    }),

    run(storyTitles.confirm, async (step) => {
      const delivery = cognito.deliveredCodes().findLast((d) => d.destination === ann.email);
      const result = await step.action('ConfirmSignUp with the code', () =>
        client.send(
          new ConfirmSignUpCommand({
            ClientId: cognito.clientId,
            Username: ann.email,
            ConfirmationCode: delivery?.code ?? '000000',
          }),
        ),
      );
      step.check('confirmed', result.error === undefined, result.error?.message);
      triggered(step, 'PostConfirmation_ConfirmSignUp');
      const items = await stack.dynamo.scan();
      const profile = items.find((item) => item.pk === `USER#${ann.sub}` && item.sk === 'PROFILE');
      if (profile) step.note(`profile: ${Object.keys(profile).join(', ')}`);
      step.check('profile item created in DynamoDB', profile !== undefined);
      const groups = await client.send(
        // By sub: cognito-local lists no groups for an email alias.
        new AdminListGroupsForUserCommand({ UserPoolId: cognito.userPoolId, Username: ann.sub ?? ann.email }),
      );
      const names = (groups.Groups ?? []).map((g) => g.GroupName);
      step.note(`groups: ${names.join(', ') || 'none'}`);
      step.check(`added to the "${MEMBERS_GROUP}" group, and to no other`, names.join() === MEMBERS_GROUP);
      const mails = await waitForMail(stack, ann.email);
      for (const mail of mails) step.note(`mail to ${ann.email}: "${mail.subject}"`);
      step.check(
        `one welcome mail sent through SES: "${WELCOME_SUBJECT}"`,
        mails.length === 1 && mails[0]?.subject === WELCOME_SUBJECT,
        mails.map((mail) => mail.subject).join(', ') || 'none',
      );
    }),

    run(storyTitles.signIn, async (step) => {
      step.note(
        'cognito-local does not call pre authentication: the demo invokes it through the Lambda endpoint',
      );
      step.note(
        'with the event Cognito sends before checking the password (validationData = clientMetadata).',
      );
      const fetched = await step.action('POST /sign-in-context (the app asks for a signed context)', () =>
        fetchContext(ann, home.deviceId),
      );
      const context = fetched.value ?? {};
      step.note(
        `signed context: ip ${context.ip} and user agent from API Gateway's request context, device ${context.deviceId}, nonce ${context.nonce?.slice(0, 6)}…, signature ${context.signature?.slice(0, 8)}…`,
      );
      step.check(
        'the endpoint signed the IP API Gateway saw (never one from the body)',
        Boolean(context.ip) && /^[0-9a-f]{64}$/.test(context.signature ?? ''),
        fetched.error?.message,
      );
      const refusal = await preAuthenticate(step, ann, context, 'pre authentication (signed context)');
      step.check('pre authentication let the sign-in go on', refusal === undefined, refusal);
      const result = await step.action('InitiateAuth USER_PASSWORD_AUTH', () => signIn(ann, context));
      ann.tokens = result.value?.AuthenticationResult;
      step.check('tokens issued', Boolean(ann.tokens?.IdToken && ann.tokens.AccessToken));
      triggered(step, 'PostAuthentication_Authentication');
      triggered(step, 'TokenGeneration_Authentication');
      if (!ann.tokens?.IdToken || !ann.tokens.AccessToken) return;
      const id = await verifier.verifyIdToken(ann.tokens.IdToken).catch((e: Error) => e);
      const access = await verifier.verifyAccessToken(ann.tokens.AccessToken).catch((e: Error) => e);
      step.check('ID token verifies (RS256, JWKS, issuer, audience)', !(id instanceof Error), String(id));
      step.check(
        'access token verifies (RS256, JWKS, issuer, client_id)',
        !(access instanceof Error),
        String(access),
      );
      const claims = decodeClaims(ann.tokens.IdToken);
      const extra = Object.keys(claims).filter((claim) => !baseIdClaims.has(claim));
      step.note(
        `ID token: ${Object.keys(claims)
          .filter((claim) => baseIdClaims.has(claim))
          .join(', ')}`,
      );
      for (const claim of extra) step.note(`  + ${claim}: ${JSON.stringify(claims[claim])}`);
      step.check(
        `pre token generation added roles and permissions (${MEMBERS_GROUP} → items:read)`,
        String(claims.roles).includes(MEMBERS_GROUP) && String(claims.permissions).includes('items:read'),
        `claims added: ${extra.join(', ') || 'none'}`,
      );
      const history = (await stack.dynamo.scan()).filter(
        (item) => item.pk === `USER#${ann.sub}` && String(item.sk).startsWith('SIGNIN#'),
      );
      step.check('sign-in recorded in the history', history.length === 1, `${history.length} records`);
    }),

    run(storyTitles.callApi, async (step) => {
      const withAccess = await step.action('GET /items with the access token', () =>
        callItems(ann.tokens?.AccessToken),
      );
      step.note(`HTTP ${withAccess.value?.status} ${shorten(withAccess.value?.body ?? '')}`);
      step.check('allowed (200)', withAccess.value?.status === 200, `HTTP ${withAccess.value?.status}`);
      const withId = await step.action('GET /items with the ID token', () => callItems(ann.tokens?.IdToken));
      step.check('allowed (200)', withId.value?.status === 200, `HTTP ${withId.value?.status}`);
      const tampered = await step.action(
        'GET /items with a tampered token (payload changed, signature kept)',
        () => callItems(tamperWithToken(ann.tokens?.AccessToken ?? 'a.e30.c')),
      );
      step.check(
        'refused as unauthenticated by the authorizer (401 Unauthorized)',
        tampered.value?.status === 401 && tampered.value.body === UNAUTHORIZED_BODY,
        `HTTP ${tampered.value?.status} ${tampered.value?.body}`,
      );
      const none = await step.action('GET /items without a token', () => callItems(undefined));
      step.check(
        'refused as unauthenticated before the authorizer (401, no identity source)',
        none.value?.status === 401 && none.value.body === NO_TOKEN_BODY,
        `HTTP ${none.value?.status} ${none.value?.body}`,
      );
    }),

    run(storyTitles.outsider, async (step) => {
      const created = await step.action(
        `AdminCreateUser ${bob.email} (an admin creates him: no group)`,
        async () => {
          await client.send(
            new AdminCreateUserCommand({
              UserPoolId: cognito.userPoolId,
              Username: bob.email,
              MessageAction: 'SUPPRESS',
              TemporaryPassword: bob.password,
              UserAttributes: [
                { Name: 'email', Value: bob.email },
                { Name: 'email_verified', Value: 'true' },
              ],
            }),
          );
          await client.send(
            new AdminSetUserPasswordCommand({
              UserPoolId: cognito.userPoolId,
              Username: bob.email,
              Password: bob.password,
              Permanent: true,
            }),
          );
        },
      );
      step.check('user created', created.error === undefined, created.error?.message);
      const result = await step.action('InitiateAuth USER_PASSWORD_AUTH', async () =>
        signIn(bob, await fetchContext(bob, 'device-bob')),
      );
      bob.tokens = result.value?.AuthenticationResult;
      step.check('tokens issued', Boolean(bob.tokens?.AccessToken));
      const call = await step.action('GET /items with his access token', () =>
        callItems(bob.tokens?.AccessToken),
      );
      step.check('refused as forbidden (403)', call.value?.status === 403, `HTTP ${call.value?.status}`);
    }),

    run(storyTitles.legacy, async (step) => {
      const seeded = await seedLegacyUser(stack, legacy);
      step.note(seeded);
      const result = await step.action('InitiateAuth USER_PASSWORD_AUTH (unknown to the pool)', async () =>
        signIn(legacy, await fetchContext(legacy, 'device-carol')),
      );
      triggered(step, 'UserMigration_Authentication');
      const invocation = step.invocations().find((i) => i.triggerSource === 'UserMigration_Authentication');
      const response =
        (invocation?.response as { response?: Record<string, unknown> } | undefined)?.response ?? {};
      step.check(
        'migrated: CONFIRMED, welcome message suppressed',
        response.finalUserStatus === 'CONFIRMED' && response.messageAction === 'SUPPRESS',
        JSON.stringify(response),
      );
      step.check(
        'tokens issued',
        Boolean(result.value?.AuthenticationResult?.IdToken),
        result.error?.message,
      );
      if (result.value?.AuthenticationResult?.IdToken) {
        const attributes = await userAttributes(legacy).catch(() => ({}));
        step.note(`attributes now in the pool: ${Object.keys(attributes).join(', ')}`);
      }
      const items = await stack.dynamo.scan();
      const record = items.find((item) => item.pk === keys.legacyUser(legacy.email));
      step.check('legacy record marked migrated', typeof record?.migratedAt === 'number');
      const before = step.invocations().length;
      const again = await step.action('InitiateAuth again (the user now lives in the pool)', async () =>
        signIn(legacy, await fetchContext(legacy, 'device-carol')),
      );
      const migratedAgain = step
        .invocations()
        .slice(before)
        .some((i) => i.triggerSource === 'UserMigration_Authentication');
      step.check(
        'signed in without the migrate-user trigger',
        Boolean(again.value?.AuthenticationResult) && !migratedAgain,
        again.error?.message ?? 'migrate user called again',
      );
    }),

    run(storyTitles.refresh, async (step) => {
      const result = await step.action('InitiateAuth REFRESH_TOKEN_AUTH', () =>
        client.send(
          new InitiateAuthCommand({
            ClientId: cognito.clientId,
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            AuthParameters: { REFRESH_TOKEN: ann.tokens?.RefreshToken ?? '' },
          }),
        ),
      );
      triggered(step, 'TokenGeneration_RefreshTokens');
      const idToken = result.value?.AuthenticationResult?.IdToken;
      const verified = idToken
        ? await verifier.verifyIdToken(idToken).catch((e: Error) => e)
        : new Error('none');
      step.check('new ID token issued and verifies', !(verified instanceof Error), String(verified));
      if (result.value?.AuthenticationResult?.AccessToken)
        ann.tokens = { ...ann.tokens, ...result.value.AuthenticationResult };
      const call = await step.action('GET /items with the new access token', () =>
        callItems(ann.tokens?.AccessToken),
      );
      step.check('allowed (200)', call.value?.status === 200, `HTTP ${call.value?.status}`);
    }),

    run(storyTitles.passwordless, async (step) => {
      step.note(
        'cognito-local has no CUSTOM_AUTH: the demo plays Cognito’s side, invoking pre authentication,',
      );
      step.note(
        'define, create and verify auth challenge through the Lambda endpoint in the order Cognito does.',
      );
      const attributes = await userAttributes(ann);
      const talk = new LambdaConversation(
        {
          invoke: (name, event) => stack.invoke(name, event),
          userPoolId: cognito.userPoolId,
          clientId: cognito.clientId,
        },
        attributes.sub ?? ann.email,
        { ...attributes, 'cognito:user_status': 'CONFIRMED' },
      );
      const mailsBefore = (await stack.ses.mails()).length;
      const context = await fetchContext(ann, home.deviceId);
      const first = await step.action('InitiateAuth CUSTOM_AUTH', () => talk.initiate(context));
      step.check(
        'a first challenge collects the app’s metadata',
        first.value?.state === 'challenge' && first.value.publicParameters.step === 'provide-auth-parameters',
        JSON.stringify(first.value),
      );
      const second = await step.action(
        'RespondToAuthChallenge "-" with ClientMetadata signInMethod=code',
        () => talk.respond('-', { ...context, signInMethod: 'code' }),
      );
      step.note('(that first challenge only carries the metadata: its answer is “wrong” by design)');
      step.check(
        'a code challenge follows',
        second.value?.state === 'challenge' && second.value.publicParameters.method === 'code',
        JSON.stringify(second.value),
      );
      const mails = await waitForMail(stack, ann.email, 1500, mailsBefore);
      const mail = mails.at(-1);
      const code = /^Your sign-in code: (\d{6})$/m.exec(mail?.body.text ?? '')?.[1];
      if (mail) step.note(`mail to ${ann.email}: "${mail.subject}", code ${mask(code ?? '')}`);
      step.check(
        `one mail with the code arrived (SES emulator): "${SIGN_IN_CODE_SUBJECT}", "Your sign-in code: <6 digits>"`,
        mails.length === 1 && mail?.subject === SIGN_IN_CODE_SUBJECT && code !== undefined,
        mails.map((m) => m.subject).join(', ') || 'none',
      );
      const third = await step.action('RespondToAuthChallenge with the code', () =>
        talk.respond(code ?? '000000', context),
      );
      step.check(
        'define auth challenge issues tokens (Cognito would return them now)',
        third.value?.state === 'tokens',
        JSON.stringify(third.value),
      );
    }),

    run(storyTitles.risky, async (step) => {
      step.note(
        `Now from ${farAway.country} (${farAway.latitude}, ${farAway.longitude}), on a device never seen, from a new network.`,
      );
      const attributes = await userAttributes(ann);
      step.note(await seedEarlierSignIn(stack, attributes.sub ?? '', cognito.clientId));
      const signed = backendSigned(ann, farAway);
      step.note(
        `The app's backend signs this context with the helper (signContext): ip ${signed.ip}, country ${signed.country}, device ${signed.deviceId}.`,
      );
      step.note(
        'The app signs in with password and step-up (CUSTOM_AUTH, SRP first), played as Cognito would:',
      );
      const talk = new LambdaConversation(
        {
          invoke: (name, event) => stack.invoke(name, event),
          userPoolId: cognito.userPoolId,
          clientId: cognito.clientId,
        },
        attributes.sub ?? ann.email,
        { ...attributes, 'cognito:user_status': 'CONFIRMED' },
      );
      const first = await step.action('InitiateAuth CUSTOM_AUTH with SRP_A (pre authentication first)', () =>
        talk.initiate(signed, true),
      );
      // Only the deliberate refusal counts: a crashing trigger also fails the conversation, with the
      // generic message, and must fail this check.
      const failed = first.value?.state === 'failed' ? (first.value.reason ?? 'no reason') : undefined;
      const refused = failed === SIGN_IN_DENIED_MESSAGE ? failed : undefined;
      let steppedUp = false;
      if (failed) {
        step.note(
          `Cognito would answer NotAuthorizedException: "PreAuthentication failed with error ${failed}"`,
        );
      } else if (first.value?.state === 'challenge') {
        const second = await step.action('PASSWORD_VERIFIER (the right password)', () =>
          talk.respond('right', signed),
        );
        steppedUp = second.value?.state === 'challenge';
        step.note(
          steppedUp
            ? `a second factor is asked for: ${JSON.stringify(second.value?.state === 'challenge' && second.value.publicParameters)}`
            : `no second factor: ${JSON.stringify(second.value)}`,
        );
      }
      step.check(
        `the risk engine refused it ("${SIGN_IN_DENIED_MESSAGE}") or asked for a step-up`,
        refused !== undefined || steppedUp,
        failed ?? 'allowed',
      );
    }),

    run(storyTitles.forged, async (step) => {
      step.note(
        `Someone who knows ${ann.email} (and her password) fetches a context of their own, then rewrites it`,
      );
      step.note(
        `to claim Ann's home: ip ${home.ip}, her laptop ${home.deviceId}, ${home.country}; the signature is kept.`,
      );
      const own = await fetchContext(ann, 'device-attacker');
      const forged = { ...own, ip: home.ip, deviceId: home.deviceId, country: home.country };
      const attributes = await userAttributes(ann);
      const talk = new LambdaConversation(
        {
          invoke: (name, event) => stack.invoke(name, event),
          userPoolId: cognito.userPoolId,
          clientId: cognito.clientId,
        },
        attributes.sub ?? ann.email,
        { ...attributes, 'cognito:user_status': 'CONFIRMED' },
      );
      const first = await step.action('InitiateAuth CUSTOM_AUTH with SRP_A and the forged context', () =>
        talk.initiate(forged, true),
      );
      const latest = (await stack.dynamo.scan()).find(
        (item) => item.pk === keys.user(attributes.sub ?? '') && item.sk === keys.riskAssessment(),
      );
      const signals = ((latest?.reasons as { signal: string }[] | undefined) ?? []).map((r) => r.signal);
      step.check(
        'the forged context was ignored: context-forged, and none of its claims (home IP, laptop) counted',
        signals.includes('context-forged') && latest?.ip === undefined && latest?.deviceId === undefined,
        `reasons ${signals.join(', ')}; ip ${String(latest?.ip)}`,
      );
      let steppedUp = false;
      if (first.value?.state === 'challenge') {
        const second = await step.action('PASSWORD_VERIFIER (the right password), forged context again', () =>
          talk.respond('right', forged),
        );
        steppedUp = second.value?.state === 'challenge';
      }
      const refused = first.value?.state === 'failed' && first.value.reason === SIGN_IN_DENIED_MESSAGE;
      step.check(
        'no tokens on the forged context: refused with the sign-in message, or the second factor is asked for',
        refused || steppedUp,
        JSON.stringify(first.value),
      );
    }),
  ];

  /**
   * Invokes pre authentication as Cognito would on InitiateAuth (cognito-local does not), with the
   * app's context as validationData; answers the message Cognito would return when it refuses.
   */
  async function preAuthenticate(
    step: StepRecorder,
    person: Person,
    context: Record<string, string>,
    label: string,
  ) {
    const event = await preAuthenticationEvent(person, context);
    const result = await step.action(label, () => stack.invoke('pre-authentication', event));
    if (result.error) return result.error.message;
    return result.value?.error;
  }

  /** The pre authentication event Cognito sends for this user, with the app's context. */
  async function preAuthenticationEvent(person: Person, context: Record<string, string>) {
    const event = buildEvent<Record<string, unknown>>('PreAuthentication_Authentication');
    const attributes = await userAttributes(person);
    Object.assign(event, {
      userPoolId: cognito.userPoolId,
      userName: attributes.sub ?? person.email,
      callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: cognito.clientId },
    });
    const request = event.request as Record<string, unknown>;
    request.userAttributes = { ...attributes, 'cognito:user_status': 'CONFIRMED' };
    request.validationData = context;
    request.userNotFound = false;
    return event;
  }

  return { steps };
}

/** What cognito-local puts in every ID token by itself (anything else came from a trigger). */
const baseIdClaims = new Set([
  'cognito:username',
  'auth_time',
  'email',
  'email_verified',
  'event_id',
  'iat',
  'jti',
  'sub',
  'token_use',
  'cognito:groups',
  'exp',
  'iss',
  'aud',
]);

/**
 * The legacy user the migration trigger finds: an item of the DynamoDB legacy store
 * (`LEGACY#<username>` / `ITEM`, a PBKDF2-SHA256 password hash in passlib format, the user's
 * fields), as an import from the old system would write it.
 */
async function seedLegacyUser(stack: GatehouseStack, person: Person): Promise<string> {
  const salt = randomBytes(16);
  const iterations = 100_000;
  const key = pbkdf2Sync(person.password, salt, iterations, 32, 'sha256');
  const adapted = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
  const passwordHash = `$pbkdf2-sha256$${iterations}$${adapted(salt)}$${adapted(key)}`;
  await stack.dynamo.client.send(
    new PutItemCommand({
      TableName: stack.dynamo.tableName,
      Item: marshall({
        pk: keys.legacyUser(person.email),
        sk: keys.item(),
        passwordHash,
        fields: { email: person.email, emailVerified: true, givenName: 'Carol', locale: 'fr' },
      }),
    }),
  );
  return `legacy store: ${person.email} seeded in DynamoDB (${keys.legacyUser(person.email)}, PBKDF2-SHA256 hash, email, givenName, locale)`;
}

/**
 * Ann's sign-in from Paris an hour ago, as post authentication records it (`SignInRecord`, the
 * contract the risk engine reads). The story's own sign-ins are seconds old, and the engine
 * leaves the last 30 seconds out of the history (they belong to the sign-in being scored).
 */
async function seedEarlierSignIn(stack: GatehouseStack, sub: string, clientId: string): Promise<string> {
  const at = Date.now() - 60 * 60 * 1000;
  const record: SignInRecord = {
    at,
    clientId,
    deviceId: home.deviceId,
    ip: home.ip,
    userAgent: home.userAgent,
    country: home.country,
    latitude: Number(home.latitude),
    longitude: Number(home.longitude),
    outcome: 'success',
    expiresAt: Math.floor(at / 1000) + 90 * 24 * 3600,
  };
  await stack.dynamo.client.send(
    new PutItemCommand({
      TableName: stack.dynamo.tableName,
      Item: marshall({
        pk: keys.user(sub),
        sk: keys.signIn(new Date(at).toISOString(), 'demo-earlier'),
        ...record,
      }),
    }),
  );
  return `history: ${ANN} signed in from ${home.country} (${home.latitude}, ${home.longitude}) an hour ago on ${home.deviceId} (record seeded as post authentication writes it)`;
}

/** Mails to `to` (among those after the first `skip`), waiting up to `timeoutMs` for one. */
async function waitForMail(stack: GatehouseStack, to: string, timeoutMs = 1500, skip = 0) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = (await stack.ses.mails()).slice(skip).filter((mail) => mail.destination.to.includes(to));
    if (mails.length || Date.now() > deadline) return mails;
    await new Promise((done) => setTimeout(done, 100));
  }
}

function mask(code: string): string {
  return `${code.slice(0, 2)}${'•'.repeat(Math.max(0, code.length - 2))}`;
}

function shorten(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

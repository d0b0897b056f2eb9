import {
  AdminLinkProviderForUserCommand,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import type { CognitoSender } from '../../shared/aws/cognito.js';
import { loadSettings } from '../../shared/config/settings.js';
import type { PreSignUpEvent } from '../../shared/events/index.js';
import { federatedIdentity, linkFederatedUser } from '../../shared/sign-up/linking.js';
import { signUpSettingSpecs } from '../../shared/sign-up/settings.js';
import { sampleEvent } from '../support/events.js';

/**
 * Federated linking. No local Cognito supports AdminLinkProviderForUser, so this file (and only
 * this one) stands a stub in for the Cognito client, limited to the two linking calls: ListUsers
 * answers the users given, AdminLinkProviderForUser records its input.
 */
function cognitoStub(users: UserType[]) {
  const links: unknown[] = [];
  const filters: string[] = [];
  const client = {
    send: async (command: unknown) => {
      if (command instanceof ListUsersCommand) {
        filters.push(command.input.Filter ?? '');
        return { Users: users };
      }
      if (command instanceof AdminLinkProviderForUserCommand) {
        links.push(command.input);
        return {};
      }
      throw new Error(`unexpected command ${(command as object).constructor.name}`);
    },
  } as unknown as CognitoSender;
  return { client: () => client, links, filters };
}

const nativeUser = (username: string, emailVerified: string, status = 'CONFIRMED'): UserType => ({
  Username: username,
  UserStatus: status as UserType['UserStatus'],
  Attributes: [
    { Name: 'email', Value: 'jane.doe@example.com' },
    { Name: 'email_verified', Value: emailVerified },
  ],
});

const noLegacyStore = (): never => {
  throw new Error('a federated sign-up must not ask the legacy store');
};

const settings = (trusted: string[] = []) =>
  loadSettings(signUpSettingSpecs, {
    env: { SIGNUP_LINK_FEDERATED_USERS: 'true' },
    file: { signUp: { linkTrustedProviders: trusted } },
  });

function federatedEvent(userName: string, attributes: Record<string, string>): PreSignUpEvent {
  const event = sampleEvent<PreSignUpEvent>('PreSignUp_ExternalProvider');
  event.userName = userName;
  event.request.userAttributes = attributes;
  return event;
}

describe('federated identity from userName', () => {
  it.each([
    ['Google_1234567890', { providerName: 'Google', subject: '1234567890' }],
    ['google_1234567890', { providerName: 'Google', subject: '1234567890' }],
    ['signinwithapple_000.abc', { providerName: 'SignInWithApple', subject: '000.abc' }],
    ['CorporateAD_jane_doe@example.com', { providerName: 'CorporateAD', subject: 'jane_doe@example.com' }],
    ['nounderscore', undefined],
    ['_leading', undefined],
  ])('%s', (userName, expected) => {
    expect(federatedIdentity(userName)).toEqual(expected);
  });
});

describe('linking a federated identity to the native user', () => {
  const verified = { email: 'Jane.Doe@Example.com', email_verified: 'true' };
  it.each([
    ['one verified native user', 'Google_1', verified, [nativeUser('jane', 'true')], [], 'linked'],
    [
      'the native email unverified',
      'Google_1',
      verified,
      [nativeUser('jane', 'false')],
      [],
      'no-native-user',
    ],
    [
      'the provider email unverified',
      'Google_1',
      { ...verified, email_verified: 'false' },
      [nativeUser('jane', 'true')],
      [],
      'email-unverified',
    ],
    [
      'no email_verified from a trusted SAML provider',
      'CorporateAD_jane',
      { email: 'jane.doe@example.com' },
      [nativeUser('jane', 'true')],
      ['CorporateAD'],
      'linked',
    ],
    [
      'no email_verified from an untrusted provider',
      'CorporateAD_jane',
      { email: 'jane.doe@example.com' },
      [nativeUser('jane', 'true')],
      [],
      'email-unverified',
    ],
    ['no user with that email', 'Google_1', verified, [], [], 'no-native-user'],
    [
      'only another federated user',
      'Google_1',
      verified,
      [nativeUser('Facebook_9', 'true', 'EXTERNAL_PROVIDER')],
      [],
      'no-native-user',
    ],
    [
      'two native users',
      'Google_1',
      verified,
      [nativeUser('jane', 'true'), nativeUser('jane2', 'true')],
      [],
      'ambiguous',
    ],
    [
      'no email',
      'Google_1',
      { email_verified: 'true' },
      [nativeUser('jane', 'true')],
      [],
      'email-unverified',
    ],
  ])('%s', async (_, userName, attributes, users, trusted, expected) => {
    const stub = cognitoStub(users);
    const outcome = await linkFederatedUser(
      federatedEvent(userName, attributes),
      settings(trusted),
      stub.client,
    );
    expect(outcome.linked ? 'linked' : outcome.reason).toBe(expected);
    expect(stub.links).toHaveLength(expected === 'linked' ? 1 : 0);
  });

  it.each([
    ['"false"', 'false'],
    ['"False"', 'False'],
    ['" false "', ' false '],
    ['"0"', '0'],
    ['an empty string', ''],
    ['a boolean false', false],
  ])('attack 2: a listed provider that sends email_verified %s is not linked', async (_, emailVerified) => {
    const stub = cognitoStub([nativeUser('jane', 'true')]);
    const attributes = { email: 'jane.doe@example.com', email_verified: emailVerified } as never;
    const outcome = await linkFederatedUser(
      federatedEvent('CorporateAD_jane', attributes),
      settings(['CorporateAD']),
      stub.client,
    );
    expect(outcome).toEqual({ linked: false, reason: 'email-unverified' });
    expect(stub.filters).toHaveLength(0);
    expect(stub.links).toHaveLength(0);
  });

  it('links a listed provider that says email_verified "true", in any case', async () => {
    const stub = cognitoStub([nativeUser('jane', 'true')]);
    const event = federatedEvent('CorporateAD_jane', {
      email: 'jane.doe@example.com',
      email_verified: 'TRUE',
    });
    expect((await linkFederatedUser(event, settings(['CorporateAD']), stub.client)).linked).toBe(true);
  });

  it('links the provider subject to the native username, searching by the normalised email', async () => {
    const stub = cognitoStub([nativeUser('jane', 'true')]);
    await linkFederatedUser(federatedEvent('Google_1234567890', verified), settings(), stub.client);
    expect(stub.filters).toEqual(['email = "jane.doe@example.com"']);
    expect(stub.links[0]).toEqual({
      UserPoolId: 'us-east-1_EXAMPLE1',
      DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'jane' },
      SourceUser: {
        ProviderName: 'Google',
        ProviderAttributeName: 'Cognito_Subject',
        ProviderAttributeValue: '1234567890',
      },
    });
  });

  it('never searches with an address that could break out of the filter', async () => {
    const stub = cognitoStub([nativeUser('jane', 'true')]);
    const event = federatedEvent('Google_1', { email: 'x"@example.com', email_verified: 'true' });
    expect(await linkFederatedUser(event, settings(), stub.client)).toEqual({
      linked: false,
      reason: 'email-unverified',
    });
    expect(stub.filters).toHaveLength(0);
  });

  it('fails the sign-up when the link call fails, rather than creating a second account', async () => {
    const stub = cognitoStub([nativeUser('jane', 'true')]);
    const client = stub.client();
    const send = client.send.bind(client);
    client.send = (async (command: unknown) => {
      if (command instanceof AdminLinkProviderForUserCommand) {
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      }
      return send(command as never);
    }) as never;
    const run = linkFederatedUser(federatedEvent('Google_1', verified), settings(), () => client);
    await expect(run).rejects.toMatchObject({ name: 'TooManyRequestsException' });
  });

  it('does nothing while linking is off', async () => {
    const stub = cognitoStub([nativeUser('jane', 'true')]);
    const off = loadSettings(signUpSettingSpecs, { env: {}, file: {} });
    const outcome = await linkFederatedUser(federatedEvent('Google_1', verified), off, stub.client);
    expect(outcome).toEqual({ linked: false, reason: 'disabled' });
    expect(stub.filters).toHaveLength(0);
  });

  it('fails the first sign-in after a link with SIGNUP_ACCOUNT_LINKED, so the user signs in again', async () => {
    const { preSignUp } = await import('../../shared/sign-up/index.js');
    const stub = cognitoStub([nativeUser('jane', 'true')]);
    const run = preSignUp(federatedEvent('Google_1', verified), {
      settings: settings(),
      cognito: stub.client,
      legacy: noLegacyStore,
      verifyContext: async () => ({}),
      now: Date.now,
    });
    await expect(run).rejects.toMatchObject({
      code: 'SIGNUP_ACCOUNT_LINKED',
      message: 'Your sign-in was linked to your existing account. Please sign in again.',
    });
  });

  it("attack 1: a trusted-domain self sign-up never becomes the verified account a provider's sign-in links to", async () => {
    const { preSignUp } = await import('../../shared/sign-up/index.js');
    const trusted = loadSettings(signUpSettingSpecs, {
      env: { SIGNUP_LINK_FEDERATED_USERS: 'true', SIGNUP_MAX_PER_IP: '0', SIGNUP_MAX_PER_DOMAIN: '0' },
      file: { signUp: { trustedDomains: ['corp.example'] } },
    });
    const attacker = sampleEvent<PreSignUpEvent>('PreSignUp_SignUp');
    attacker.request.userAttributes = { email: 'ceo@corp.example' };
    const deps = {
      settings: trusted,
      cognito: noLegacyStore,
      legacy: () => ({ awaitsMigration: async () => false }),
      verifyContext: async () => ({}),
      now: Date.now,
    };
    const { response } = await preSignUp(attacker, deps);
    expect(response).toEqual({ autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
    // The attacker's account as Cognito keeps it: the email stays unverified until a code proves it.
    const stub = cognitoStub([{ ...nativeUser('attacker', String(response.autoVerifyEmail)) }]);
    const ceo = federatedEvent('Google_1', { email: 'ceo@corp.example', email_verified: 'true' });
    expect(await linkFederatedUser(ceo, trusted, stub.client)).toEqual({
      linked: false,
      reason: 'no-native-user',
    });
    expect(stub.links).toHaveLength(0);
  });
});

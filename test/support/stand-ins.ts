import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Small local stand-ins for what no emulator in the tests provides, each answering only the calls
 * Gatehouse makes, the way the real service answers them, and recording every call:
 * - Cognito (JSON protocol): AdminAddUserToGroup (idempotent, as in Cognito), AdminGetUser,
 *   ListUsers (the users AdminGetUser knows, unfiltered or by `email = "…"`) and
 *   AdminLinkProviderForUser (a source identity links once; again, it is refused as Cognito does);
 * - a JWKS server (`/<pool>/.well-known/jwks.json`);
 * - a legacy user endpoint (the `MIGRATION_SOURCE=http` contract of the README);
 * - KMS (JSON protocol): GenerateDataKey and Decrypt, what the Encryption SDK's keyring calls.
 */
export interface StandIn {
  endpoint: string;
  stop(): Promise<void>;
}

async function listen(handler: (request: IncomingMessage, body: string, response: ServerResponse) => void) {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

function json(response: ServerResponse, status: number, body: unknown, type = 'application/json') {
  response.writeHead(status, { 'content-type': type });
  response.end(JSON.stringify(body));
}

export interface CognitoStandIn extends StandIn {
  /** Group name → members (usernames). */
  members: Map<string, Set<string>>;
  /** AdminAddUserToGroup calls per `group/username`. */
  groupCalls: Map<string, number>;
  /** Users AdminGetUser knows: username → attributes. */
  users: Map<string, Record<string, string>>;
  /** Federated identities linked (AdminLinkProviderForUser): `Provider_subject` → native username. */
  links: Map<string, string>;
}

export async function startCognitoStandIn(): Promise<CognitoStandIn> {
  const members = new Map<string, Set<string>>();
  const groupCalls = new Map<string, number>();
  const users = new Map<string, Record<string, string>>();
  const links = new Map<string, string>();
  const type = 'application/x-amz-json-1.1';
  const { server, endpoint } = await listen((request, body, response) => {
    const action = String(request.headers['x-amz-target'] ?? '').split('.')[1];
    const input = JSON.parse(body || '{}') as Record<string, string>;
    if (action === 'AdminAddUserToGroup') {
      const key = `${input.GroupName}/${input.Username}`;
      groupCalls.set(key, (groupCalls.get(key) ?? 0) + 1);
      if (!members.has(input.GroupName!)) members.set(input.GroupName!, new Set());
      members.get(input.GroupName!)!.add(input.Username!);
      return json(response, 200, {}, type);
    }
    if (action === 'AdminGetUser') {
      const attributes = users.get(input.Username!);
      if (!attributes) {
        return json(
          response,
          400,
          { __type: 'UserNotFoundException', message: 'User does not exist.' },
          type,
        );
      }
      return json(
        response,
        200,
        {
          Username: input.Username,
          UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
          Enabled: true,
          UserStatus: 'CONFIRMED',
        },
        type,
      );
    }
    if (action === 'ListUsers') {
      // The one filter Gatehouse sends besides none: `email = "<address>"`.
      const email = /^email = "(.*)"$/.exec(input.Filter ?? '')?.[1];
      const matching = [...users].filter(
        ([, attributes]) => email === undefined || attributes.email === email,
      );
      const listed = matching.map(([Username, attributes]) => ({
        Username,
        Attributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
        Enabled: true,
        UserStatus: 'CONFIRMED',
      }));
      return json(response, 200, { Users: listed }, type);
    }
    if (action === 'AdminLinkProviderForUser') {
      const { DestinationUser, SourceUser } = input as unknown as Record<string, Record<string, string>>;
      const source = `${SourceUser!.ProviderName}_${SourceUser!.ProviderAttributeValue}`;
      // As Cognito answers a source identity that is linked (or signed up) already.
      if (links.has(source)) {
        return json(
          response,
          400,
          {
            __type: 'InvalidParameterException',
            message:
              'Merging is not currently supported, provide a SourceUser that has not been signed up in order to link',
          },
          type,
        );
      }
      links.set(source, DestinationUser!.ProviderAttributeValue!);
      return json(response, 200, {}, type);
    }
    json(response, 400, { __type: 'InvalidParameterException', message: `stand-in has no ${action}` }, type);
  });
  return { endpoint, members, groupCalls, users, links, stop: () => stop(server) };
}

export interface JwksStandIn extends StandIn {
  /** Requests for the key set. */
  fetches(): number;
}

export async function startJwksStandIn(jwks: unknown): Promise<JwksStandIn> {
  let fetches = 0;
  const { server, endpoint } = await listen((request, _body, response) => {
    if (!request.url?.endsWith('/.well-known/jwks.json'))
      return json(response, 404, { message: 'not found' });
    fetches++;
    json(response, 200, jwks);
  });
  return { endpoint, fetches: () => fetches, stop: () => stop(server) };
}

export interface LegacyStandIn extends StandIn {
  /** Legacy users: username → password and attributes. */
  users: Map<string, { password: string; attributes: Record<string, string> }>;
  /** Usernames told they migrated. */
  migrated: Set<string>;
  /** When set, the `authorization` header every request must carry (else 403). */
  authorization?: string;
}

export async function startLegacyStandIn(): Promise<LegacyStandIn> {
  const users = new Map<string, { password: string; attributes: Record<string, string> }>();
  const migrated = new Set<string>();
  const standIn = { users, migrated } as LegacyStandIn;
  const { server, endpoint } = await listen((request, body, response) => {
    if (standIn.authorization && request.headers.authorization !== standIn.authorization) {
      return json(response, 403, { message: 'forbidden' });
    }
    const { action, username = '', password } = JSON.parse(body || '{}') as Record<string, string>;
    const user = migrated.has(username) ? undefined : users.get(username);
    if (action === 'migrated') {
      migrated.add(username);
      return json(response, 200, {});
    }
    if (action === 'lookup')
      return user ? json(response, 200, { attributes: user.attributes }) : json(response, 404, {});
    if (action === 'authenticate') {
      return user && user.password === password
        ? json(response, 200, { attributes: user.attributes })
        : json(response, 401, {});
    }
    json(response, 400, { message: 'unknown action' });
  });
  return Object.assign(standIn, { endpoint, stop: () => stop(server) });
}

export interface KmsStandIn extends StandIn {
  /** Decrypt calls answered (whatever their answer). */
  decrypts(): number;
}

/**
 * KMS's GenerateDataKey and Decrypt (JSON protocol), for the Encryption SDK's KMS keyring: a data
 * key is "wrapped" by prefixing the key id, so only the key that generated it gives it back
 * (`IncorrectKeyException` otherwise), and a blob without a key id is `InvalidCiphertextException`.
 */
export async function startKmsStandIn(): Promise<KmsStandIn> {
  let decrypts = 0;
  const type = 'application/x-amz-json-1.1';
  const error = (response: ServerResponse, name: string) =>
    json(response, 400, { __type: name, message: name }, type);
  const { server, endpoint } = await listen((request, body, response) => {
    const action = String(request.headers['x-amz-target'] ?? '').split('.')[1];
    const input = JSON.parse(body || '{}') as Record<string, unknown>;
    const keyId = String(input.KeyId);
    if (action === 'GenerateDataKey') {
      const plaintext = randomBytes(Number(input.NumberOfBytes));
      const blob = Buffer.concat([Buffer.from(`${keyId}|`), plaintext]);
      return json(
        response,
        200,
        { KeyId: keyId, Plaintext: plaintext.toString('base64'), CiphertextBlob: blob.toString('base64') },
        type,
      );
    }
    if (action === 'Decrypt') {
      decrypts++;
      const blob = Buffer.from(String(input.CiphertextBlob), 'base64');
      const separator = blob.indexOf('|');
      if (separator < 0) return error(response, 'InvalidCiphertextException');
      if (blob.subarray(0, separator).toString() !== keyId) return error(response, 'IncorrectKeyException');
      return json(
        response,
        200,
        { KeyId: keyId, Plaintext: blob.subarray(separator + 1).toString('base64') },
        type,
      );
    }
    error(response, 'UnsupportedOperationException');
  });
  return { endpoint, decrypts: () => decrypts, stop: () => stop(server) };
}

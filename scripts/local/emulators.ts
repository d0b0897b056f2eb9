import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import dynalite from 'dynalite';

/**
 * The embedded local stand-ins: dynalite (a real DynamoDB API, in memory) and the SES emulator,
 * both in this process on free ports of 127.0.0.1. Used by the invoke CLI, the demo and the tests.
 */
export interface LocalDynamo {
  endpoint: string;
  tableName: string;
  client: DynamoDBClient;
  /** Every item in the table, unmarshalled. */
  scan(): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocalDynamo(tableName = 'gatehouse'): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
  await createTable(client, tableName);
  return {
    endpoint,
    tableName,
    client,
    async scan() {
      const result = await client.send(new ScanCommand({ TableName: tableName }));
      return (result.Items ?? []).map((item) => unmarshall(item));
    },
    stop: () => closeServer(server),
  };
}

export interface SentMail {
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  at: number;
}

export interface LocalSes {
  endpoint: string;
  /** Every mail the emulator received, oldest first. */
  mails(): Promise<SentMail[]>;
  /** Forgets every mail (the emulator's own DELETE /clear-store). */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

type StartSes = typeof import('aws-ses-v2-local').default;

/**
 * The SES emulator's start function, imported on first use: it is this module's slowest import
 * (~0.3 s), and most callers only want dynalite (each mutation-test run imports the module again).
 * It is CommonJS with `exports.default`; loaders disagree on which one `import` gives.
 */
async function sesServerStarter(): Promise<StartSes> {
  const sesLocal = (await import('aws-ses-v2-local')).default;
  return typeof sesLocal === 'function' ? sesLocal : (sesLocal as unknown as { default: StartSes }).default;
}

export async function startLocalSes(): Promise<LocalSes> {
  const server = await (await sesServerStarter())({ host: '127.0.0.1', port: 0 });
  if (!server.listening) await new Promise((done) => server.once('listening', done));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    async mails() {
      const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: SentMail[] };
      return store.emails;
    },
    async clear() {
      await fetch(`${endpoint}/clear-store`, { method: 'POST' });
    },
    stop: () => closeServer(server),
  };
}

/** A text the local SNS outbox received (SNS `Publish` to a phone number). */
export interface SentText {
  phoneNumber: string;
  message: string;
  /** `MessageAttributes` by name (`AWS.SNS.SMS.SMSType`, `AWS.SNS.SMS.SenderID`). */
  attributes: Record<string, string>;
  at: number;
}

export interface LocalSns {
  endpoint: string;
  /** Every text received, oldest first. */
  texts(): SentText[];
  stop(): Promise<void>;
}

/**
 * An SNS outbox for local runs (no SNS emulator installs from this registry): it answers the one
 * call Gatehouse makes, `Publish` to a phone number (query protocol, as the SDK sends it), records
 * the text, and refuses any other action naming it. Nothing is sent anywhere.
 */
export async function startLocalSns(): Promise<LocalSns> {
  const texts: SentText[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = form.get('Action');
      if (action !== 'Publish' || !form.get('PhoneNumber')) {
        response.writeHead(400, { 'content-type': 'text/xml' });
        response.end(
          snsError(
            'InvalidAction',
            `the local SNS outbox answers Publish to a phone number only, not ${action}`,
          ),
        );
        return;
      }
      const attributes: Record<string, string> = {};
      for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
        attributes[form.get(`MessageAttributes.entry.${n}.Name`)!] =
          form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ?? '';
      }
      texts.push({
        phoneNumber: form.get('PhoneNumber')!,
        message: form.get('Message') ?? '',
        attributes,
        at: Date.now(),
      });
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${crypto.randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    texts: () => texts,
    stop: () => closeServer(server),
  };
}

function snsError(code: string, message: string): string {
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`;
}

/** The environment that points Gatehouse's clients at the local stand-ins. */
export function localEnvironment(dynamo: LocalDynamo, ses?: LocalSes): Record<string, string> {
  return {
    TABLE_NAME: dynamo.tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    ...(ses ? { SES_ENDPOINT: ses.endpoint } : {}),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
  };
}

function closeServer(server: Server | { close(cb: () => void): void }): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

/** The table as serverless.yml defines it, for local emulators (dynalite) and tests. */
export async function createTable(dynamo: DynamoDBClient, name: string): Promise<void> {
  const key = (n: string) => ({ AttributeName: n, AttributeType: 'S' as const });
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [key('pk'), key('sk')],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

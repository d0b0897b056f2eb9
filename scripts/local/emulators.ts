import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import sesLocal from 'aws-ses-v2-local';
import dynalite from 'dynalite';
import { createTable } from '../../shared/storage/table.js';

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

/** The emulator is CommonJS with `exports.default`; loaders disagree on which one `import` gives. */
type StartSes = typeof sesLocal;
const startSesServer: StartSes =
  typeof sesLocal === 'function' ? sesLocal : (sesLocal as unknown as { default: StartSes }).default;

export async function startLocalSes(): Promise<LocalSes> {
  const server = await startSesServer({ host: '127.0.0.1', port: 0 });
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

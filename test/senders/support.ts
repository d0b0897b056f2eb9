import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import type { SNSClientConfig } from '@aws-sdk/client-sns';

/** A raw AES keyring standing in for the pool's KMS key (same SDK, same message format). */
export function testKeyring(key: Uint8Array = randomBytes(32)) {
  return new RawAesKeyringNode({
    keyNamespace: 'gatehouse-test',
    keyName: 'pool-key',
    unencryptedMasterKey: key,
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}

const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** Encrypts a code the way Cognito does for a custom sender: an Encryption SDK message, base64. */
export async function encryptCode(keyring: RawAesKeyringNode, code: string): Promise<string> {
  const { result } = await encrypt(keyring, code, {
    encryptionContext: { 'userpool-id': 'us-east-1_EXAMPLE1' },
  });
  return result.toString('base64');
}

export interface RecordedRequest {
  headers: Record<string, string>;
  body: string;
}

type RequestHandler = NonNullable<SNSClientConfig['requestHandler']>;

/**
 * An AWS SDK request handler that answers like the service would, without a network: the SDK
 * still builds, signs and serializes the real request and parses the canned answer. For the
 * services with no local emulator here (SNS, Cognito's AdminGetUser).
 */
export function fakeAwsHandler(
  answer: (request: RecordedRequest) => { status?: number; body: string; contentType?: string },
) {
  const requests: RecordedRequest[] = [];
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const recorded = { headers: request.headers, body: bodyText(request.body) };
      requests.push(recorded);
      const { status = 200, body, contentType = 'text/xml' } = answer(recorded);
      return {
        response: {
          statusCode: status,
          reason: undefined,
          headers: { 'content-type': contentType, 'x-amzn-requestid': 'fake-request' },
          body: Readable.from([Buffer.from(body)]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  } as unknown as RequestHandler;
  return { handler, requests };
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  return new TextDecoder().decode(body as Uint8Array);
}

export const snsPublished = (messageId: string) =>
  `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></PublishResponse>`;

export const snsThrottled = () =>
  `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r2</RequestId></ErrorResponse>`;

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

import { SNSClient } from '@aws-sdk/client-sns';
import { runtimeSettings } from '../config/runtime.js';
import { CALL_LIMITS, clientOptions, withDeadline } from './clients.js';

let client: SNSClient | undefined;

/** The SNS client, created on first use (`SNS_ENDPOINT` for the local outbox). */
export function snsClient(): SNSClient {
  client ??= withDeadline(new SNSClient(clientOptions(CALL_LIMITS.sns, runtimeSettings().snsEndpoint)));
  return client;
}

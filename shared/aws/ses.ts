import { SESv2Client } from '@aws-sdk/client-sesv2';
import { runtimeSettings } from '../config/runtime.js';
import { CALL_LIMITS, clientOptions, withDeadline } from './clients.js';

let client: SESv2Client | undefined;

/** The SES v2 client, created on first use: only functions that mail pay for it (`SES_ENDPOINT` locally). */
export function sesClient(): SESv2Client {
  client ??= withDeadline(new SESv2Client(clientOptions(CALL_LIMITS.ses, runtimeSettings().sesEndpoint)));
  return client;
}

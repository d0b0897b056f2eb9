import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { runtimeSettings } from '../config/runtime.js';
import { senderSettings } from './settings.js';

let client: SNSClient | undefined;

/** The SNS client, created on first use. */
export function snsClient(): SNSClient {
  if (!client) {
    const { snsEndpoint } = senderSettings();
    client = new SNSClient({
      region: runtimeSettings().region,
      ...(snsEndpoint ? { endpoint: snsEndpoint } : {}),
    });
  }
  return client;
}

export interface OutgoingSms {
  phoneNumber: string;
  message: string;
  smsType: 'Transactional' | 'Promotional';
  senderId?: string;
}

/** Sends one text directly to a phone number (no topic) and returns the SNS message id. */
export async function publishSms(
  sms: OutgoingSms,
  sns: SNSClient = snsClient(),
): Promise<string | undefined> {
  const attributes: PublishCommand['input']['MessageAttributes'] = {
    'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: sms.smsType },
  };
  if (sms.senderId) attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: sms.senderId };
  const result = await sns.send(
    new PublishCommand({ PhoneNumber: sms.phoneNumber, Message: sms.message, MessageAttributes: attributes }),
  );
  return result.MessageId;
}

import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { snsClient } from '../aws/sns.js';

export { snsClient } from '../aws/sns.js';

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

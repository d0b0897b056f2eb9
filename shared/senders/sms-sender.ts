import type { CustomSmsSenderEvent } from '../events/messages.js';
import { brandingOf } from '../mail/branding.js';
import { recipientLocale } from '../mail/recipient.js';
import { renderMessage } from '../mail/render.js';
import {
  codeMessageValues,
  DeliveryError,
  decryptCode,
  deliverOnce,
  type SenderDependencies,
  type SendOutcome,
  UndeliverableError,
} from './deliver.js';
import { senderKinds } from './kinds.js';
import type { OutgoingSms } from './sns.js';

export interface SmsSenderDependencies extends SenderDependencies {
  publishSms: (sms: OutgoingSms) => Promise<string | undefined>;
  smsType: OutgoingSms['smsType'];
  smsSenderId?: string;
}

/** Custom SMS sender: decrypts the code and texts the source's SMS template through SNS, once per event. */
export async function sendCustomSms(
  event: CustomSmsSenderEvent,
  deps: SmsSenderDependencies,
): Promise<SendOutcome> {
  return deliverOnce(event, deps.markers, 'sms', async () => {
    const kind = senderKinds[event.triggerSource];
    const { request } = event;
    const phoneNumber = request.userAttributes.phone_number;
    if (!phoneNumber) throw new UndeliverableError('user has no phone number');
    const code = await decryptCode(deps.decrypt, request.code);
    const message = renderMessage(kind, {
      locale: recipientLocale(request),
      defaultLocale: deps.mail.defaultLocale,
      values: codeMessageValues(kind, event.userName, request.userAttributes, code, deps.mail),
      branding: brandingOf(deps.mail),
    });
    try {
      return await deps.publishSms({
        phoneNumber,
        message: message.sms,
        smsType: deps.smsType,
        senderId: deps.smsSenderId,
      });
    } catch (error) {
      throw new DeliveryError('sms', error);
    }
  });
}

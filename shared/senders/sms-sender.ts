import { UndeliverableError } from '../errors/index.js';
import type { CustomSmsSenderEvent } from '../events/messages.js';
import { renderBranded } from '../mail/branding.js';
import { messageKindOf } from '../mail/kinds.js';
import { recipientLocale } from '../mail/recipient.js';
import {
  codeMessageValues,
  decryptCode,
  deliverOnce,
  type SenderDependencies,
  type SendOutcome,
} from './deliver.js';
import type { OutgoingSms } from './sns.js';

export interface SmsSenderDependencies extends SenderDependencies {
  /** One SNS attempt, no SDK retry: a retried attempt could resend a text SNS accepted (`deliverOnce`). */
  publishSms: (sms: OutgoingSms) => Promise<string | undefined>;
  smsType: OutgoingSms['smsType'];
  smsSenderId?: string;
}

/** Custom SMS sender: decrypts the code and texts the source's SMS template through SNS, once per event. */
export async function sendCustomSms(
  event: CustomSmsSenderEvent,
  deps: SmsSenderDependencies,
): Promise<SendOutcome> {
  return deliverOnce(
    event,
    deps.markers,
    'sms',
    async (): Promise<OutgoingSms> => {
      const kind = messageKindOf(event.triggerSource);
      const { request } = event;
      const phoneNumber = request.userAttributes.phone_number;
      if (!phoneNumber) throw new UndeliverableError('user has no phone number');
      const code = await decryptCode(deps.decrypt, request.code);
      const message = renderBranded(kind, deps.mail, {
        locale: recipientLocale(request),
        values: codeMessageValues(kind, event.userName, request.userAttributes, code, deps.mail),
      });
      return { phoneNumber, message: message.sms, smsType: deps.smsType, senderId: deps.smsSenderId };
    },
    (sms) => deps.publishSms(sms),
  );
}

import { parseCustomSmsSenderEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { senderSettings } from '../shared/senders/settings.js';
import { sendCustomSms } from '../shared/senders/sms-sender.js';
import { type OutgoingSms, publishSms } from '../shared/senders/sns.js';
import { senderDependencies } from '../shared/senders/wiring.js';

/**
 * Custom SMS sender trigger (all CustomSMSSender_ sources, asynchronous): decrypts the code and
 * texts it through SNS, once per event. A failed send throws, so that Lambda's asynchronous
 * retries try again; anything no retry can fix is logged and dropped.
 */
const { smsType, smsSenderId } = senderSettings();
const dependencies = {
  ...senderDependencies(),
  publishSms: (sms: OutgoingSms) => publishSms(sms),
  smsType,
  smsSenderId,
};

export const handler = triggerHandler({
  name: 'custom-sms-sender',
  parse: parseCustomSmsSenderEvent,
  core: async (event) => {
    await sendCustomSms(event, dependencies);
    return {};
  },
});

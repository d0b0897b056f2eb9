import type { CognitoSender } from '../aws/cognito.js';
import { DeliveryError, UndeliverableError } from '../errors/index.js';
import type { StringMap } from '../events/common.js';
import type { CustomEmailSenderEvent } from '../events/messages.js';
import { renderBranded } from '../mail/branding.js';
import { messageKindOf } from '../mail/kinds.js';
import { recipientLocale, recipientName } from '../mail/recipient.js';
import type { OutgoingEmail } from '../mail/ses.js';
import {
  codeMessageValues,
  decryptCode,
  deliverOnce,
  type SenderDependencies,
  type SendOutcome,
} from './deliver.js';
import { userAttributes } from './users.js';

export interface EmailSenderDependencies extends SenderDependencies {
  /** One SES attempt, no SDK retry: a retried attempt could resend a mail SES accepted (`deliverOnce`). */
  sendEmail: (mail: OutgoingEmail) => Promise<string | undefined>;
  /** Looks up the recipient of an account-takeover notification. */
  cognito: () => CognitoSender;
}

/**
 * Custom email sender: decrypts the code, renders the source's template in the user's locale
 * and sends it through SES, once per event. The account-takeover notification has no code and
 * no recipient attributes: its user is looked up by USER_NAME.
 */
export async function sendCustomEmail(
  event: CustomEmailSenderEvent,
  deps: EmailSenderDependencies,
): Promise<SendOutcome> {
  return deliverOnce(
    event,
    deps.markers,
    'email',
    () => prepareEmail(event, deps),
    (mail) => deps.sendEmail(mail),
  );
}

/** The mail of an event: its recipient, code and values, rendered. Sends nothing. */
async function prepareEmail(
  event: CustomEmailSenderEvent,
  deps: EmailSenderDependencies,
): Promise<OutgoingEmail> {
  const kind = messageKindOf(event.triggerSource);
  const { request } = event;
  let attributes: StringMap;
  let values: Record<string, string | undefined>;
  if (event.triggerSource === 'CustomEmailSender_AccountTakeOverNotification') {
    attributes = await lookUpRecipient(event, deps);
    values = { ...takeoverValues(request.userAttributes), name: recipientName(attributes) };
  } else {
    attributes = request.userAttributes;
    const code = await decryptCode(deps.decrypt, request.code);
    values = codeMessageValues(kind, event.userName, attributes, code, deps.mail);
  }
  const to = attributes.email;
  if (!to) throw new UndeliverableError('user has no email address');
  const message = renderBranded(kind, deps.mail, {
    locale: recipientLocale({ userAttributes: attributes, clientMetadata: request.clientMetadata }),
    values,
  });
  return {
    from: deps.mail.fromAddress,
    to,
    subject: message.subject,
    html: message.html,
    text: message.text,
  };
}

async function lookUpRecipient(
  event: CustomEmailSenderEvent,
  deps: EmailSenderDependencies,
): Promise<StringMap> {
  const username = event.request.userAttributes.USER_NAME || event.userName;
  try {
    return await userAttributes(event.userPoolId, username, deps.cognito());
  } catch (error) {
    // A notification without a code: when the user does not exist, there is no one to tell; when
    // Cognito is slow or down, Lambda's retry looks again.
    if ((error as Error).name === 'UserNotFoundException')
      throw new UndeliverableError('user not found', error);
    throw new DeliveryError('email', error);
  }
}

/** The notification fields Cognito sends for an account-takeover event, as message values. */
export function takeoverValues(fields: StringMap): Record<string, string | undefined> {
  const location = [fields.CITY, fields.COUNTRY].filter(Boolean).join(', ');
  return {
    device: fields.DEVICE_NAME || undefined,
    location: location || undefined,
    ip: fields.IP_ADDRESS || undefined,
    time: fields.LOGIN_TIME || undefined,
    blocked: fields.ACCOUNT_TAKE_OVER_ACTION === 'BLOCK' ? 'yes' : undefined,
    linkValid: fields.ONE_CLICK_LINK_VALID || undefined,
    linkInvalid: fields.ONE_CLICK_LINK_INVALID || undefined,
  };
}

import type { CognitoSender } from '../aws/cognito.js';
import type { StringMap } from '../events/common.js';
import type { CustomEmailSenderEvent } from '../events/messages.js';
import { brandingOf } from '../mail/branding.js';
import { recipientLocale } from '../mail/recipient.js';
import { renderMessage } from '../mail/render.js';
import type { OutgoingEmail } from '../mail/ses.js';
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
import { userAttributes } from './users.js';

export interface EmailSenderDependencies extends SenderDependencies {
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
  return deliverOnce(event, deps.markers, 'email', async () => {
    const kind = senderKinds[event.triggerSource];
    const { request } = event;
    let attributes: StringMap;
    let values: Record<string, string | undefined>;
    if (event.triggerSource === 'CustomEmailSender_AccountTakeOverNotification') {
      attributes = await lookUpRecipient(event, deps);
      values = { ...takeoverValues(request.userAttributes), name: attributes.given_name || attributes.name };
    } else {
      attributes = request.userAttributes;
      const code = await decryptCode(deps.decrypt, request.code);
      values = codeMessageValues(kind, event.userName, attributes, code, deps.mail);
    }
    const to = attributes.email;
    if (!to) throw new UndeliverableError('user has no email address');
    const message = renderMessage(kind, {
      locale: recipientLocale({ userAttributes: attributes, clientMetadata: request.clientMetadata }),
      defaultLocale: deps.mail.defaultLocale,
      values,
      branding: brandingOf(deps.mail),
    });
    try {
      return await deps.sendEmail({
        from: deps.mail.fromAddress,
        to,
        subject: message.subject,
        html: message.html,
        text: message.text,
      });
    } catch (error) {
      throw new DeliveryError('email', error);
    }
  });
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

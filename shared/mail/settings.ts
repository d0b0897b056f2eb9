import * as v from 'valibot';
import { type Settings, setting, settingsGroup } from '../config/settings.js';

const optionalUrl = v.optional(v.pipe(v.string(), v.url()));
const hexColor = v.pipe(v.string(), v.regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1f4fd1'));

/**
 * Mail and message settings: sender address, branding, locale, how the custom message trigger
 * answers. Branding can be set once for every function under `mail` in `config/gatehouse.json`
 * (it is bundled into each), or per function in the environment, which wins.
 */
export const mailSettingSpecs = {
  fromAddress: setting({
    env: 'SES_FROM_ADDRESS',
    schema: v.pipe(v.string(), v.email()),
    default: 'no-reply@example.com',
    doc: 'The From address of every mail; must be a verified SES identity (IAM allows only it).',
  }),
  productName: setting({
    env: 'MAIL_PRODUCT_NAME',
    file: 'mail.productName',
    schema: v.pipe(v.string(), v.minLength(1), v.maxLength(40)),
    default: 'Gatehouse',
    doc: 'Product name shown in every message (subject, header, SMS).',
  }),
  logoUrl: setting({
    env: 'MAIL_LOGO_URL',
    file: 'mail.logoUrl',
    schema: optionalUrl,
    default: undefined,
    doc: 'Logo in the header of HTML mail (https URL, shown 32 px high); unset = the product name.',
  }),
  brandColor: setting({
    env: 'MAIL_BRAND_COLOR',
    file: 'mail.brandColor',
    schema: hexColor,
    default: '#1f4fd1',
    doc: 'Header, heading and link colour of HTML mail.',
  }),
  backgroundColor: setting({
    env: 'MAIL_BACKGROUND_COLOR',
    file: 'mail.backgroundColor',
    schema: hexColor,
    default: '#f3f4f6',
    doc: 'Page background colour of HTML mail.',
  }),
  supportAddress: setting({
    env: 'MAIL_SUPPORT_ADDRESS',
    file: 'mail.supportAddress',
    schema: v.optional(v.pipe(v.string(), v.email())),
    default: undefined,
    doc: 'Support address in the footer of every mail; unset = no support line.',
  }),
  appUrl: setting({
    env: 'MAIL_APP_URL',
    file: 'mail.appUrl',
    schema: optionalUrl,
    default: undefined,
    doc: 'The application URL, linked in the footer, the welcome mail and the invitation.',
  }),
  defaultLocale: setting({
    env: 'MAIL_DEFAULT_LOCALE',
    file: 'mail.defaultLocale',
    schema: v.pipe(
      v.string(),
      v.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a locale like en or pt-BR'),
    ),
    default: 'en',
    doc: 'Locale of users who have none; a locale without templates falls back to en.',
  }),
  confirmUrl: setting({
    env: 'MESSAGE_CONFIRM_URL',
    file: 'mail.confirmUrl',
    schema: optionalUrl,
    default: undefined,
    doc: 'When set, code messages for sign-up and address verification add a link `<url>?username=…&code=…`.',
  }),
  resetUrl: setting({
    env: 'MESSAGE_RESET_URL',
    file: 'mail.resetUrl',
    schema: optionalUrl,
    default: undefined,
    doc: 'When set, forgot-password messages add a link `<url>?username=…&code=…`.',
  }),
  cognitoLink: setting({
    env: 'MESSAGE_COGNITO_LINK',
    schema: v.boolean(),
    default: false,
    doc: "Custom message: add the request's `linkParameter` to sign-up and resend mail (pools that verify by link).",
  }),
  emailSendingAccount: setting({
    env: 'COGNITO_EMAIL_SENDING_ACCOUNT',
    schema: v.picklist(['COGNITO_DEFAULT', 'DEVELOPER']),
    default: 'COGNITO_DEFAULT',
    doc: "The pool's EmailSendingAccount. Custom message answers email fields only for DEVELOPER (SES); else SMS only.",
  }),
};

export type MailSettings = Settings<typeof mailSettingSpecs>;

/** Mail settings, read once per container. */
export const mailSettings = settingsGroup(mailSettingSpecs);

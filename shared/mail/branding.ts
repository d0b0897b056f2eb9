import type { MessageKind } from './kinds.js';
import { type Branding, type RenderedMessage, renderMessage } from './render.js';
import type { MailSettings } from './settings.js';

/** The branding part of the mail settings, as the renderer takes it. */
export function brandingOf(settings: MailSettings): Branding {
  return {
    product: settings.productName,
    logoUrl: settings.logoUrl,
    brandColor: settings.brandColor,
    backgroundColor: settings.backgroundColor,
    supportAddress: settings.supportAddress,
    appUrl: settings.appUrl,
  };
}

/**
 * Renders a message with the configured branding and default locale: what every mail and text
 * Gatehouse sends goes through (custom message, custom senders, templated mail).
 */
export function renderBranded(
  kind: MessageKind,
  settings: MailSettings,
  request: { locale: string | undefined; values: Record<string, string | undefined> },
): RenderedMessage {
  return renderMessage(kind, {
    locale: request.locale,
    defaultLocale: settings.defaultLocale,
    values: request.values,
    branding: brandingOf(settings),
  });
}

import type { Branding } from './render.js';
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

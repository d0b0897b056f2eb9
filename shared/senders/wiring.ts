import { mailSettings } from '../mail/settings.js';
import { kmsDecrypter, noKeyDecrypter } from './decrypt.js';
import type { SenderDependencies } from './deliver.js';
import { tableSentMarkers } from './sent-marker.js';
import { senderSettings } from './settings.js';

/** The production dependencies both senders share, built once per container from the settings. */
export function senderDependencies(): SenderDependencies {
  const settings = senderSettings();
  return {
    decrypt: settings.kmsKeyArn ? kmsDecrypter(settings.kmsKeyArn) : noKeyDecrypter,
    markers: tableSentMarkers(settings.sentMarkerSeconds),
    mail: mailSettings(),
  };
}

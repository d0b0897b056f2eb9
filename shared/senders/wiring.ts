import { mailSettings } from '../mail/settings.js';
import { senderDecrypter } from './decrypt.js';
import type { SenderDependencies } from './deliver.js';
import { tableSentMarkers } from './sent-marker.js';
import { senderSettings } from './settings.js';

/** The production dependencies both senders share, built once per container from the settings. */
export function senderDependencies(): SenderDependencies {
  const settings = senderSettings();
  return {
    decrypt: senderDecrypter(settings),
    markers: tableSentMarkers(settings.sentMarkerSeconds),
    mail: mailSettings(),
  };
}

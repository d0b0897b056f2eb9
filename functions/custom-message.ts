import { parseCustomMessageEvent } from '../shared/events/parse.js';
import { customMessageResponse } from '../shared/mail/custom-message.js';
import { mailSettings } from '../shared/mail/settings.js';
import { triggerHandler } from '../shared/middleware/index.js';

/** Custom message trigger (all seven CustomMessage_ sources): branded, localized messages. */
const settings = mailSettings(); // validated at cold start

export const handler = triggerHandler({
  name: 'custom-message',
  parse: parseCustomMessageEvent,
  core: async (event) => {
    event.response = { ...event.response, ...customMessageResponse(event, settings) };
    return event;
  },
});

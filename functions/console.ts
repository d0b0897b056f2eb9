import { runtimeSettings } from '../shared/config/runtime.js';
import { consoleHandler } from '../shared/console/handler.js';
import { consoleSettings } from '../shared/console/settings.js';

/**
 * The operator console behind the HTTP API: `GET /console` (the page, public, no data) and
 * `/console/api/...` (behind the authorizer; every call checked again for the admin group and
 * against cross-site requests). Settings are validated here, once per container.
 */
runtimeSettings();
consoleSettings();

export const handler = consoleHandler();

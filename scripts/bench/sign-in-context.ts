/**
 * The context endpoint's compute time (`POST /sign-in-context`: parse and check the body, sign,
 * answer), against the floor of parsing the pre-authentication event that every trigger pays,
 * and the check each sign-in trigger adds (verify the signature, read the facts).
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseTriggerEvent } from '../../shared/events/parse.js';
import { logger } from '../../shared/logging/index.js';
import { signContext, verifyContext } from '../../shared/risk/context.js';
import { attemptFacts } from '../../shared/risk/facts.js';
import { contextEndpoint } from '../../shared/sign-in-context/endpoint.js';
import { NOW, SECRET, signInAttempt, testConfig } from '../../test/risk/support/fixtures.js';
import { findSampleEvent } from '../local/sample-events.js';
import { measure, measureAsync, printTable } from './measure.js';

logger.setLogLevel('SILENT'); // one line per context would drown the figures
const preAuthEvent = JSON.parse(
  readFileSync(findSampleEvent('PreAuthentication_Authentication')!.path, 'utf8'),
);
const endpoint = contextEndpoint({ secret: SECRET, maxAgeSeconds: 300 });
const CLIENT = '3example0clientid0000000000';
const request = {
  version: '2.0',
  routeKey: 'POST /sign-in-context',
  rawPath: '/sign-in-context',
  headers: { 'content-type': 'application/json' },
  requestContext: {
    http: {
      method: 'POST',
      path: '/sign-in-context',
      sourceIp: '203.0.113.10',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15',
    },
  },
  body: JSON.stringify({ username: 'Ann@Example.org', clientId: CLIENT, deviceId: 'laptop-1' }),
  isBase64Encoded: false,
} as unknown as APIGatewayProxyEventV2;
const attempt = signInAttempt({ clientId: CLIENT, nonce: 'bench-nonce-0001' });
const config = testConfig();
const binding = { identities: [attempt.userName], clientId: CLIENT };
const fields = attempt.metadata;

printTable([
  measure('baseline: parse the pre-authentication event', () => parseTriggerEvent(preAuthEvent)),
  await measureAsync('endpoint: POST /sign-in-context answer (p50/p99 compute)', () =>
    endpoint(request, NOW),
  ),
  measure('signContext alone (canonical text + HMAC)', () => signContext(fields, SECRET)),
  measure('trigger: verifyContext', () => verifyContext(fields, binding, SECRET, 300, NOW)),
  measure('trigger: attemptFacts (verify + read the facts)', () => attemptFacts(attempt, config)),
]);

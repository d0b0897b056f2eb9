/**
 * The event parsers on the hot path: how long checking a sample event costs, against the floor
 * of a structuredClone of the same event (what any defensive copy would cost).
 */
import { readFileSync } from 'node:fs';
import { parseAuthorizerEvent, parseTriggerEvent } from '../../shared/events/parse.js';
import { findSampleEvent } from '../local/sample-events.js';
import { measure, printTable } from './measure.js';

const load = (name: string) => JSON.parse(readFileSync(findSampleEvent(name)!.path, 'utf8'));
const tokenEvent = load('TokenGeneration_Authentication.V2_0');
const signUpEvent = load('PreSignUp_SignUp');
const authorizerEvent = load('http-v2');

printTable([
  measure('baseline: structuredClone(token generation event)', () => structuredClone(tokenEvent)),
  measure('parse token generation V2 event', () => parseTriggerEvent(tokenEvent)),
  measure('parse pre sign-up event', () => parseTriggerEvent(signUpEvent)),
  measure('parse HTTP API 2.0 authorizer event', () => parseAuthorizerEvent(authorizerEvent)),
]);

import * as v from 'valibot';
import { loadSettings, setting } from './settings.js';

/** Settings every function shares: where the table is, how much to log, local endpoints. */
export const runtimeSettingSpecs = {
  tableName: setting({
    env: 'TABLE_NAME',
    schema: v.pipe(v.string(), v.regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name')),
    default: 'gatehouse',
    doc: 'The single DynamoDB table that holds every item Gatehouse keeps.',
  }),
  region: setting({
    env: 'AWS_REGION',
    schema: v.pipe(v.string(), v.minLength(1)),
    default: 'us-east-1',
    doc: 'AWS region of the table and of SES; set by Lambda itself.',
  }),
  dynamoDbEndpoint: setting({
    env: 'DYNAMODB_ENDPOINT',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'DynamoDB endpoint override, for local runs against dynalite. Unset in AWS.',
  }),
  sesEndpoint: setting({
    env: 'SES_ENDPOINT',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'SES endpoint override, for local runs against the SES emulator. Unset in AWS.',
  }),
  secretsManagerEndpoint: setting({
    env: 'SECRETS_MANAGER_ENDPOINT',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'Secrets Manager endpoint override, for local stand-ins. Unset in AWS.',
  }),
  cognitoEndpoint: setting({
    env: 'COGNITO_ENDPOINT',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'Cognito endpoint override, for local runs (e.g. cognito-local). Unset in AWS.',
  }),
  snsEndpoint: setting({
    env: 'SNS_ENDPOINT',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'SNS endpoint override, for local runs. Unset in AWS.',
  }),
  stage: setting({
    env: 'GATEHOUSE_STAGE',
    schema: v.pipe(v.string(), v.minLength(1)),
    default: 'dev',
    doc: 'Deployment stage name, included in every log line.',
  }),
};

let cached: ReturnType<typeof loadRuntimeSettings> | undefined;

export function loadRuntimeSettings() {
  return loadSettings(runtimeSettingSpecs);
}

/** The shared runtime settings, read once per container. */
export function runtimeSettings() {
  cached ??= loadRuntimeSettings();
  return cached;
}

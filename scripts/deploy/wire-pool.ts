/**
 * `npm run wire-pool -- --stage <stage> [--dry-run]`: attaches the deployed functions to an
 * existing user pool (the stack cannot: CloudFormation does not own that pool's LambdaConfig).
 *
 * UpdateUserPool resets every field it is not given, so the pool's configuration is read first
 * (DescribeUserPool) and sent back whole, with only the LambdaConfig changed: Gatehouse's triggers
 * (the unqualified function ARNs from the stack outputs) merged over the triggers the pool already
 * has. `--dry-run` prints the changes and the whole request, and sends nothing.
 *
 * Options: `--stage` (the stack `gatehouse-<stage>` and serverless.yml's `params.<stage>.userPoolId`),
 * `--user-pool-id` (instead of the stage's), `--outputs <file>` (the stack outputs as
 * `aws cloudformation describe-stacks --query "Stacks[0].Outputs"` prints them, instead of asking
 * CloudFormation), `--region`, `--endpoint` (a Cognito stand-in such as cognito-local).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  type LambdaConfigType,
  UpdateUserPoolCommand,
  type UpdateUserPoolCommandInput,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { parse } from 'yaml';
import { resolveParameters } from './parameters.js';

/** One stack output, as CloudFormation lists it. */
export interface StackOutput {
  OutputKey?: string;
  OutputValue?: string;
  Description?: string;
}

/** Every field UpdateUserPool takes that DescribeUserPool returns under the same name. */
const FIELDS_SENT_BACK = [
  'Policies',
  'DeletionProtection',
  'AutoVerifiedAttributes',
  'SmsVerificationMessage',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'VerificationMessageTemplate',
  'SmsAuthenticationMessage',
  'UserAttributeUpdateSettings',
  'MfaConfiguration',
  'DeviceConfiguration',
  'EmailConfiguration',
  'SmsConfiguration',
  'UserPoolTags',
  'AdminCreateUserConfig',
  'UserPoolAddOns',
  'DcrConfiguration',
  'AccountRecoverySetting',
  'UserPoolTier',
  'KeyConfiguration',
  'IssuerConfiguration',
  'AcrConfiguration',
] as const satisfies readonly (keyof UpdateUserPoolCommandInput & keyof UserPoolType)[];

/** Triggers configured as `{LambdaArn, LambdaVersion}`, with the version Gatehouse's code speaks. */
const VERSIONED: Record<string, string> = {
  PreTokenGenerationConfig: 'V2_0',
  CustomEmailSender: 'V1_0',
  CustomSMSSender: 'V1_0',
  InboundFederation: 'V1_0',
};

const SENDERS = ['CustomEmailSender', 'CustomSMSSender', 'KMSKeyID'];

/**
 * Gatehouse's part of a LambdaConfig, from the stack outputs: each `<Name>FunctionArn` output's
 * description names its LambdaConfig field. The custom senders and their key are wired when the
 * stack has the key output (messageDelivery=senders); the custom message otherwise.
 */
export function gatehouseTriggers(outputs: StackOutput[]): LambdaConfigType {
  const senders = outputs.some((o) => o.OutputKey === 'CustomSenderKeyArn');
  const config: Record<string, unknown> = {};
  for (const output of outputs) {
    const field = output.Description?.match(/^LambdaConfig\.(\w+)$/)?.[1];
    if (!field || !output.OutputValue) continue;
    if (senders ? field === 'CustomMessage' : SENDERS.includes(field)) continue;
    config[field] = VERSIONED[field]
      ? { LambdaArn: output.OutputValue, LambdaVersion: VERSIONED[field] }
      : output.OutputValue;
  }
  const key = outputs.find((o) => o.OutputKey === 'CustomSenderKeyArn')?.OutputValue;
  if (senders && key) config.KMSKeyID = key;
  return config as LambdaConfigType;
}

/**
 * The pool's LambdaConfig with Gatehouse's triggers over it. Triggers of the pool that Gatehouse
 * does not provide stay; the delivery Gatehouse does not use is taken out (custom senders deliver
 * every message, so a custom message beside them would never be seen, and the reverse), and the
 * legacy `PreTokenGeneration` field gives way to `PreTokenGenerationConfig`.
 */
export function mergeLambdaConfig(
  current: LambdaConfigType | undefined,
  ours: LambdaConfigType,
): LambdaConfigType {
  const merged: Record<string, unknown> = { ...current, ...ours };
  if (ours.CustomEmailSender) delete merged.CustomMessage;
  if (ours.CustomMessage) for (const field of SENDERS) delete merged[field];
  if (ours.PreTokenGenerationConfig) delete merged.PreTokenGeneration;
  return merged as LambdaConfigType;
}

/** The UpdateUserPool request that keeps every field of `pool` and sets `lambdaConfig`. */
export function updateRequest(
  pool: UserPoolType,
  lambdaConfig: LambdaConfigType,
): UpdateUserPoolCommandInput {
  const request: Record<string, unknown> = { UserPoolId: pool.Id, PoolName: pool.Name };
  for (const field of FIELDS_SENT_BACK) {
    if (pool[field] !== undefined) request[field] = structuredClone(pool[field]);
  }
  // Deprecated, and refused beside the password policy's TemporaryPasswordValidityDays, which
  // DescribeUserPool returns too.
  const adminCreate = request.AdminCreateUserConfig as { UnusedAccountValidityDays?: number } | undefined;
  if (adminCreate) delete adminCreate.UnusedAccountValidityDays;
  request.LambdaConfig = lambdaConfig;
  return request as unknown as UpdateUserPoolCommandInput;
}

/** One line per LambdaConfig field that changes: `+ added`, `- removed`, `~ changed`. */
export function describeChanges(before: LambdaConfigType | undefined, after: LambdaConfigType): string[] {
  const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const b = (before ?? {}) as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const lines: string[] = [];
  for (const field of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
    if (JSON.stringify(b[field]) === JSON.stringify(a[field])) continue;
    if (b[field] === undefined) lines.push(`  + ${field}: ${show(a[field])}`);
    else if (a[field] === undefined) lines.push(`  - ${field}: ${show(b[field])}`);
    else lines.push(`  ~ ${field}: ${show(b[field])} -> ${show(a[field])}`);
  }
  return lines;
}

export interface WireOptions {
  userPoolId: string;
  outputs: StackOutput[];
  cognito: CognitoIdentityProviderClient;
  dryRun: boolean;
  log?: (line: string) => void;
}

/** Reads the pool, merges the triggers, prints the changes, and (unless a dry run) writes the pool back whole. */
export async function wirePool(options: WireOptions): Promise<UpdateUserPoolCommandInput> {
  const log = options.log ?? console.log;
  const { UserPool: pool } = await options.cognito.send(
    new DescribeUserPoolCommand({ UserPoolId: options.userPoolId }),
  );
  if (!pool) throw new Error(`user pool ${options.userPoolId} not found`);
  const ours = gatehouseTriggers(options.outputs);
  if (Object.keys(ours).length === 0)
    throw new Error('the stack outputs name no trigger function (<Name>FunctionArn)');
  const request = updateRequest(pool, mergeLambdaConfig(pool.LambdaConfig, ours));
  const changes = describeChanges(pool.LambdaConfig, request.LambdaConfig ?? {});
  log(`user pool ${options.userPoolId} (${pool.Name ?? 'unnamed'}): LambdaConfig changes`);
  log(changes.length > 0 ? changes.join('\n') : '  (none: already wired)');
  const kept = FIELDS_SENT_BACK.filter((field) => pool[field] !== undefined);
  log(`every other setting is sent back as DescribeUserPool returned it: ${kept.join(', ')}`);
  if (pool.UserPoolTier === 'LITE' && ours.PreTokenGenerationConfig) {
    log('note: pre token generation V2_0 needs the Essentials or Plus tier; this pool is on Lite');
  }
  if (options.dryRun) {
    log('\ndry run: nothing sent. The UpdateUserPool request would be:');
    log(JSON.stringify(request, null, 2));
    return request;
  }
  await options.cognito.send(new UpdateUserPoolCommand(request));
  log('\nupdated.');
  return request;
}

async function stackOutputs(stage: string, region: string | undefined): Promise<StackOutput[]> {
  const cloudFormation = new CloudFormationClient(region ? { region } : {});
  const { Stacks } = await cloudFormation.send(
    new DescribeStacksCommand({ StackName: `gatehouse-${stage}` }),
  );
  return Stacks?.[0]?.Outputs ?? [];
}

function stagePoolId(stage: string): string {
  const config = parse(readFileSync(join(import.meta.dirname, '..', '..', 'serverless.yml'), 'utf8')) as {
    params: Record<string, Record<string, unknown>>;
  };
  return resolveParameters(config.params, stage).userPoolId ?? '';
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' },
      'user-pool-id': { type: 'string' },
      outputs: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (!values.stage) {
    console.error(
      'usage: npm run wire-pool -- --stage <stage> [--dry-run] [--user-pool-id <id>] [--outputs <file>]',
    );
    return 2;
  }
  const userPoolId = values['user-pool-id'] ?? stagePoolId(values.stage);
  if (!userPoolId) {
    console.error(
      `stage ${values.stage} has no userPoolId (params.${values.stage}.userPoolId); give --user-pool-id`,
    );
    return 2;
  }
  const outputs = values.outputs
    ? (JSON.parse(readFileSync(values.outputs, 'utf8')) as StackOutput[])
    : await stackOutputs(values.stage, values.region);
  const region = values.region ?? userPoolId.split('_')[0];
  const cognito = new CognitoIdentityProviderClient({
    region,
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
  });
  await wirePool({ userPoolId, outputs, cognito, dryRun: values['dry-run'] ?? false });
  return 0;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}

/**
 * The deploy parameters of serverless.yml, checked before anything reaches AWS: `serverless
 * package` and `serverless deploy` (and so `npm run package`) run this check through the local
 * plugin `scripts/deploy/parameter-check.cjs`, which stops them with one line per problem.
 *
 * A parameter's value is taken as the framework takes it: `--param="name=value"`, else the stage's
 * `params.<stage>`, else `params.default`. Every known parameter has a default in serverless.yml,
 * so a name that is not there is a typo and is refused too.
 */

/** Parameter values by name, as the framework resolves them for one stage. */
export type Parameters = Record<string, string>;

/** Which command is about to run: a deploy also refuses values that only a package tolerates. */
export type DeployCommand = 'package' | 'deploy';

/** serverless.yml's `params:` block: `default` and one entry per stage. */
export type ParamsBlock = Record<string, Record<string, unknown> | null | undefined>;

/** CloudWatch Logs' accepted retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL'];
const USER_POOL_ID = /^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$/;
const CLIENT_ID = /^[a-z0-9]{1,128}$/;
const KMS_KEY_ARN = /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TABLE_NAME = /^[\w.-]{3,255}$/;
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
const SNS_TOPIC_ARN = /^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

/** Resolves each parameter the way the framework does (CLI, then the stage, then the default). */
export function resolveParameters(params: ParamsBlock, stage: string, cli: string[] = []): Parameters {
  const resolved: Parameters = {};
  for (const source of [params.default, params[stage]]) {
    for (const [name, value] of Object.entries(source ?? {})) {
      if (value !== null && value !== undefined) resolved[name] = String(value);
    }
  }
  for (const item of cli) {
    const at = item.indexOf('=');
    if (at > 0) resolved[item.slice(0, at)] = item.slice(at + 1).trimEnd();
  }
  return resolved;
}

type Check = (p: Parameters, command: DeployCommand) => string | undefined;

const oneOf =
  (name: string, allowed: string[]): Check =>
  (p) =>
    allowed.includes(p[name] ?? '')
      ? undefined
      : `${name}: must be one of ${allowed.join(', ')} (got "${p[name]}")`;

const matches =
  (name: string, pattern: RegExp, what: string): Check =>
  (p) =>
    p[name] && !pattern.test(p[name]) ? `${name}: must be ${what} (got "${p[name]}")` : undefined;

const integerIn =
  (name: string, min: number, max: number): Check =>
  (p) => {
    const value = Number(p[name]);
    return Number.isInteger(value) && value >= min && value <= max
      ? undefined
      : `${name}: must be a whole number from ${min} to ${max} (got "${p[name]}")`;
  };

/** Each check returns one problem or none; they are independent, so every problem is reported. */
const CHECKS: Check[] = [
  matches('userPoolId', USER_POOL_ID, 'a user pool id such as eu-west-1_AbC123'),
  (p) =>
    p.userPoolId && !p.userPoolClientId
      ? `userPoolClientId: required with an existing pool (userPoolId=${p.userPoolId}): the authorizer accepts tokens of that app client only`
      : undefined,
  (p) =>
    !p.userPoolId && p.userPoolClientId
      ? 'userPoolClientId: given without userPoolId; the pool this stack creates has its own client (leave it empty, or set userPoolId too)'
      : undefined,
  matches('userPoolClientId', CLIENT_ID, 'an app client id (lower-case letters and digits)'),
  matches('tableName', TABLE_NAME, 'a DynamoDB table name (3-255 letters, digits, _ . -), or empty'),
  oneOf('messageDelivery', ['cognito', 'senders']),
  matches('kmsKeyArn', KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'),
  (p) =>
    p.kmsKeyArn && p.messageDelivery === 'cognito'
      ? 'kmsKeyArn: only the custom senders use a key, and messageDelivery=cognito does not wire them (set messageDelivery=senders, or drop kmsKeyArn)'
      : undefined,
  oneOf('threatProtection', ['off', 'audit', 'enforced']),
  (p) =>
    p.userPoolId && p.threatProtection && p.threatProtection !== 'off'
      ? 'threatProtection: applies to the pool this stack creates; turn it on for an existing pool in that pool (README "Deploy")'
      : undefined,
  matches('sesFromAddress', EMAIL, 'an email address'),
  (p, command) =>
    command === 'deploy' && /@example\.(com|org|net)$/i.test(p.sesFromAddress ?? '')
      ? `sesFromAddress: ${p.sesFromAddress} cannot be a verified SES identity; set the address your users get mail from`
      : undefined,
  oneOf('logLevel', LOG_LEVELS),
  (p) =>
    LOG_RETENTION_DAYS.includes(Number(p.logRetentionInDays))
      ? undefined
      : `logRetentionInDays: must be one of CloudWatch's periods ${LOG_RETENTION_DAYS.join(', ')} (got "${p.logRetentionInDays}")`,
  integerIn('authorizerCacheTtl', 0, 3600),
  oneOf('authorizerTokenUse', ['access', 'id', 'any']),
  oneOf('authorizerRevocation', ['true', 'false']),
  (p) =>
    Boolean(p.magicLinkSecretName) !== Boolean(p.magicLinkUrl)
      ? 'magicLinkSecretName, magicLinkUrl: magic links need both (or neither)'
      : undefined,
  matches('magicLinkSecretName', SECRET_NAME, 'a Secrets Manager secret name (not its value)'),
  matches('legacyAuthorizationSecretName', SECRET_NAME, 'a Secrets Manager secret name (not its value)'),
  matches('magicLinkUrl', /^https?:\/\/\S+$/, 'a URL'),
  oneOf('identityPool', ['true', 'false']),
  matches('alarmEmail', EMAIL, 'an email address, or empty'),
  matches(
    'alarmTopicArn',
    SNS_TOPIC_ARN,
    'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), or empty',
  ),
  (p) =>
    p.alarmEmail && p.alarmTopicArn
      ? 'alarmEmail: subscribes to the topic this stack creates, and alarmTopicArn replaces it; subscribe the address to that topic instead'
      : undefined,
  integerIn('alarmSurgeThreshold', 1, 100000),
  (p) =>
    p.geoDatabasePath && !/\.mmdb$/i.test(p.geoDatabasePath)
      ? `geoDatabasePath: must be a MaxMind database file (.mmdb), e.g. GeoLite2-City.mmdb (got "${p.geoDatabasePath}")`
      : undefined,
  // A secret: its value is never echoed.
  (p) =>
    p.contextSecret && !/^[A-Za-z0-9]{32,}$/.test(p.contextSecret)
      ? 'contextSecret: must be empty (the stack generates a Secrets Manager secret) or 32+ letters and digits (local runs only)'
      : undefined,
  // A plain value would sit in the template in the deployment bucket and in the Lambda configuration.
  (p, command) =>
    command === 'deploy' && p.contextSecret
      ? 'contextSecret: a deploy takes no secret value; leave it empty (the stack generates a Secrets Manager secret)'
      : undefined,
];

/**
 * Every problem with the parameters, one line each ("name: what is wrong"); empty when they are
 * fine. `known` are the parameter names serverless.yml declares (its `params.default`).
 */
export function parameterProblems(p: Parameters, known: string[], command: DeployCommand): string[] {
  const unknown = Object.keys(p)
    .filter((name) => !known.includes(name))
    .map((name) => `${name}: not a parameter of this service (known: ${known.join(', ')})`);
  const problems = CHECKS.map((check) => check(p, command)).filter(
    (line): line is string => line !== undefined,
  );
  return [...unknown, ...problems];
}

/** The message that stops a package or deploy: a heading, then one line per problem. */
export function formatProblems(stage: string, problems: string[]): string {
  return [
    `Deploy parameters for stage "${stage}" have ${problems.length} problem(s):`,
    ...problems.map((line) => `  - ${line}`),
    'Set them under params.<stage> in serverless.yml or with --param="name=value" (README "Deploy").',
  ].join('\n');
}

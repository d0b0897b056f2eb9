/**
 * Which AWS actions a function's bundle can send: the least-privilege test compares them with the
 * function's role in the packaged template.
 *
 * The function is bundled as serverless.yml bundles it (esbuild, tree-shaken) but not minified, so
 * that esbuild marks where each module's surviving code starts (`// shared/...`). Only the
 * project's own modules are read (the SDK's code defines every command, our code chooses which it
 * sends), and within them only code that survived tree shaking, so a helper the function never
 * reaches does not count. Each `new <X>Command(` is mapped to its service by the import it came
 * from in that module's source; the KMS keyring, the SDK's paginators and the Powertools parameter
 * providers, which send their commands inside a library, are recognised by the import too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** IAM prefix of each SDK package whose commands the project constructs itself. */
const SERVICE_OF_PACKAGE: Record<string, string> = {
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-sesv2': 'ses',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-cognito-identity-provider': 'cognito-idp',
  '@aws-sdk/client-kms': 'kms',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-sqs': 'sqs',
};

/** The document client's command names differ from the DynamoDB actions they send. */
const DOCUMENT_CLIENT_ACTIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** Libraries that send AWS requests themselves: the identifier used, and the action it sends. */
const LIBRARY_CALLS: { module: string; identifier: string; action: string }[] = [
  // The keyring decrypts the data key Cognito wrapped: kms:Decrypt, nothing else.
  { module: '@aws-crypto/kms-keyring-node', identifier: 'KmsKeyringNode', action: 'kms:Decrypt' },
  // The SDK's paginators send their command page after page.
  { module: '@aws-sdk/lib-dynamodb', identifier: 'paginateQuery', action: 'dynamodb:Query' },
  { module: '@aws-sdk/lib-dynamodb', identifier: 'paginateScan', action: 'dynamodb:Scan' },
  { module: '@aws-lambda-powertools/parameters/ssm', identifier: 'getParameter', action: 'ssm:GetParameter' },
  {
    module: '@aws-lambda-powertools/parameters/secrets',
    identifier: 'SecretsProvider',
    action: 'secretsmanager:GetSecretValue',
  },
];

/** Commands used only by local tooling (creating the emulator's table), never by a deployed function. */
const LOCAL_ONLY = new Set(['dynamodb:CreateTable']);

/**
 * Cognito operations authorized by the user's own access token: "Amazon Cognito doesn't evaluate
 * IAM policies in requests for this API operation ... you can't grant IAM permissions in
 * policies" (API reference, e.g. GlobalSignOut). No role needs them.
 */
const TOKEN_AUTHORIZED = new Set(['cognito-idp:GlobalSignOut']);

/** The project's modules in an unminified bundle, each with the code of it that survived. */
export function projectSections(bundle: string): Map<string, string> {
  const sections = new Map<string, string>();
  const marker = /^\/\/ ((?:shared|functions)\/[^\s]+\.ts)$|^\/\/ ([^\s]+)$/gm;
  const starts: { file: string | undefined; at: number }[] = [];
  for (const match of bundle.matchAll(marker)) {
    starts.push({ file: match[1], at: match.index + match[0].length });
  }
  starts.forEach((start, i) => {
    if (!start.file) return;
    const end = starts[i + 1]?.at ?? bundle.length;
    sections.set(start.file, (sections.get(start.file) ?? '') + bundle.slice(start.at, end));
  });
  return sections;
}

/** `import { A, B as C } from 'pkg'` in a source file: local name -> [package, imported name]. */
function importsOf(source: string): Map<string, { from: string; name: string }> {
  const imports = new Map<string, { from: string; name: string }>();
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    for (const part of match[1]!.split(',')) {
      const [name, alias] = part
        .replace(/\btype\s+/, '')
        .trim()
        .split(/\s+as\s+/);
      if (name) imports.set((alias ?? name).trim(), { from: match[2]!, name: name.trim() });
    }
  }
  return imports;
}

function actionOf(pkg: string, command: string): string | undefined {
  const service = SERVICE_OF_PACKAGE[pkg];
  if (!service) return undefined;
  const operation = command.replace(/Command$/, '');
  if (pkg === '@aws-sdk/lib-dynamodb') return `dynamodb:${DOCUMENT_CLIENT_ACTIONS[operation] ?? operation}`;
  return `${service}:${operation}`;
}

/** The AWS actions the code of one section can send. */
function actionsOfSection(repoRoot: string, file: string, code: string): string[] {
  const imports = importsOf(readFileSync(join(repoRoot, file), 'utf8'));
  const actions: string[] = [];
  for (const match of code.matchAll(/new (\w+?Command)\d*\(/g)) {
    const imported = imports.get(match[1]!);
    const action = imported ? actionOf(imported.from, imported.name) : undefined;
    if (action) actions.push(action);
  }
  for (const call of LIBRARY_CALLS) {
    const local = [...imports].find(([, i]) => i.from === call.module && i.name === call.identifier)?.[0];
    if (local && new RegExp(`\\b${local}\\d*\\b`).test(code)) actions.push(call.action);
  }
  return actions;
}

/** Every AWS action the bundle of `entry` (a function's file, e.g. `functions/pre-sign-up.ts`) can send, sorted. */
export async function awsActionsOf(repoRoot: string, entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(repoRoot, entry)],
    absWorkingDir: repoRoot,
    bundle: true,
    write: false,
    minify: false,
    target: 'node22',
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  const bundle = result.outputFiles[0]!.text;
  const actions = new Set<string>();
  for (const [file, code] of projectSections(bundle)) {
    for (const action of actionsOfSection(repoRoot, file, code)) {
      if (!LOCAL_ONLY.has(action) && !TOKEN_AUTHORIZED.has(action)) actions.add(action);
    }
  }
  return [...actions].sort();
}

/** The action Lambda itself sends, with the function's role, to deliver to each kind of destination. */
const DESTINATION_ACTIONS: Record<string, string> = {
  'AWS::SQS::Queue': 'sqs:SendMessage',
  'AWS::SNS::Topic': 'sns:Publish',
  'AWS::Lambda::Function': 'lambda:InvokeFunction',
  'AWS::Events::EventBus': 'events:PutEvents',
};

interface TemplateResources {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/**
 * The AWS actions Lambda sends on a function's behalf, with its role, from the packaged template:
 * an asynchronous invocation's on-success / on-failure destinations (AWS::Lambda::EventInvokeConfig).
 * Together with `awsActionsOf` this is everything the role needs.
 */
export function lambdaSentActions(template: TemplateResources, functionLogicalId: string): string[] {
  const actions = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const props = resource.Properties ?? {};
    if ((props.FunctionName as { Ref?: string } | undefined)?.Ref !== functionLogicalId) continue;
    const destinations = (props.DestinationConfig ?? {}) as Record<string, { Destination?: unknown }>;
    for (const { Destination } of Object.values(destinations)) {
      const target = Destination as { 'Fn::GetAtt'?: [string, string] } | undefined;
      const type = target?.['Fn::GetAtt'] ? template.Resources[target['Fn::GetAtt'][0]]?.Type : undefined;
      const action = type ? DESTINATION_ACTIONS[type] : undefined;
      if (!action)
        throw new Error(
          `${functionLogicalId}: cannot tell what its destination ${JSON.stringify(Destination)} needs`,
        );
      actions.add(action);
    }
  }
  return [...actions].sort();
}

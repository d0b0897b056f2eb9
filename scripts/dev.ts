/**
 * npm run dev: the demo's local stack (cognito-local, serverless-offline, dynalite, the SES
 * emulator), left running until Ctrl-C, with the endpoints and how to point clients at them.
 * serverless-offline rebuilds a function when its source changes. Ports are free ones unless given:
 * `npm run dev -- --cognito-port 9229 --http-port 3000 --lambda-port 3002`.
 */
import { CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createLocalOperator, LOCAL_OPERATOR } from './local/console-operator.js';
import { exitOnSignals, stopAllManaged, watchAncestors } from './local/processes.js';
import { fetchSignInContext } from './local/sign-in-context.js';
import { type GatehouseStack, startGatehouseStack, stopAllStacks } from './local/stack.js';
import { MEMBERS_GROUP, storyConfig, storyEnv, storyParams } from './local/story.js';
import { describeInvocation, describeLog } from './local/story-kit.js';

async function main(): Promise<void> {
  let stack: GatehouseStack | undefined;
  // Whatever ends the session stops everything: a signal to this process, to npm or tsx above it
  // (they die without passing SIGTERM or SIGHUP on), or the death of a process of the stack.
  const shutdown = exitOnSignals(async () => {
    await stopAllStacks();
    await stopAllManaged();
  });
  watchAncestors((pid) => shutdown(`process ${pid} (npm run dev) is gone`, 143));
  console.log('Starting the Gatehouse local stack on 127.0.0.1...');
  stack = await startGatehouseStack({
    config: storyConfig,
    env: storyEnv,
    params: storyParams,
    ports: portsFromArguments(process.argv.slice(2)),
    progress: (l) => console.log(`  ${l}`),
  });
  await stack.cognito.client.send(
    new CreateGroupCommand({ UserPoolId: stack.cognito.userPoolId, GroupName: MEMBERS_GROUP }),
  );
  await createLocalOperator(stack.cognito);
  for (const child of [stack.cognito.process, stack.offline.process]) {
    void child.exited.then((code) => shutdown(`${child.name} exited (code ${code})`, 1));
  }
  console.log(instructions(stack));
  console.log(await contextProbe(stack));
  // Show each trigger as it runs, each authorizer decision, and each code cognito-local "sends".
  let seen = 0;
  let codes = 0;
  let logs = 0;
  setInterval(() => {
    const invocations = stack?.tap.invocations() ?? [];
    for (const invocation of invocations.slice(seen)) console.log(describeInvocation(invocation));
    seen = invocations.length;
    const functionLogs = stack?.functionLogs() ?? [];
    for (const log of functionLogs.slice(logs)) {
      const line = describeLog(log);
      if (line && log.function === 'authorizer') console.log(`🔒 ${line}`);
      if (line && log.function === 'onboarding-sweeper') console.log(`📬 ${line}`);
    }
    logs = functionLogs.length;
    const deliveries = stack?.cognito.deliveredCodes() ?? [];
    for (const delivery of deliveries.slice(codes))
      console.log(`✉ code ${delivery.code} for ${delivery.destination}`);
    codes = deliveries.length;
  }, 250);
}

/** `--cognito-port 9229 --http-port 3000 --lambda-port 3002`: fixed ports for a browser app's config. */
function portsFromArguments(args: string[]) {
  const ports: { cognito?: number; http?: number; lambda?: number } = {};
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]?.match(/^--(cognito|http|lambda)-port$/)?.[1] as keyof typeof ports | undefined;
    const port = Number(args[i + 1]);
    if (!name || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(
        `usage: npm run dev -- [--cognito-port N] [--http-port N] [--lambda-port N] (got "${args[i]}")`,
      );
    }
    ports[name] = port;
  }
  return ports;
}

/** The context endpoint, asked once: the app's first call before any sign-in. */
async function contextProbe({ offline, cognito }: GatehouseStack): Promise<string> {
  const context = await fetchSignInContext(
    offline.httpEndpoint,
    { username: 'ann@example.org', clientId: cognito.clientId, deviceId: 'my-laptop' },
    'Mozilla/5.0 (gatehouse dev)',
  );
  return `POST /sign-in-context answered a signed context: ip ${context.ip}, nonce ${context.nonce}, signature ${context.signature?.slice(0, 12)}…\n`;
}

function instructions(stack: GatehouseStack): string {
  const { cognito, offline, dynamo, ses } = stack;
  return `
Ready in ${(stack.startupMs / 1000).toFixed(1)} s. Ctrl-C (or SIGTERM, SIGHUP to npm or any of its processes) stops everything.

  Cognito (cognito-local)  ${cognito.endpoint}
    user pool              ${cognito.userPoolId}
    app client             ${cognito.clientId}   (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH)
    issuer / JWKS          ${cognito.issuer}
                           ${cognito.jwksUri}
  HTTP API                 ${offline.httpEndpoint}/items   (authorizer: group "${MEMBERS_GROUP}")
  Operator console         ${offline.httpEndpoint}/console   (${LOCAL_OPERATOR.email} / ${LOCAL_OPERATOR.password})
  Sign-in context          POST ${offline.httpEndpoint}/sign-in-context   (no authorizer; signatures are required)
  Lambda invoke endpoint   ${offline.lambdaEndpoint}   (functions: ${offline.lambdaName('<name>')})
  Onboarding sweeper       every minute, as deployed: a group or welcome mail post confirmation left arrives then
  DynamoDB (dynalite)      ${dynamo.endpoint}   (table ${dynamo.tableName})
  SES (emulator)           ${ses.endpoint}   (mails: ${ses.endpoint}/store, web view: ${ses.endpoint}/)

AWS SDK for JavaScript v3: any credentials work locally.
  new CognitoIdentityProviderClient({ endpoint: '${cognito.endpoint}', region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
  (likewise DynamoDBClient with '${dynamo.endpoint}', SESv2Client with '${ses.endpoint}',
   LambdaClient with '${offline.lambdaEndpoint}')

AWS CLI (v1 or v2), in a bash or zsh shell:
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
  curl -X POST ${offline.httpEndpoint}/sign-in-context -H 'content-type: application/json' \\
    -d '{"username":"ann@example.org","clientId":"${cognito.clientId}","deviceId":"my-laptop"}'
  # a signed context: pass its clientMetadata as --client-metadata to sign-up, initiate-auth, respond-to-auth-challenge
  aws cognito-idp sign-up --endpoint-url ${cognito.endpoint} --client-id ${cognito.clientId} \\
    --username ann@example.org --password 'Correct-Horse-Battery-9' --user-attributes Name=email,Value=ann@example.org
  # the confirmation code is printed below ("✉ code 123456 for ann@example.org"): put it in CODE
  CODE=<the code>
  aws cognito-idp confirm-sign-up --endpoint-url ${cognito.endpoint} --client-id ${cognito.clientId} \\
    --username ann@example.org --confirmation-code "$CODE"
  TOKEN=$(aws cognito-idp initiate-auth --endpoint-url ${cognito.endpoint} --client-id ${cognito.clientId} \\
    --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME=ann@example.org,PASSWORD='Correct-Horse-Battery-9' \\
    --query AuthenticationResult.AccessToken --output text)
  curl -i -H "Authorization: Bearer $TOKEN" ${offline.httpEndpoint}/items
  aws dynamodb scan --endpoint-url ${dynamo.endpoint} --table-name ${dynamo.tableName}

Browser app (Amplify v6 or amazon-cognito-identity-js):
  Amplify.configure({ Auth: { Cognito: { userPoolId: '${cognito.userPoolId}',
    userPoolClientId: '${cognito.clientId}', userPoolEndpoint: '${cognito.endpoint}' } } })
  Use the USER_PASSWORD_AUTH flow (cognito-local has no SRP); call ${offline.httpEndpoint}/items
  with the access token in the Authorization header (from another origin, the HTTP API needs
  \`provider.httpApi.cors\` in serverless.yml). Confirmation codes are printed below.

Triggers (⚡), authorizer decisions (🔒), codes (✉) and what the onboarding sweeper completed (📬) as they happen:`;
}

main().catch(async (error: unknown) => {
  console.error(`dev stack failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAllManaged();
  process.exit(1);
});

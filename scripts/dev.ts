/**
 * npm run dev: the demo's local stack (cognito-local, serverless-offline, dynalite, the SES
 * emulator), left running until Ctrl-C, with the endpoints and how to point clients at them.
 * serverless-offline rebuilds a function when its source changes.
 */
import { CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { exitOnSignals, stopAllManaged } from './local/processes.js';
import { type GatehouseStack, startGatehouseStack } from './local/stack.js';
import { MEMBERS_GROUP, storyConfig, storyEnv } from './local/story.js';
import { describeInvocation } from './local/story-kit.js';

async function main(): Promise<void> {
  let stack: GatehouseStack | undefined;
  exitOnSignals(async () => {
    await stack?.stop();
    await stopAllManaged();
  });
  console.log('Starting the Gatehouse local stack on 127.0.0.1...');
  stack = await startGatehouseStack({
    config: storyConfig,
    env: storyEnv,
    progress: (l) => console.log(`  ${l}`),
  });
  await stack.cognito.client.send(
    new CreateGroupCommand({ UserPoolId: stack.cognito.userPoolId, GroupName: MEMBERS_GROUP }),
  );
  console.log(instructions(stack));
  // Show each trigger as it runs, and each code cognito-local "sends".
  let seen = 0;
  let codes = 0;
  setInterval(() => {
    const invocations = stack?.tap.invocations() ?? [];
    for (const invocation of invocations.slice(seen)) console.log(describeInvocation(invocation));
    seen = invocations.length;
    const deliveries = stack?.cognito.deliveredCodes() ?? [];
    for (const delivery of deliveries.slice(codes))
      console.log(`✉ code ${delivery.code} for ${delivery.destination}`);
    codes = deliveries.length;
  }, 250);
}

function instructions(stack: GatehouseStack): string {
  const { cognito, offline, dynamo, ses } = stack;
  return `
Ready in ${(stack.startupMs / 1000).toFixed(1)} s. Ctrl-C stops everything.

  Cognito (cognito-local)  ${cognito.endpoint}
    user pool              ${cognito.userPoolId}
    app client             ${cognito.clientId}   (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH)
    issuer / JWKS          ${cognito.issuer}
                           ${cognito.jwksUri}
  HTTP API                 ${offline.httpEndpoint}/items   (authorizer: group "${MEMBERS_GROUP}")
  Lambda invoke endpoint   ${offline.lambdaEndpoint}   (functions: ${offline.lambdaName('<name>')})
  DynamoDB (dynalite)      ${dynamo.endpoint}   (table ${dynamo.tableName})
  SES (emulator)           ${ses.endpoint}   (mails: ${ses.endpoint}/store, web view: ${ses.endpoint}/)

AWS SDK for JavaScript v3: any credentials work locally.
  new CognitoIdentityProviderClient({ endpoint: '${cognito.endpoint}', region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
  (likewise DynamoDBClient with '${dynamo.endpoint}', SESv2Client with '${ses.endpoint}',
   LambdaClient with '${offline.lambdaEndpoint}')

AWS CLI:
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
  aws cognito-idp sign-up --endpoint-url ${cognito.endpoint} --client-id ${cognito.clientId} \\
    --username ann@example.org --password 'Correct-Horse-Battery-9'
  aws cognito-idp initiate-auth --endpoint-url ${cognito.endpoint} --client-id ${cognito.clientId} \\
    --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME=ann@example.org,PASSWORD='Correct-Horse-Battery-9'
  aws dynamodb scan --endpoint-url ${dynamo.endpoint} --table-name ${dynamo.tableName}
  curl -H "Authorization: Bearer <access token>" ${offline.httpEndpoint}/items

Browser app (Amplify v6 or amazon-cognito-identity-js):
  Amplify.configure({ Auth: { Cognito: { userPoolId: '${cognito.userPoolId}',
    userPoolClientId: '${cognito.clientId}', userPoolEndpoint: '${cognito.endpoint}' } } })
  Use the USER_PASSWORD_AUTH flow (cognito-local has no SRP); call ${offline.httpEndpoint}/items
  with the access token in the Authorization header (from another origin, the HTTP API needs
  \`provider.httpApi.cors\` in serverless.yml). Confirmation codes are printed below.

Triggers as they run:`;
}

main().catch(async (error: unknown) => {
  console.error(`dev stack failed: ${error instanceof Error ? error.message : String(error)}`);
  await stopAllManaged();
  process.exit(1);
});

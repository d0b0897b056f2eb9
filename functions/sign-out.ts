import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { withInvocationDeadline } from '../shared/aws/deadline.js';
import { runtimeSettings } from '../shared/config/runtime.js';
import { logContext } from '../shared/middleware/index.js';
import { type SignOutEvent, signOut, signOutDependencies } from '../shared/sign-out/index.js';

/**
 * `POST /sign-out` (HTTP API, behind the authorizer): records the caller's sign-out for the
 * authorizer, then Cognito's GlobalSignOut with the caller's access token
 * (shared/sign-out/index.ts).
 */
runtimeSettings();
const dependencies = signOutDependencies();

export const handler = middy<SignOutEvent, APIGatewayProxyResultV2>()
  .use(logContext('sign-out') as middy.MiddlewareObj<SignOutEvent, APIGatewayProxyResultV2>)
  // Every call (the table, Cognito) ends before the invocation's deadline (shared/aws).
  .handler((event, context) => withInvocationDeadline(context, () => signOut(event, dependencies)));

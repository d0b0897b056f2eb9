import type { Context } from 'aws-lambda';

/** A Lambda handler as Gatehouse's entries export it (middy-wrapped, promise-returning). */
export type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Every function Gatehouse deploys, by the name of its file in `functions/` or `demo/` (also the
 * folder of its sample events). Loaded lazily, so a run imports only the function it invokes.
 */
export const functionLoaders: Record<string, () => Promise<{ handler: LocalHandler }>> = {
  'pre-sign-up': () => import('../../functions/pre-sign-up.js'),
  'post-confirmation': () => import('../../functions/post-confirmation.js'),
  'migrate-user': () => import('../../functions/migrate-user.js'),
  'pre-token-generation': () => import('../../functions/pre-token-generation.js'),
  'custom-message': () => import('../../functions/custom-message.js'),
  'pre-authentication': () => import('../../functions/pre-authentication.js'),
  'post-authentication': () => import('../../functions/post-authentication.js'),
  'define-auth-challenge': () => import('../../functions/define-auth-challenge.js'),
  'create-auth-challenge': () => import('../../functions/create-auth-challenge.js'),
  'verify-auth-challenge': () => import('../../functions/verify-auth-challenge.js'),
  'custom-email-sender': () => import('../../functions/custom-email-sender.js'),
  'custom-sms-sender': () => import('../../functions/custom-sms-sender.js'),
  'inbound-federation': () => import('../../functions/inbound-federation.js'),
  authorizer: () => import('../../functions/authorizer.js'),
  'risk-feedback': () => import('../../functions/risk-feedback.js'),
  'onboarding-sweeper': () => import('../../functions/onboarding-sweeper.js'),
  console: () => import('../../functions/console.js'),
  // Behind an Application Load Balancer, not Cognito: served its sample key locally first.
  'alb-sample': () => import('./alb-sample.js').then((sample) => sample.loadLocalAlbSample()),
};

export const functionNames = Object.keys(functionLoaders);

/** A Lambda-like context: request id, remaining time from a 5-second budget (Cognito's). */
export function localContext(functionName = 'local', timeoutMs = 5000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: `gatehouse-local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:gatehouse-local-${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/gatehouse-local-${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

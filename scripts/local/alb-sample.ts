import { startAlbKeyServer } from './alb-signer.js';
import type { LocalHandler } from './registry.js';

/**
 * What the sample events in `events/alb-sample/` were signed for: the load balancer, app client
 * and issuer, and the public half of the local ES256 key that signed them (its private half was
 * thrown away once they were signed; the allowed sample expires in 2100).
 */
export const ALB_SAMPLE = {
  albArn:
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/gatehouse-sample/50dc6c495c0c9188',
  clientId: '3example0clientid0000000000',
  issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE1',
  kid: '8c1a0f63-3b2e-4d6a-9f0e-5c7b2a1d4e90',
  publicPem:
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEHy6pFOxE6b/+PoaUebAo0Wb8f3uV\n3i4lWMUtS2dBEOyioz1JpURb2QXccKDE7ja9wgIyC6v2tOuubOhBW/yxCQ==\n-----END PUBLIC KEY-----\n',
} as const;

/**
 * Loads the sample ALB function for a local run: serves the sample key on a random port, as the
 * ALB's key endpoint would, and points the ALB_* settings at the sample's load balancer (each
 * only when not already set), then imports the function.
 */
export async function loadLocalAlbSample(): Promise<{ handler: LocalHandler }> {
  const keys = await startAlbKeyServer([{ kid: ALB_SAMPLE.kid, publicPem: ALB_SAMPLE.publicPem }]);
  process.env.ALB_ARN ||= ALB_SAMPLE.albArn;
  process.env.ALB_CLIENT_ID ||= ALB_SAMPLE.clientId;
  process.env.ALB_ISSUER ||= ALB_SAMPLE.issuer;
  process.env.ALB_PUBLIC_KEYS_URL ||= keys.url;
  const { handler } = await import('../../demo/alb-sample.js');
  // Its context type carries the principal the middleware adds; Lambda passes a plain context.
  return { handler: handler as unknown as LocalHandler };
}

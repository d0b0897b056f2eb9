import * as v from 'valibot';
import { loadSettings, type Settings, setting } from '../config/settings.js';

const commaList = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
const list = v.union([v.array(v.string()), v.pipe(v.string(), v.transform(commaList))]);

/** What the ALB verifier of a user's own function behind a load balancer reads, at cold start. */
export const albSettingSpecs = {
  albArns: setting({
    env: 'ALB_ARN',
    file: 'alb.arns',
    schema: list,
    default: [],
    doc: 'ARN of the load balancer that signs `x-amzn-oidc-data` (comma-separated for several); the signer in the token header must be one of them. Required by the ALB verifier.',
  }),
  clientIds: setting({
    env: 'ALB_CLIENT_ID',
    file: 'alb.clientIds',
    schema: list,
    default: [],
    doc: 'App client id(s) the load balancer authenticates with (the `client` of the token header). Required by the ALB verifier.',
  }),
  issuer: setting({
    env: 'ALB_ISSUER',
    file: 'alb.issuer',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: 'Expected `iss`: the user pool issuer, `https://cognito-idp.<region>.amazonaws.com/<poolId>`. Required by the ALB verifier.',
  }),
  publicKeysUrl: setting({
    env: 'ALB_PUBLIC_KEYS_URL',
    schema: v.optional(v.pipe(v.string(), v.url())),
    default: undefined,
    doc: "Where the load balancer's public keys are served per kid; unset = `https://public-keys.auth.elb.<region of ALB_ARN>.amazonaws.com`. Set only for a local stand-in.",
  }),
  verifyAccessToken: setting({
    env: 'ALB_VERIFY_ACCESS_TOKEN',
    file: 'alb.verifyAccessToken',
    schema: v.boolean(),
    default: false,
    doc: 'Also verify `x-amzn-oidc-accesstoken` against the user pool of ALB_ISSUER (signature, `token_use`, client, same `sub`).',
  }),
  graceSeconds: setting({
    env: 'ALB_GRACE_SECONDS',
    schema: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(300)),
    default: 5,
    doc: 'Clock-skew grace for the ALB token and access token `exp`, in seconds.',
  }),
};

export type AlbSettings = Settings<typeof albSettingSpecs>;

/** Reads the ALB verifier's settings (environment, then `config/gatehouse.json`, then defaults). */
export function loadAlbSettings(sources?: Parameters<typeof loadSettings>[1]): AlbSettings {
  return loadSettings(albSettingSpecs, sources);
}

import * as v from 'valibot';
import { loadSettings, type Settings, setting } from '../config/settings.js';
import { asciiDomainPattern } from './ascii-domain.js';

/** Domains or `*.` wildcards, each turned into its ASCII (punycode) form at load. */
const domainList = v.array(
  v.pipe(
    v.string(),
    v.transform((entry) => asciiDomainPattern(entry) ?? ''),
    v.minLength(1, 'must be a domain name such as `example.com` or `*.example.com`'),
  ),
);
const flag = v.pipe(
  v.union([v.boolean(), v.picklist(['true', 'false'])]),
  v.transform((value) => value === true || value === 'true'),
);
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Pre sign-up policies. Lists live in `config/gatehouse.json` under `signUp`. */
export const signUpSettingSpecs = {
  allowedDomains: setting({
    file: 'signUp.allowedDomains',
    schema: domainList,
    default: [],
    doc: 'Email domains that may sign up (`*.example.com` matches its subdomains; Unicode entries match their punycode form); empty allows every domain.',
  }),
  allowWithoutEmail: setting({
    env: 'SIGNUP_ALLOW_WITHOUT_EMAIL',
    schema: flag,
    default: false,
    doc: 'With a non-empty `signUp.allowedDomains`, still accept a sign-up that has no email (e.g. phone-only users); off, it is refused.',
  }),
  deniedDomains: setting({
    file: 'signUp.deniedDomains',
    schema: domainList,
    default: [],
    doc: 'Email domains refused even when allowed (wildcards as above).',
  }),
  blockDisposable: setting({
    env: 'SIGNUP_BLOCK_DISPOSABLE',
    schema: flag,
    default: true,
    doc: 'Refuse addresses of disposable-mail providers (list of the disposable-email-domains-js package).',
  }),
  trustedDomains: setting({
    file: 'signUp.trustedDomains',
    schema: domainList,
    default: [],
    doc: 'Domains that skip the allow-list and the disposable check (never the deny-list); their addresses are verified by code like any other.',
  }),
  autoConfirmFederated: setting({
    env: 'SIGNUP_AUTO_CONFIRM_FEDERATED',
    schema: flag,
    default: true,
    doc: 'Auto-confirm federated users, and auto-verify the email/phone their provider says it verified.',
  }),
  inviteOnly: setting({
    env: 'SIGNUP_INVITE_ONLY',
    schema: flag,
    default: false,
    doc: 'Self sign-up (PreSignUp_SignUp) needs an unused, unexpired invite code (`inviteCode` in validationData or clientMetadata).',
  }),
  inviteMinEntropyBits: setting({
    env: 'SIGNUP_INVITE_MIN_ENTROPY_BITS',
    schema: v.pipe(count, v.minValue(32), v.maxValue(256)),
    default: 64,
    doc: '`createInvite` refuses a code whose estimated entropy (length × log2 of its character classes) is below this.',
  }),
  maxInviteAttemptsPerIp: setting({
    env: 'SIGNUP_INVITE_MAX_ATTEMPTS_PER_IP',
    schema: count,
    default: 10,
    doc: 'Sign-ups with an invite code allowed per source IP (IPv6 per /64) per velocity window; 0 turns the limit off.',
  }),
  maxInviteAttemptsPerAddress: setting({
    env: 'SIGNUP_INVITE_MAX_ATTEMPTS_PER_ADDRESS',
    schema: count,
    default: 5,
    doc: 'Sign-ups with an invite code allowed per email address (or username without one) per velocity window; 0 turns the limit off.',
  }),
  maxInviteAttempts: setting({
    env: 'SIGNUP_INVITE_MAX_ATTEMPTS',
    schema: count,
    default: 500,
    doc: 'Sign-ups with an invite code allowed in all per velocity window, whatever their IP and address; 0 turns the limit off.',
  }),
  checkLegacyUsers: setting({
    env: 'SIGNUP_CHECK_LEGACY_USERS',
    schema: flag,
    default: true,
    doc: 'Refuse a self sign-up whose email or username belongs to a legacy user not migrated yet (see Migrate user); off for pools without migration.',
  }),
  requiredAttributes: setting({
    file: 'signUp.requiredAttributes',
    schema: v.array(v.pipe(v.string(), v.minLength(1))),
    default: ['email'],
    doc: 'Attributes every sign-up must carry, non-empty.',
  }),
  maxAttributeLength: setting({
    env: 'SIGNUP_MAX_ATTRIBUTE_LENGTH',
    schema: v.pipe(count, v.minValue(1), v.maxValue(2048)),
    default: 256,
    doc: 'Longest value any attribute may have (characters); per-attribute limits override it.',
  }),
  attributeMaxLengths: setting({
    file: 'signUp.attributeMaxLengths',
    schema: v.record(v.string(), v.pipe(count, v.minValue(1), v.maxValue(2048))),
    default: {},
    doc: 'Per-attribute length limits, e.g. `{"given_name": 64}`.',
  }),
  allowedCustomAttributes: setting({
    file: 'signUp.allowedCustomAttributes',
    schema: v.array(v.pipe(v.string(), v.startsWith('custom:'))),
    default: [],
    doc: 'The `custom:` attributes a self sign-up may set; any other is refused.',
  }),
  maxSignUpsPerIp: setting({
    env: 'SIGNUP_MAX_PER_IP',
    schema: count,
    default: 10,
    doc: 'Self sign-ups allowed per source IP (IPv6 per /64) per window; 0 turns the limit off.',
  }),
  maxSignUpsPerDomain: setting({
    env: 'SIGNUP_MAX_PER_DOMAIN',
    schema: count,
    default: 50,
    doc: 'Self sign-ups allowed per registrable email domain (all subdomains together) per window; 0 turns the limit off.',
  }),
  velocityExemptDomains: setting({
    file: 'signUp.velocityExemptDomains',
    schema: domainList,
    default: ['gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'icloud.com'],
    doc: 'Domains without a per-domain limit (large public providers), matched against the full address domain.',
  }),
  velocityWindowSeconds: setting({
    env: 'SIGNUP_VELOCITY_WINDOW_SECONDS',
    schema: v.pipe(count, v.minValue(60)),
    default: 3600,
    doc: 'Length of the fixed window of the sign-up velocity counters, in seconds.',
  }),
  linkFederatedUsers: setting({
    env: 'SIGNUP_LINK_FEDERATED_USERS',
    schema: flag,
    default: false,
    doc: 'Link a federated identity to the native user with the same verified email (AdminLinkProviderForUser).',
  }),
  linkTrustedProviders: setting({
    file: 'signUp.linkTrustedProviders',
    schema: v.array(v.pipe(v.string(), v.minLength(1))),
    default: [],
    doc: 'Providers (e.g. a SAML IdP) whose email is trusted as verified although they send no `email_verified`.',
  }),
};

export type SignUpSettings = Settings<typeof signUpSettingSpecs>;

let cached: SignUpSettings | undefined;

/** Pre sign-up settings, read once per container. */
export function signUpSettings(): SignUpSettings {
  cached ??= loadSettings(signUpSettingSpecs);
  return cached;
}

import type { StringMap } from '../events/common.js';

/**
 * What a message knows about its recipient from a trigger's request. The locale an app passes
 * in `clientMetadata.locale` wins (it is the language the user is looking at now), then the
 * user's `locale` attribute; the renderer falls back from there.
 */
export function recipientLocale(request: { userAttributes: StringMap; clientMetadata?: StringMap | null }) {
  return request.clientMetadata?.locale || request.userAttributes.locale || undefined;
}

/** The name a greeting uses: given name, else full name, else none ("Hello,"). */
export function recipientName(userAttributes: StringMap): string | undefined {
  return userAttributes.given_name || userAttributes.name || undefined;
}

/** `<base>?username=<user>&code=<code>`; the code is a Cognito placeholder or a digit string, left as is. */
export function codeLink(base: string | undefined, userName: string, code: string): string | undefined {
  if (!base) return undefined;
  const url = new URL(base);
  url.searchParams.set('username', userName);
  // Not URL-encoded: Cognito must still find its placeholder (`{####}`) in the message text.
  return `${url.toString()}&code=${code}`;
}

import {
  AdminListGroupsForUserCommand,
  AdminUserGlobalSignOutCommand,
  type CognitoIdentityProviderClient,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { cognitoClient } from '../aws/cognito.js';
import { ConsoleError } from './errors.js';
import { consoleSettings } from './settings.js';

/** The Cognito calls the console makes; tests stand in for AdminUserGlobalSignOut, which no emulator has. */
export type CognitoCalls = Pick<CognitoIdentityProviderClient, 'send'>;

/** A user of the pool as the console lists it. */
export interface PoolUser {
  sub: string;
  username: string;
  email?: string;
  status?: string;
  enabled: boolean;
  createdAt?: number;
}

const SEARCH_LIMIT = 20;

/** The pool the console acts on; a deployment without one cannot serve the API. */
export function consolePoolId(): string {
  const { userPoolId } = consoleSettings();
  if (!userPoolId) throw new ConsoleError(500, 'CONSOLE_NOT_CONFIGURED', 'CONSOLE_USER_POOL_ID is not set.');
  return userPoolId;
}

/** A search text: what a ListUsers filter can hold between its double quotes. */
export const SEARCH_PATTERN = /^[^"\\\p{Cc}]{1,128}$/u;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Users whose username or email starts with `text`, or whose sub is `text` (ListUsers takes one
 * filter per call: the calls run in parallel). At most 20 of each, merged by sub.
 */
export async function searchUsers(
  text: string,
  cognito: CognitoCalls = cognitoClient(),
): Promise<PoolUser[]> {
  const filters = [`username ^= "${text}"`, `email ^= "${text.toLowerCase()}"`];
  if (UUID.test(text)) filters.push(`sub = "${text.toLowerCase()}"`);
  const pages = await Promise.all(filters.map((filter) => listUsers(filter, cognito)));
  const bySub = new Map<string, PoolUser>();
  for (const user of pages.flat()) bySub.set(user.sub, user);
  return [...bySub.values()].sort((a, b) => a.username.localeCompare(b.username));
}

/** The user with this sub, or a 404. */
export async function userBySub(sub: string, cognito: CognitoCalls = cognitoClient()): Promise<PoolUser> {
  const [user] = await listUsers(`sub = "${sub}"`, cognito);
  if (!user) throw new ConsoleError(404, 'CONSOLE_USER_NOT_FOUND', 'No user with this sub in the pool.');
  return user;
}

/** The user's Cognito groups (first 60). */
export async function groupsOf(username: string, cognito: CognitoCalls = cognitoClient()): Promise<string[]> {
  const result = await cognito.send(
    new AdminListGroupsForUserCommand({ UserPoolId: consolePoolId(), Username: username, Limit: 60 }),
  );
  return (result.Groups ?? []).flatMap((group) => (group.GroupName ? [group.GroupName] : []));
}

/** Cognito's own sign-out everywhere: every refresh token of the user stops working. */
export async function globalSignOut(
  username: string,
  cognito: CognitoCalls = cognitoClient(),
): Promise<void> {
  await cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId: consolePoolId(), Username: username }));
}

async function listUsers(filter: string, cognito: CognitoCalls): Promise<PoolUser[]> {
  const result = await cognito.send(
    new ListUsersCommand({ UserPoolId: consolePoolId(), Filter: filter, Limit: SEARCH_LIMIT }),
  );
  return (result.Users ?? []).flatMap((user) => {
    const pooled = poolUser(user);
    return pooled ? [pooled] : [];
  });
}

function poolUser(user: UserType): PoolUser | undefined {
  const attribute = (name: string) => user.Attributes?.find((a) => a.Name === name)?.Value;
  const sub = attribute('sub');
  if (!sub || !user.Username) return undefined;
  const email = attribute('email');
  return {
    sub,
    username: user.Username,
    ...(email ? { email } : {}),
    ...(user.UserStatus ? { status: user.UserStatus } : {}),
    enabled: user.Enabled !== false,
    ...(user.UserCreateDate ? { createdAt: new Date(user.UserCreateDate).getTime() } : {}),
  };
}

import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateGroupCommand,
  GetGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { LocalCognito } from './cognito.js';
import { CONSOLE_ADMINS_GROUP } from './story.js';

/** The operator `npm run dev` and the console's browser test sign in as. */
export const LOCAL_OPERATOR = { email: 'operator@example.org', password: 'Operator-Console-Pass-1' };

/**
 * Creates a user in cognito-local (confirmed, with a permanent password) and adds it to `groups`,
 * creating the groups that do not exist yet. Answers the user's sub.
 */
export async function createLocalUser(
  cognito: LocalCognito,
  user: { email: string; password: string },
  groups: string[] = [],
): Promise<string> {
  const { client, userPoolId } = cognito;
  const created = await client.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: user.email,
      UserAttributes: [
        { Name: 'email', Value: user.email },
        { Name: 'email_verified', Value: 'true' },
      ],
      MessageAction: 'SUPPRESS',
    }),
  );
  await client.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: userPoolId,
      Username: user.email,
      Password: user.password,
      Permanent: true,
    }),
  );
  for (const group of groups) {
    // cognito-local's CreateGroup replaces an existing group, members included: ask first.
    const exists = await client
      .send(new GetGroupCommand({ UserPoolId: userPoolId, GroupName: group }))
      .then(() => true)
      .catch(() => false);
    if (!exists) await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
    await client.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.email, GroupName: group }),
    );
  }
  return created.User?.Attributes?.find((a) => a.Name === 'sub')?.Value ?? '';
}

/** The local console operator, in the console's admin group. */
export function createLocalOperator(cognito: LocalCognito): Promise<string> {
  return createLocalUser(cognito, LOCAL_OPERATOR, [CONSOLE_ADMINS_GROUP]);
}

/**
 * `npm run revoke` against dynalite (real DynamoDB API): it writes the items the authorizer reads,
 * and the authorizer's own revocation check then refuses the token or the user's older tokens.
 */
import { execFile } from 'node:child_process';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../scripts/local/emulators.js';
import { parseRevokeArgs, RevokeUsageError, revoke } from '../../scripts/revoke.js';
import { RevocationCheck } from '../../shared/authorizer/revocation.js';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo('gatehouse-revoke');
});
afterAll(async () => dynamo?.stop());

const now = () => Math.floor(Date.now() / 1000);
const local = () => ['--table', dynamo.tableName, '--endpoint', dynamo.endpoint];
const check = () =>
  new RevocationCheck(
    () => DynamoDBDocumentClient.from(dynamo.client),
    () => dynamo.tableName,
    0,
  );
const quiet = () => undefined;

describe('npm run revoke', () => {
  it('--jti: the authorizer refuses that token id, and tokens minted from it (origin_jti), until --until', async () => {
    const jti = crypto.randomUUID();
    const until = now() + 7200;
    await revoke(parseRevokeArgs(['--jti', jti, '--until', String(until), ...local()]), quiet);
    const item = (await dynamo.scan()).find((i) => i.pk === `REVOKED#${jti}`);
    expect(item).toEqual({ pk: `REVOKED#${jti}`, sk: 'ITEM', expiresAt: until });
    expect(await check().check({ jti, sub: 'someone', iat: now() })).toBe('REVOKED');
    expect(await check().check({ jti: 'other', origin_jti: jti, sub: 'someone', iat: now() })).toBe(
      'REVOKED',
    );
    expect(await check().check({ jti: crypto.randomUUID(), sub: 'someone', iat: now() })).toBeUndefined();
  });

  it('--jti without --until keeps it as long as a refresh token can live (10 years)', () => {
    const at = 1_800_000_000;
    const command = parseRevokeArgs(['--jti', 'abc', ...local()], at);
    expect(command.revocation).toEqual({ kind: 'token', jti: 'abc', expiresAt: at + 3650 * 86400 });
  });

  it('--user: tokens of that user issued until now are refused, later ones and other users are not', async () => {
    const sub = crypto.randomUUID();
    const before = now() - 5;
    await revoke(parseRevokeArgs(['--user', sub, ...local()]), quiet);
    expect(await check().check({ sub, iat: before })).toBe('SIGNED_OUT');
    expect(await check().check({ sub, iat: now() + 2 })).toBeUndefined();
    expect(await check().check({ sub: crypto.randomUUID(), iat: before })).toBeUndefined();
  });

  it('--dry-run prints the item and the table, and writes nothing', async () => {
    const sub = crypto.randomUUID();
    const lines: string[] = [];
    const { item } = await revoke(parseRevokeArgs(['--user', sub, '--dry-run', ...local()]), (l) =>
      lines.push(l),
    );
    expect(item).toMatchObject({ pk: `USER#${sub}`, sk: 'SIGNED_OUT_AT' });
    expect(lines.join('\n')).toContain(`dry run: nothing written. Table ${dynamo.tableName} would get:`);
    expect(lines.join('\n')).toContain(`USER#${sub}`);
    expect((await dynamo.scan()).some((i) => i.pk === `USER#${sub}`)).toBe(false);
  });

  it.each([
    [[], /exactly one of --jti <id> and --user <sub>/],
    [['--jti', 'a', '--user', 'b', '--table', 't'], /exactly one of --jti <id> and --user <sub>/],
    [['--jti', 'a'], /exactly one of --stage <stage> and --table <name>/],
    [['--jti', 'a', '--stage', 'prod', '--table', 't'], /exactly one of --stage <stage> and --table <name>/],
    [['--jti', 'a b', '--table', 't'], /--jti: "a b" is not a token id/],
    [['--user', 'x', '--until', '2099-01-01', '--table', 't'], /--until applies to --jti only/],
    [
      ['--jti', 'a', '--until', 'yesterday', '--table', 't'],
      /--until: "yesterday" is neither epoch seconds nor an ISO date/,
    ],
    [['--jti', 'a', '--until', '1000', '--table', 't'], /--until: 1000 is not in the future/],
    [['--jti', 'a', '--stage', 'prod', '--endpoint', 'http://127.0.0.1:1'], /--endpoint goes with --table/],
    [['--jti', 'a', '--table', 't', '--tabel', 'x'], /Unknown option '--tabel'/],
  ])('refuses %j, naming what is wrong', (args, message) => {
    expect(() => parseRevokeArgs(args as string[])).toThrow(RevokeUsageError);
    expect(() => parseRevokeArgs(args as string[])).toThrow(message);
  });

  it('runs as `npm run revoke`: writes, and a wrong command line exits 2 with the usage', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'npm',
          ['run', '-s', 'revoke', '--', ...args],
          { encoding: 'utf8', timeout: 60_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
      });
    const jti = crypto.randomUUID();
    const done = await run(['--jti', jti, ...local()]);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`revoked in ${dynamo.tableName}: token ${jti}`);
    expect((await dynamo.scan()).some((i) => i.pk === `REVOKED#${jti}`)).toBe(true);
    const wrong = await run(['--jti', jti]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('revoke: give exactly one of --stage <stage> and --table <name>');
    expect(wrong.stderr).toContain('usage: npm run revoke --');
  }, 90_000);
});

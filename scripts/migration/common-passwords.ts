/**
 * npm run generate:common-passwords
 *
 * Regenerates `shared/migration/common-passwords.json`, the offline list of common and breached
 * passwords the migrate-user trigger checks: the most frequent entries of the `passwords`
 * dictionary of `@zxcvbn-ts/language-common` (a frequency-ranked list compiled from public
 * breach corpora), in rank order. A dev dependency only: the bundle carries the compact file.
 */
import { writeFileSync } from 'node:fs';
import { dictionary } from '@zxcvbn-ts/language-common';

export const COMMON_PASSWORD_COUNT = 10_000;
export const commonPasswordsPath = new URL('../../shared/migration/common-passwords.json', import.meta.url);

/** The first `count` passwords of the package's list, by frequency rank. */
export function topCommonPasswords(count = COMMON_PASSWORD_COUNT): string[] {
  const ranked = dictionary['passwords-common'] as string[];
  return ranked.slice(0, count);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const list = topCommonPasswords();
  writeFileSync(commonPasswordsPath, `${JSON.stringify(list, null, 2)}\n`);
  console.log(`wrote ${list.length} passwords to ${commonPasswordsPath.pathname}`);
}

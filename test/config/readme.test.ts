import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingCatalog } from '../../shared/config/catalog.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the README documents every setting', () => {
  const rows = Object.entries(settingCatalog).flatMap(([group, specs]) =>
    Object.entries(specs).map(([key, spec]) => [`${group}.${key}`, spec] as const),
  );
  it.each(rows)('%s', (_, spec) => {
    const name = spec.env ?? spec.file;
    expect(name, 'a setting needs an env variable or a file path').toBeTruthy();
    expect(readme).toContain(`\`${name}\``);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingCatalog } from '../../scripts/setting-catalog.js';

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

describe('the README contents line', () => {
  const contents = readme
    .split('\n')
    .filter((line) => line.startsWith('Contents:') || /^\[.*\]\(#.*\)( ·)?$/.test(line));
  const linked =
    contents
      .join(' ')
      .match(/\(#[^)]+\)/g)
      ?.map((link) => link.slice(2, -1)) ?? [];
  const anchor = (heading: string) =>
    heading
      .toLowerCase()
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/\s+/g, '-');
  const sections = readme
    .split('\n')
    .filter((line) => line.startsWith('## '))
    .map((line) => anchor(line.slice(3)));

  it.each(sections)('links the section #%s (add it to the "Contents:" lines at the top)', (section) => {
    expect(linked).toContain(section);
  });

  it('links only sections that exist', () => {
    expect(linked.filter((link) => !sections.includes(link))).toEqual([]);
  });
});

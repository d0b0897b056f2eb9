/**
 * `npm run templates`: compiles the message templates a person edits (`templates/*.yaml`, one
 * per locale, plus `layout.html` and `layout.txt`) into `templates.generated.json`, which every
 * function imports, so the bundle carries the messages and nothing is read from disk at run time.
 * A test fails when the generated file is stale, and this compiler fails on a locale that misses
 * a message part, so a half-translated file never ships.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { type CompiledTemplates, messageKinds, messageParts } from '../shared/mail/kinds.js';

const mailFolder = join(dirname(fileURLToPath(import.meta.url)), '../shared/mail');
export const templatesDir = join(mailFolder, 'templates');
export const generatedFile = join(mailFolder, 'templates.generated.json');
/** The locale every other falls back to; it must define every message. */
export const BASE_LOCALE = 'en';

/** Reads and checks every template file; throws naming the first problem. */
export function compileTemplates(dir: string = templatesDir): CompiledTemplates {
  const locales: CompiledTemplates['locales'] = {};
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()) {
    const locale = file.slice(0, -'.yaml'.length);
    const document = parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    locales[locale] = checkLocale(file, document);
  }
  const base = locales[BASE_LOCALE];
  if (!base) throw new Error(`templates: ${BASE_LOCALE}.yaml is missing`);
  return {
    layout: {
      html: readFileSync(join(dir, 'layout.html'), 'utf8'),
      text: readFileSync(join(dir, 'layout.txt'), 'utf8'),
    },
    locales,
  };
}

function checkLocale(file: string, document: Record<string, unknown>) {
  const common = stringMap(file, 'common', document.common);
  const messages = (document.messages ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(messages).filter((kind) => !(messageKinds as readonly string[]).includes(kind));
  if (unknown.length > 0) throw new Error(`${file}: unknown message kind(s) ${unknown.join(', ')}`);
  const compiled: Record<string, Record<string, string>> = {};
  for (const kind of messageKinds) {
    const parts = stringMap(file, `messages.${kind}`, messages[kind]);
    for (const part of messageParts) {
      if (!parts[part]) throw new Error(`${file}: messages.${kind}.${part} is missing`);
    }
    compiled[kind] = parts;
  }
  return { common, messages: compiled };
}

function stringMap(file: string, path: string, value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') throw new Error(`${file}: ${path} must be a map`);
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new Error(`${file}: ${path}.${key} must be text`);
    // Block scalars end with a newline the author did not mean as content.
    result[key] = item.replace(/\n+$/, '');
  }
  return result;
}

function main(): void {
  writeFileSync(generatedFile, `${JSON.stringify(compileTemplates(), null, 2)}\n`);
  // Formatted as Biome would, so that `npm run lint` stays quiet about a generated file.
  spawnSync('npx', ['biome', 'format', '--write', generatedFile], { stdio: 'inherit' });
  console.log(`wrote ${generatedFile}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

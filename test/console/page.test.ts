import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileConsolePage, generatedPageFile, pageBytes } from '../../scripts/console-page.js';
import { handleConsoleEvent } from '../../shared/console/handler.js';
import { sampleEvent } from '../support/events.js';

/** The console page as the function serves it: small, fresh, and safe by construction. */
const page = JSON.parse(readFileSync(generatedPageFile, 'utf8')) as Awaited<
  ReturnType<typeof compileConsolePage>
>;
const source = readFileSync(new URL('../../web/console/console.ts', import.meta.url), 'utf8');

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const event = sampleEvent<any>('page');
  event.rawPath = path;
  event.requestContext.http.method = method;
  event.headers = { ...event.headers, ...headers };
  return handleConsoleEvent(event);
}

describe('the console page', () => {
  it('is generated from web/console (run npm run console:page after editing it)', async () => {
    expect(page).toEqual(await compileConsolePage());
  });

  it('loads in under 100 KB (HTML, CSS and script together)', () => {
    expect(pageBytes(page)).toBeLessThan(100 * 1024);
  });

  it('has no inline script, event-handler attribute or inline style', () => {
    const html = page.files['index.html']!.body;
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc="\/console\//);
    expect(html).not.toMatch(/<script\b[^>]*>[^<\s]/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=|<style\b/i);
  });

  it('never turns data into markup: no innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('is served with a strict Content-Security-Policy and no framing', async () => {
    const answer = await get('/console');
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = answer.headers['content-security-policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.body).toBe(page.files['index.html']!.body);
  });

  it('serves its script and style, revalidated by ETag', async () => {
    const script = await get('/console/console.js');
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    const again = await get('/console/console.js', { 'if-none-match': script.headers.etag! });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await get('/console/console.css')).statusCode).toBe(200);
  });

  it('tells the page where to sign in, and nothing more', async () => {
    const answer = await get('/console/config.json');
    expect(Object.keys(JSON.parse(answer.body)).sort()).toEqual([
      'adminGroup',
      'clientId',
      'cognitoEndpoint',
      'region',
      'userPoolId',
    ]);
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('answers 404 for other files and 405 for other methods', async () => {
    expect((await get('/console/secrets.json')).statusCode).toBe(404);
    expect((await get('/console/../README.md')).statusCode).toBe(404);
    expect((await get('/console', {}, 'POST')).statusCode).toBe(405);
  });
});

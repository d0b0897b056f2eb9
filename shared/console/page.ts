import { runtimeSettings } from '../config/runtime.js';
import { ConsoleError } from './errors.js';
import { asset, type ConsoleEvent, type HttpResponse, header, json } from './http.js';
import page from './page.generated.json';
import { consoleSettings } from './settings.js';

/**
 * The console page: `web/console/` (HTML, CSS and TypeScript), compiled by `npm run console:page`
 * into `page.generated.json`, which this bundle carries (nothing is read from disk at run time).
 * The page holds no data: it signs the operator in against Cognito and calls the API.
 */
export interface PageFile {
  contentType: string;
  body: string;
  etag: string;
}

const files: Record<string, PageFile> = page.files;

/** Where the page's script may connect: itself and Cognito (to sign the operator in). */
export function cognitoEndpoint(): string {
  return (
    runtimeSettings().cognitoEndpoint ?? `https://cognito-idp.${runtimeSettings().region}.amazonaws.com/`
  );
}

/**
 * Only the page's own files run and style it; it connects to itself and to Cognito; it can be
 * framed by nobody, post forms nowhere and change its base URL to nothing.
 */
export function contentSecurityPolicy(): string {
  const cognito = new URL(cognitoEndpoint()).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${cognito}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** `/console`, its files, and `config.json` (what the page needs to sign an operator in). */
export function servePage(event: ConsoleEvent, file: string): HttpResponse {
  if (event.requestContext.http.method.toUpperCase() !== 'GET') {
    throw new ConsoleError(405, 'CONSOLE_METHOD_NOT_ALLOWED', 'The console page is read with GET.');
  }
  if (file === 'config.json') {
    const settings = consoleSettings();
    return json(200, {
      region: runtimeSettings().region,
      userPoolId: settings.userPoolId ?? null,
      clientId: settings.clientId ?? null,
      cognitoEndpoint: cognitoEndpoint(),
      adminGroup: settings.adminGroup,
    });
  }
  const found = files[file === '' ? 'index.html' : file];
  if (!found) throw new ConsoleError(404, 'CONSOLE_NOT_FOUND', 'No such console file.');
  return asset(found, contentSecurityPolicy(), header(event, 'if-none-match'));
}

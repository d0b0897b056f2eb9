import { NonRetryableFetchError } from 'aws-jwt-verify/error';
import { type Fetcher, SimpleFetcher } from 'aws-jwt-verify/https';
import { deadlineSignal } from '../aws/deadline.js';

/** A local key server answers at once; a remote one gets aws-jwt-verify's own timeout and retry. */
const LOCAL_FETCH_TIMEOUT_MS = 1500;

/**
 * Fetches public keys (a JWKS, or an ALB's PEM per kid): https through aws-jwt-verify's fetcher
 * (its timeout, one retry), plain http only for local stand-ins (cognito-local serves its JWKS
 * over http, the local ALB key server too), with a short timeout. Within an invocation (a key
 * rotation's refetch) the invocation's deadline aborts the fetch too.
 */
export class KeyFetcher implements Fetcher {
  private readonly https = new SimpleFetcher();
  fetch(uri: string): Promise<ArrayBuffer> {
    const signal = deadlineSignal();
    const options = signal ? { signal } : {};
    return uri.startsWith('http:') ? fetchHttp(uri, options) : this.https.fetch(uri, options);
  }
}

async function fetchHttp(uri: string, options: { signal?: AbortSignal }): Promise<ArrayBuffer> {
  // Loaded when a local key server is asked, not with every bundle that verifies a token.
  const { request: httpRequest } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = httpRequest(uri, { timeout: LOCAL_FETCH_TIMEOUT_MS, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          return reject(new NonRetryableFetchError(uri, `Status code is ${res.statusCode}, expected 200`));
        }
        const body = Buffer.concat(chunks);
        resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('key fetch timed out')));
    req.on('error', reject);
    req.end();
  });
}

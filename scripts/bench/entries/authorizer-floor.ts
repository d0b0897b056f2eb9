import { request } from 'node:http';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

/**
 * The floor of the authorizer's cold start (`npm run bench -- authorizer`), bundled as a function
 * is: aws-jwt-verify alone, one verifier for the bench's local issuer, its JWKS fetched at module
 * scope (with BENCH_ISSUER set), and a handler that verifies the bearer token and nothing else.
 * aws-jwt-verify's own fetcher speaks https only: the local issuer's JWKS comes over node:http,
 * as the authorizer's own fetcher (shared/jwt/fetcher.ts) gets it. Never deployed.
 */
const issuer = process.env.BENCH_ISSUER;

function fetchHttp(uri: string): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    request(uri, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks)).buffer));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const verifier = JwtVerifier.create(
  { issuer: issuer ?? 'https://issuer.invalid', audience: null },
  { jwksCache: new SimpleJwksCache({ fetcher: { fetch: fetchHttp } }) },
);
if (issuer) await verifier.hydrate();

export const handler = async (event: { headers: Record<string, string> }) =>
  verifier.verifySync(event.headers.authorization?.slice('Bearer '.length) ?? '');

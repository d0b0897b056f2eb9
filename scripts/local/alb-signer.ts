import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an Application Load Balancer's signing: ES256 keys with a UUID kid,
 * `x-amzn-oidc-data` tokens whose header carries `signer`, `client`, `iss` and `exp` as the ALB
 * writes them, and a key server answering `GET /<kid>` with the PEM public key, as
 * `https://public-keys.auth.elb.<region>.amazonaws.com/<kid>` does. For tests, the sample events
 * and `npm run invoke`; never bundled into a function.
 */
export interface AlbKey {
  kid: string;
  privateKey: KeyObject;
  publicPem: string;
}

export function createAlbKey(kid: string = crypto.randomUUID()): AlbKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

export interface AlbTokenHeader {
  signer: string;
  client: string;
  iss: string;
  exp: number;
  alg?: string;
  kid?: string;
}

/**
 * Base64url as the ALB writes it: with `=` padding (aws-jwt-verify accepts it; a verifier
 * that insisted on unpadded base64url would refuse real ALB tokens).
 */
const encode = (value: unknown) => {
  const text = Buffer.from(JSON.stringify(value)).toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
};

/** A signed `x-amzn-oidc-data` token. */
export function signAlbToken(key: AlbKey, header: AlbTokenHeader, claims: Record<string, unknown>): string {
  const input = `${encode({ typ: 'JWT', kid: key.kid, alg: 'ES256', ...header })}.${encode({
    iss: header.iss,
    exp: header.exp,
    ...claims,
  })}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export interface AlbKeyServer {
  /** Base URL, for ALB_PUBLIC_KEYS_URL. */
  url: string;
  /** Kids asked for, in order (tests count fetches). */
  requests: string[];
  stop(): Promise<void>;
}

/** Serves each key's PEM at `/<kid>` on a random port; any other path is a 404. */
export async function startAlbKeyServer(
  keys: Array<Pick<AlbKey, 'kid' | 'publicPem'>>,
): Promise<AlbKeyServer> {
  const byKid = new Map(keys.map((key) => [key.kid, key.publicPem]));
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const kid = decodeURIComponent((req.url ?? '/').slice(1));
    requests.push(kid);
    const pem = byKid.get(kid);
    res.writeHead(pem ? 200 : 404, { 'content-type': 'text/plain' }).end(pem ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The versions of one secret a stand-in holds. */
export interface SecretVersions {
  AWSCURRENT: string;
  AWSPREVIOUS?: string;
}

/**
 * A local stand-in that speaks Secrets Manager's GetSecretValue (JSON protocol) on a random port:
 * what it holds, what it was asked, and an outage switch (every call then answers 500).
 */
export interface LocalSecretsManager {
  endpoint: string;
  store: Map<string, SecretVersions>;
  requests: { secretId: string; stage: string }[];
  down: boolean;
  stop(): Promise<void>;
}

export async function startLocalSecretsManager(): Promise<LocalSecretsManager> {
  const local = { store: new Map(), requests: [], down: false } as unknown as LocalSecretsManager;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const { SecretId, VersionStage = 'AWSCURRENT' } = JSON.parse(body) as {
        SecretId: string;
        VersionStage?: string;
      };
      local.requests.push({ secretId: SecretId, stage: VersionStage });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (local.down) {
        res.statusCode = 500;
        res.setHeader('x-amzn-errortype', 'InternalServiceError');
        res.end(JSON.stringify({ __type: 'InternalServiceError', message: 'outage' }));
        return;
      }
      const value = local.store.get(SecretId)?.[VersionStage as keyof SecretVersions];
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || value === undefined) {
        res.statusCode = 400;
        res.setHeader('x-amzn-errortype', 'ResourceNotFoundException');
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret value' }));
        return;
      }
      res.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SecretId}-AbCdEf`,
          Name: SecretId,
          SecretString: value,
          VersionId: `${VersionStage}-1`,
          VersionStages: [VersionStage],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  local.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  local.stop = () => new Promise((resolve) => server.close(() => resolve()));
  return local;
}

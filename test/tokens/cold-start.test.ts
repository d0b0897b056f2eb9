import { afterEach, describe, expect, it, vi } from 'vitest';

/** The pre token generation function itself refuses a bad configuration when it loads. */
describe('pre token generation at cold start', () => {
  afterEach(() => {
    vi.doUnmock('../../config/gatehouse.json');
    vi.resetModules();
  });

  it('fails to load when the bundled configuration changes an immutable claim, naming it', async () => {
    vi.resetModules();
    vi.doMock('../../config/gatehouse.json', () => ({
      default: { tokens: { clients: { web: { accessTokenClaims: { client_id: 'spoofed' } } } } },
    }));
    await expect(import('../../functions/pre-token-generation.js')).rejects.toThrow(
      'Setting tokens.clients.web.accessTokenClaims.client_id: Cognito never lets a trigger change the claim "client_id"',
    );
  });

  it('loads with a valid one', async () => {
    vi.resetModules();
    vi.doMock('../../config/gatehouse.json', () => ({
      default: { tokens: { idTokenClaims: { plan: 'gold' } } },
    }));
    const { handler } = await import('../../functions/pre-token-generation.js');
    expect(handler).toBeTypeOf('function');
  });
});

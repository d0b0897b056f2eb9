import { customAuthSettings } from '../shared/custom-auth/settings.js';
import { verifyAuthChallenge } from '../shared/custom-auth/verify.js';
import { parseVerifyAuthChallengeEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { contextKeyRefresh } from '../shared/risk/contract.js';
import { signInSettings } from '../shared/sign-in/settings.js';

const settings = customAuthSettings();
const lockout = signInSettings();

/**
 * Verify auth challenge response trigger (VerifyAuthChallengeResponse_Authentication): checks
 * codes and magic links, counting wrong answers towards the lockout (shared/custom-auth/verify.ts).
 */
export const handler = triggerHandler({
  name: 'verify-auth-challenge',
  parse: parseVerifyAuthChallengeEvent,
  core: (event) => verifyAuthChallenge(event, settings, lockout),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/contract.ts).
  use: [contextKeyRefresh()],
});

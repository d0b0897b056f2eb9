import { parsePreSignUpEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { contextKeyRefresh } from '../shared/risk/context-key.js';
import { preSignUp } from '../shared/sign-up/index.js';

/**
 * Pre sign-up trigger (PreSignUp_SignUp, _AdminCreateUser, _ExternalProvider): attribute and
 * domain rules, disposable addresses, velocity limits, invitations, federated linking, and the
 * auto-confirm / auto-verify flags. See `shared/sign-up/`.
 */
export const handler = triggerHandler({
  name: 'pre-sign-up',
  parse: parsePreSignUpEvent,
  core: (event) => preSignUp(event),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/context-key.ts).
  use: [contextKeyRefresh()],
});

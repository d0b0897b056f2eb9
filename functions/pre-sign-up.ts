import { parsePreSignUpEvent } from '../shared/events/parse.js';
import { triggerHandler } from '../shared/middleware/index.js';
import { contextKeyRefresh } from '../shared/risk/contract.js';
import { preSignUp, preSignUpDependencies } from '../shared/sign-up/index.js';

/**
 * Pre sign-up trigger (PreSignUp_SignUp, _AdminCreateUser, _ExternalProvider): attribute and
 * domain rules, disposable addresses, velocity limits, invitations, federated linking, and the
 * auto-confirm / auto-verify flags. See `shared/sign-up/`.
 */
// Settings checked at cold start: a bad one fails the deployment's first start, not a user's sign-up.
const dependencies = preSignUpDependencies();

export const handler = triggerHandler({
  name: 'pre-sign-up',
  parse: parsePreSignUpEvent,
  core: (event) => preSignUp(event, dependencies),
  // The signed context's key, from Secrets Manager in a deployment (shared/risk/contract.ts).
  use: [contextKeyRefresh()],
});

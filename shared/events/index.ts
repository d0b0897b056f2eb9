/**
 * The typed event library: one schema per trigger whose output type is the event's type,
 * discriminated by `triggerSource` (and `version` for token generation), the authorizer events,
 * and the runtime parsers (`./parse.ts`).
 */

import type { CustomEmailSenderEvent, CustomMessageEvent, CustomSmsSenderEvent } from './messages.js';
import type {
  CreateAuthChallengeEvent,
  DefineAuthChallengeEvent,
  PostAuthenticationEvent,
  PreAuthenticationEvent,
  VerifyAuthChallengeEvent,
} from './sign-in.js';
import type {
  InboundFederationEvent,
  MigrateUserEvent,
  PostConfirmationEvent,
  PreSignUpEvent,
} from './sign-up.js';
import type { TokenGenerationEvent } from './token-generation.js';

export type * from './alb.js';
export type * from './authorizer.js';
export type * from './common.js';
export type * from './messages.js';
export type * from './sign-in.js';
export type * from './sign-up.js';
export type * from './token-generation.js';

/**
 * Every user-pool trigger event. Closes @types/aws-lambda gap 5: the old union lacks the
 * sender, inbound-federation and client-credentials sources.
 */
export type UserPoolTriggerEvent =
  | PreSignUpEvent
  | PostConfirmationEvent
  | MigrateUserEvent
  | InboundFederationEvent
  | PreAuthenticationEvent
  | PostAuthenticationEvent
  | DefineAuthChallengeEvent
  | CreateAuthChallengeEvent
  | VerifyAuthChallengeEvent
  | TokenGenerationEvent
  | CustomMessageEvent
  | CustomEmailSenderEvent
  | CustomSmsSenderEvent;

export type TriggerSource = UserPoolTriggerEvent['triggerSource'];

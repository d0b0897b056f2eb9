import { createAuthChallenge } from '../../shared/custom-auth/create.js';
import { defineAuthChallenge } from '../../shared/custom-auth/define.js';
import type { DeliveryTimings } from '../../shared/custom-auth/delivery-timing.js';
import type { CustomAuthSettings } from '../../shared/custom-auth/settings.js';
import { verifyAuthChallenge } from '../../shared/custom-auth/verify.js';
import type {
  ChallengeResult,
  CreateAuthChallengeEvent,
  DefineAuthChallengeEvent,
  PostAuthenticationEvent,
  PreAuthenticationEvent,
  VerifyAuthChallengeEvent,
} from '../../shared/events/index.js';
import { noRiskEngine, type RiskHooks } from '../../shared/risk/contract.js';
import { postAuthentication } from '../../shared/sign-in/post-authentication.js';
import { preAuthentication } from '../../shared/sign-in/pre-authentication.js';
import type { SignInSettings } from '../../shared/sign-in/settings.js';
import { sampleEvent } from '../support/events.js';

/**
 * Plays Cognito's side of a custom-auth conversation, calling the triggers in the order Cognito
 * does: pre authentication on InitiateAuth; define, then create when define asks for a custom
 * challenge; verify then define on each answer; post authentication when define issues tokens.
 */
export interface User {
  userName: string;
  attributes: Record<string, string>;
  userNotFound?: boolean;
  /** What Cognito's own SRP check would decide for the password. */
  passwordIsRight?: boolean;
}

export type Step =
  | {
      state: 'challenge';
      challengeName: 'CUSTOM_CHALLENGE' | 'PASSWORD_VERIFIER';
      publicParameters: Record<string, string>;
    }
  | { state: 'tokens' }
  | { state: 'failed' };

export class Conversation {
  readonly session: ChallengeResult[] = [];
  private current?: { name: string; privateParameters: Record<string, string>; metadata?: string };
  now = Date.now();
  /** A container's delivery timings of its own (default: the module's, shared by the file). */
  timings?: DeliveryTimings;
  /** The risk engine the triggers are given (default: none, `noRiskEngine`). */
  risk: RiskHooks = noRiskEngine;

  constructor(
    private readonly user: User,
    private readonly settings: CustomAuthSettings,
    private readonly signIn: SignInSettings,
    /** The user's Cognito groups (a stand-in for AdminListGroupsForUser). */
    private readonly cognitoGroups: string[] = [],
  ) {}

  /** InitiateAuth with AuthFlow CUSTOM_AUTH (with SRP_A when `withPassword`). Throws what pre authentication throws. */
  async initiate(
    options: { withPassword?: boolean; clientMetadata?: Record<string, string> } = {},
  ): Promise<Step> {
    const pre = this.envelope<PreAuthenticationEvent>('PreAuthentication_Authentication');
    pre.request.validationData = options.clientMetadata ?? {};
    await preAuthentication(pre, this.signIn, this.risk, this.now);
    if (options.withPassword)
      this.session.push({ challengeName: 'SRP_A', challengeResult: true, challengeMetadata: undefined });
    return this.define({});
  }

  /** RespondToAuthChallenge: ANSWER (or the password proof) with ClientMetadata. */
  async respond(answer: string, clientMetadata: Record<string, string> = {}): Promise<Step> {
    if (!this.current) throw new Error('no open challenge');
    if (this.current.name === 'PASSWORD_VERIFIER') {
      this.session.push({
        challengeName: 'PASSWORD_VERIFIER',
        challengeResult: this.user.passwordIsRight !== false,
      });
    } else {
      const verify = this.verifyEvent(answer, clientMetadata);
      await verifyAuthChallenge(verify, this.settings, this.signIn, this.now);
      this.session.push({
        challengeName: 'CUSTOM_CHALLENGE',
        challengeResult: verify.response.answerCorrect === true,
        challengeMetadata: this.current.metadata,
      });
    }
    return this.define(clientMetadata);
  }

  /** The event Cognito sends verify auth challenge for `answer` to the open challenge (not sent). */
  verifyEvent(answer: string, clientMetadata: Record<string, string> = {}): VerifyAuthChallengeEvent {
    if (!this.current || this.current.name === 'PASSWORD_VERIFIER')
      throw new Error('no open custom challenge');
    const verify = this.envelope<VerifyAuthChallengeEvent>('VerifyAuthChallengeResponse_Authentication');
    verify.request.privateChallengeParameters = this.current.privateParameters;
    verify.request.challengeAnswer = answer;
    verify.request.clientMetadata = clientMetadata;
    verify.response = {};
    return verify;
  }

  /** The event Cognito sends define auth challenge for the session so far (not sent). */
  defineEvent(clientMetadata: Record<string, string> = {}): DefineAuthChallengeEvent {
    const define = this.envelope<DefineAuthChallengeEvent>('DefineAuthChallenge_Authentication');
    define.request.session = structuredClone(this.session);
    define.request.clientMetadata = clientMetadata;
    define.response = {};
    return define;
  }

  readonly groupsOf = async () => this.cognitoGroups;

  private async define(clientMetadata: Record<string, string>): Promise<Step> {
    const define = this.defineEvent(clientMetadata);
    await defineAuthChallenge(define, this.settings, this.signIn, this.risk, this.groupsOf, this.now);
    const { response } = define;
    this.current = undefined;
    if (response.issueTokens && !response.failAuthentication) {
      const post = this.envelope<PostAuthenticationEvent>('PostAuthentication_Authentication');
      post.request.clientMetadata = clientMetadata;
      await postAuthentication(post, this.signIn, this.risk, this.now, this.groupsOf);
      return { state: 'tokens' };
    }
    if (response.failAuthentication || !response.challengeName) return { state: 'failed' };
    if (response.challengeName === 'PASSWORD_VERIFIER') {
      this.current = { name: 'PASSWORD_VERIFIER', privateParameters: {} };
      return { state: 'challenge', challengeName: 'PASSWORD_VERIFIER', publicParameters: {} };
    }
    const create = this.envelope<CreateAuthChallengeEvent>('CreateAuthChallenge_Authentication');
    create.request.challengeName = 'CUSTOM_CHALLENGE';
    create.request.session = structuredClone(this.session);
    create.request.clientMetadata = clientMetadata;
    create.response = {};
    await createAuthChallenge(create, this.settings, this.now, this.timings);
    this.current = {
      name: 'CUSTOM_CHALLENGE',
      privateParameters: create.response.privateChallengeParameters ?? {},
      metadata: create.response.challengeMetadata ?? undefined,
    };
    return {
      state: 'challenge',
      challengeName: 'CUSTOM_CHALLENGE',
      publicParameters: create.response.publicChallengeParameters ?? {},
    };
  }

  private envelope<E extends { userName: string; request: object }>(source: string): E {
    const event = sampleEvent<E>(source);
    event.userName = this.user.userName;
    const request = event.request as { userAttributes: Record<string, string>; userNotFound?: boolean };
    request.userAttributes = { ...this.user.attributes };
    if ('userNotFound' in request || this.user.userNotFound)
      request.userNotFound = this.user.userNotFound === true;
    return event;
  }
}

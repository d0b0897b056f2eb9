import { buildEvent } from './sample-events.js';
import type { FunctionResult } from './stack.js';

/**
 * Cognito's side of a custom-auth conversation (AuthFlow CUSTOM_AUTH), which cognito-local does
 * not implement: the triggers are invoked through the Lambda endpoint in the order Cognito calls
 * them. Pre authentication on InitiateAuth; define, then create when define asks for a custom
 * challenge; on each answer verify, then define; post authentication when define issues tokens.
 * Cognito would then issue tokens; here the conversation ends with the decision.
 */
export type ConversationStep =
  | { state: 'challenge'; challengeName: string; publicParameters: Record<string, string> }
  | { state: 'tokens' }
  | { state: 'failed'; reason?: string };

interface ChallengeResult {
  challengeName: string;
  challengeResult: boolean;
  challengeMetadata?: string;
}

export interface ConversationTarget {
  invoke(functionName: string, event: unknown): Promise<FunctionResult>;
  userPoolId: string;
  clientId: string;
}

export class LambdaConversation {
  readonly session: ChallengeResult[] = [];
  private current?: { name: string; privateParameters: Record<string, string>; metadata?: string };

  constructor(
    private readonly target: ConversationTarget,
    private readonly userName: string,
    private readonly userAttributes: Record<string, string>,
  ) {}

  /**
   * InitiateAuth with AuthFlow CUSTOM_AUTH (with `SRP_A` first when `withPassword`: the password,
   * then a step-up when the policy asks); answers `failed` with the message when pre
   * authentication refuses.
   */
  async initiate(clientMetadata: Record<string, string>, withPassword = false): Promise<ConversationStep> {
    const pre = this.event('PreAuthentication_Authentication');
    Object.assign(pre.request, { validationData: clientMetadata, userNotFound: false });
    const refused = await this.call('pre-authentication', pre);
    if (refused.error) return { state: 'failed', reason: refused.error };
    if (withPassword) this.session.push({ challengeName: 'SRP_A', challengeResult: true });
    return this.define({});
  }

  /**
   * RespondToAuthChallenge with ANSWER and ClientMetadata. To PASSWORD_VERIFIER, Cognito checks
   * the password itself: `answer` is then "right" or "wrong".
   */
  async respond(answer: string, clientMetadata: Record<string, string>): Promise<ConversationStep> {
    if (!this.current) return { state: 'failed', reason: 'no open challenge' };
    if (this.current.name === 'PASSWORD_VERIFIER') {
      this.session.push({ challengeName: 'PASSWORD_VERIFIER', challengeResult: answer === 'right' });
      return this.define(clientMetadata);
    }
    const verify = this.event('VerifyAuthChallengeResponse_Authentication');
    Object.assign(verify.request, {
      privateChallengeParameters: this.current.privateParameters,
      challengeAnswer: answer,
      clientMetadata,
    });
    const verified = await this.call('verify-auth-challenge', verify);
    if (verified.error) return { state: 'failed', reason: verified.error };
    this.session.push({
      challengeName: 'CUSTOM_CHALLENGE',
      challengeResult: responseOf(verified).answerCorrect === true,
      ...(this.current.metadata ? { challengeMetadata: this.current.metadata } : {}),
    });
    return this.define(clientMetadata);
  }

  private async define(clientMetadata: Record<string, string>): Promise<ConversationStep> {
    const define = this.event('DefineAuthChallenge_Authentication');
    Object.assign(define.request, { session: structuredClone(this.session), clientMetadata });
    const defined = await this.call('define-auth-challenge', define);
    if (defined.error) return { state: 'failed', reason: defined.error };
    const decision = responseOf(defined);
    this.current = undefined;
    if (decision.issueTokens === true && decision.failAuthentication !== true) {
      const post = this.event('PostAuthentication_Authentication');
      Object.assign(post.request, { clientMetadata });
      const posted = await this.call('post-authentication', post);
      return posted.error ? { state: 'failed', reason: posted.error } : { state: 'tokens' };
    }
    if (decision.failAuthentication === true || typeof decision.challengeName !== 'string') {
      return { state: 'failed' };
    }
    if (decision.challengeName === 'PASSWORD_VERIFIER') {
      this.current = { name: 'PASSWORD_VERIFIER', privateParameters: {} };
      return { state: 'challenge', challengeName: 'PASSWORD_VERIFIER', publicParameters: {} };
    }
    const create = this.event('CreateAuthChallenge_Authentication');
    Object.assign(create.request, {
      challengeName: decision.challengeName,
      session: structuredClone(this.session),
      clientMetadata,
    });
    const created = await this.call('create-auth-challenge', create);
    if (created.error) return { state: 'failed', reason: created.error };
    const challenge = responseOf(created);
    this.current = {
      name: decision.challengeName,
      privateParameters: (challenge.privateChallengeParameters as Record<string, string> | undefined) ?? {},
      ...(typeof challenge.challengeMetadata === 'string' ? { metadata: challenge.challengeMetadata } : {}),
    };
    return {
      state: 'challenge',
      challengeName: decision.challengeName,
      publicParameters: (challenge.publicChallengeParameters as Record<string, string> | undefined) ?? {},
    };
  }

  private call(functionName: string, event: unknown): Promise<FunctionResult> {
    return this.target.invoke(functionName, event);
  }

  /** An event of `source` for this user, with an empty response (Cognito's starting point). */
  private event(source: string): { request: Record<string, unknown> } & Record<string, unknown> {
    const event = buildEvent<Record<string, unknown>>(source);
    Object.assign(event, {
      userPoolId: this.target.userPoolId,
      userName: this.userName,
      callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: this.target.clientId },
      response: {},
    });
    const request = event.request as Record<string, unknown>;
    request.userAttributes = { ...this.userAttributes };
    return event as { request: Record<string, unknown> } & Record<string, unknown>;
  }
}

function responseOf(result: FunctionResult): Record<string, unknown> {
  return ((result.response as { response?: Record<string, unknown> } | undefined)?.response ?? {}) as Record<
    string,
    unknown
  >;
}

import {
  AdminAddUserToGroupCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';

/**
 * The load run's stand-in for Cognito's groups, and its deterministic overload mode.
 *
 * Groups: the run has no Cognito, so `AdminAddUserToGroup` is answered in this process, as Cognito
 * does (adding a member twice is a no-op), honouring the call's abort signal; every call and
 * membership is recorded for the effect checks.
 *
 * Overload (`--overload`): what an overloaded machine did to post confirmation, made to happen to
 * chosen users every run instead of by chance (the index of the user in the address tells which):
 * - `stalled` (every 10th user, offset 3): SES accepts the user's first welcome mail, and its answer
 *   reaches the function 5.5 s later, past Cognito's 5 s (on a starved event loop an abort fires
 *   late too): Cognito gives up on the call and sends the event again while the first still runs.
 * - `throttled` (offset 5): SES refuses the first welcome mail (`TooManyRequestsException`, 429).
 * - `slowGroups` (offset 7): Cognito answers the first `AdminAddUserToGroup` after the deadline.
 * Both SDK clients are stubbed at their prototype, so every client the functions build (now or
 * later) goes through it; everything else reaches the real local SES emulator.
 */
export type InjectedFault = 'stalled' | 'throttled' | 'slowGroups';

/** The fault injected for the user with this index, if any. */
export function injectedFault(index: number): InjectedFault | undefined {
  return ({ 3: 'stalled', 5: 'throttled', 7: 'slowGroups' } as const)[(index % 10) as 3 | 5 | 7];
}

/** How late the stalled answer arrives: past Cognito's 5 s. */
export const STALLED_ANSWER_MS = 5_500;

export interface OverloadStubs {
  /** Group name → members (usernames). */
  members: Map<string, Set<string>>;
  /** AdminAddUserToGroup calls that reached the stand-in. */
  groupCalls: number;
  /** Faults injected so far, by kind. */
  injected: Record<InjectedFault, number>;
  restore(): void;
}

type Send = (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/** The user index a load-run address carries (`load.<run>.<index>@...`). */
function indexOfAddress(address: string | undefined): number | undefined {
  const match = /^load\.[^.]+\.(\d+)@/.exec(address ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Resolves when `signal` aborts, rejecting with its reason (a call that never answers in time). */
function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(signal?.reason ?? Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
    if (signal?.aborted) fail();
    else signal?.addEventListener('abort', fail, { once: true });
  });
}

/** Installs the groups stand-in, and the injected faults when `overload` is on. */
export function installStubs(overload: boolean): OverloadStubs {
  const ses = SESv2Client.prototype as unknown as { send: Send };
  const cognito = CognitoIdentityProviderClient.prototype as unknown as { send: Send };
  const originalSes = ses.send;
  const originalCognito = cognito.send;
  const once = new Set<string>();
  const firstTime = (key: string) => !once.has(key) && once.add(key) !== undefined;
  const stubs: OverloadStubs = {
    members: new Map(),
    groupCalls: 0,
    injected: { stalled: 0, throttled: 0, slowGroups: 0 },
    restore() {
      ses.send = originalSes;
      cognito.send = originalCognito;
    },
  };

  ses.send = async function (this: SESv2Client, command, options) {
    const input = (command as SendEmailCommand).input;
    const welcome =
      command instanceof SendEmailCommand && /^Welcome/.test(input.Content?.Simple?.Subject?.Data ?? '');
    const index = indexOfAddress(input?.Destination?.ToAddresses?.[0]);
    const fault = overload && welcome && index !== undefined ? injectedFault(index) : undefined;
    if (fault === 'stalled' && firstTime(`ses ${index}`)) {
      stubs.injected.stalled++;
      const started = Date.now();
      // Accepted by SES (the real emulator, never aborted), answered late.
      const result = await originalSes.call(this, command, {});
      await new Promise((resume) =>
        setTimeout(resume, Math.max(0, STALLED_ANSWER_MS - (Date.now() - started))),
      );
      return result;
    }
    if (fault === 'throttled' && firstTime(`ses ${index}`)) {
      stubs.injected.throttled++;
      throw Object.assign(new Error('Maximum sending rate exceeded.'), {
        name: 'TooManyRequestsException',
        $fault: 'client',
        $metadata: { httpStatusCode: 429 },
      });
    }
    return originalSes.call(this, command, options);
  };

  cognito.send = async (command, options) => {
    if (!(command instanceof AdminAddUserToGroupCommand)) {
      throw new Error(`the load run's Cognito stand-in answers AdminAddUserToGroup only`);
    }
    const { GroupName, Username } = command.input;
    const index = Username === undefined ? undefined : userIndexes.get(Username);
    if (
      overload &&
      index !== undefined &&
      injectedFault(index) === 'slowGroups' &&
      firstTime(`cognito ${index}`)
    ) {
      stubs.injected.slowGroups++;
      await untilAborted(options?.abortSignal);
    }
    if (options?.abortSignal?.aborted) throw options.abortSignal.reason;
    stubs.groupCalls++;
    await new Promise((resume) => setTimeout(resume, 5));
    if (!stubs.members.has(GroupName!)) stubs.members.set(GroupName!, new Set());
    stubs.members.get(GroupName!)!.add(Username!);
    return { $metadata: { httpStatusCode: 200 } };
  };
  return stubs;
}

const userIndexes = new Map<string, number>();

/** Remembers which index a userName belongs to (the run's userNames are random UUIDs). */
export function registerUser(userName: string, index: number): void {
  userIndexes.set(userName, index);
}

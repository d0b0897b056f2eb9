import { triggerHandler } from '../shared/middleware/index.js';
import { parseSweepEvent, sweeperDependencies, sweepOutbox } from '../shared/onboarding/index.js';
import { onboardingSettings } from '../shared/onboarding/settings.js';

/**
 * The onboarding sweeper, every minute (EventBridge schedule): completes the groups and mails post
 * confirmation left pending in the onboarding outbox, each once, and gives up loudly on what keeps
 * failing (see `shared/onboarding/sweeper.ts`). Answers how the sweep went.
 */
const settings = onboardingSettings(); // checked at cold start

export const handler = triggerHandler({
  name: 'onboarding-sweeper',
  parse: parseSweepEvent,
  core: () => sweepOutbox(sweeperDependencies({ settings })),
});

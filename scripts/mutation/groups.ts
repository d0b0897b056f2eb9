/**
 * The security-critical modules `npm run mutation` mutates, in groups. Each group runs only its
 * own tests (its vitest config in `vitest/<name>.config.ts`), so a mutant is judged by the tests
 * written for that module and a group costs minutes, not the whole suite per mutant.
 */
export interface MutationGroup {
  name: string;
  /** Source files whose mutants count (paths from the repository root). */
  mutate: string[];
  /** The tests that must detect them. */
  tests: string[];
}

export const mutationGroups: MutationGroup[] = [
  {
    // The route rules and the policies API Gateway caches (the security tests reach them through the handler).
    name: 'authorizer-rules',
    mutate: ['shared/authorizer/routes.ts', 'shared/authorizer/policy.ts'],
    tests: [
      'test/authorizer/routes.test.ts',
      'test/authorizer/policy.test.ts',
      'test/authorizer/security.test.ts',
    ],
  },
  {
    // Token verification, through the whole authorizer against a local JWKS server.
    name: 'authorizer-verify',
    mutate: ['shared/authorizer/verify.ts'],
    tests: [
      'test/authorizer/authorizer.test.ts',
      'test/authorizer/hardening.test.ts',
      'test/authorizer/security.test.ts',
      'test/authorizer/local-jwks.test.ts',
      'test/authorizer/verify.test.ts',
    ],
  },
  {
    // The conversation's rules and codes, and what tells Cognito's retry of a step from a replay:
    // the single use of a signed context per stage (context-use.ts, shared with sign-in, exercised
    // here through define and verify auth challenge) and the single use of a magic link
    // (challenges.ts: consumed once, its retry recognised by the attempt that consumed it).
    name: 'custom-auth',
    mutate: [
      'shared/custom-auth/state-machine.ts',
      'shared/custom-auth/codes.ts',
      'shared/custom-auth/challenges.ts',
      'shared/sign-in/context-use.ts',
    ],
    tests: [
      'test/custom-auth/state-machine.test.ts',
      'test/custom-auth/codes.test.ts',
      'test/custom-auth/edges.test.ts',
      'test/custom-auth/conversations.test.ts',
      'test/custom-auth/retry.test.ts',
      'test/custom-auth/retry-edges.test.ts',
      'test/sign-in/replay.test.ts',
    ],
  },
  {
    // The judge of a custom-auth answer: codes and links within their expiry, none while locked,
    // a wrong one counted once per attempt, and Cognito's retry given the judgement recorded.
    // (retry.test.ts, the same through a slowed table, is left to the group above: 20 s a run.)
    name: 'custom-auth-verify',
    mutate: ['shared/custom-auth/verify.ts'],
    tests: [
      'test/custom-auth/conversations.test.ts',
      'test/custom-auth/attacks.test.ts',
      'test/custom-auth/retry-edges.test.ts',
      'test/sign-in/replay.test.ts',
    ],
  },
  {
    name: 'risk',
    mutate: ['shared/risk/scoring.ts', 'shared/risk/signals.ts'],
    tests: [
      'test/risk/engine.test.ts',
      'test/risk/signals.test.ts',
      'test/risk/signal-edges.test.ts',
      'test/risk/scenarios.test.ts',
    ],
  },
  {
    name: 'lockout',
    mutate: ['shared/sign-in/lockout.ts'],
    tests: ['test/sign-in/lockout.test.ts', 'test/sign-in/lockout-rules.test.ts'],
  },
  {
    // The planning of a user's tokens (claims, scopes, group override) and the claim guard; the
    // profile read (enrichment.ts) is storage, tested on dynalite but left out of this group.
    name: 'tokens',
    mutate: [
      'shared/tokens/pre-token-generation.ts',
      'shared/tokens/claims-guard.ts',
      'shared/tokens/group-roles.ts',
    ],
    tests: [
      'test/tokens/pre-token-generation.test.ts',
      'test/tokens/client-credentials.test.ts',
      'test/tokens/group-roles.test.ts',
      'test/tokens/planning-edges.test.ts',
    ],
  },
  {
    name: 'migration-hashes',
    mutate: ['shared/migration/hashes.ts'],
    tests: [
      'test/migration/hashes.test.ts',
      'test/migration/hash-vectors.test.ts',
      'test/migration/hash-formats.test.ts',
    ],
  },
];

export function mutationGroup(name: string): MutationGroup {
  const group = mutationGroups.find((candidate) => candidate.name === name);
  if (!group) {
    throw new Error(
      `unknown mutation group "${name}"; groups: ${mutationGroups.map((g) => g.name).join(', ')}`,
    );
  }
  return group;
}

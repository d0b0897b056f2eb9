import { ConfigError } from '../errors/index.js';
import type { RouteRuleSetting } from './settings.js';

/** What a verified token says about its bearer, as the route rules read it. */
export interface Principal {
  sub: string;
  username: string | undefined;
  groups: readonly string[];
  scopes: readonly string[];
  clientId: string | undefined;
  tokenUse: 'id' | 'access';
  /** Every claim of the token, for claim rules and the tenant / risk context. */
  claims: Readonly<Record<string, unknown>>;
}

type ClaimValue = string | number | boolean;

/** A rule, compiled: sets for the requirements and its policy resource pattern. */
export interface CompiledRule {
  /** Position in the configuration, for logs. */
  index: number;
  method: string;
  path: string;
  groups: ReadonlySet<string> | undefined;
  scopes: ReadonlySet<string> | undefined;
  claims: ReadonlyArray<[string, readonly ClaimValue[]]>;
  /** `GET/items/*`: the part of a resource ARN after `apiId/stage/`; `{param}` becomes `*`. */
  resource: string;
}

interface Node {
  literal: Map<string, Node>;
  param: Node | undefined;
  /** Rules of a `{proxy+}` segment ending here, by method. */
  greedy: Map<string, CompiledRule> | undefined;
  /** Rules ending at this node, by method (`ANY` for any method). */
  rules: Map<string, CompiledRule> | undefined;
}

const newNode = (): Node => ({ literal: new Map(), param: undefined, greedy: undefined, rules: undefined });

/**
 * The route rules, compiled once at cold start into a tree of path segments: a lookup costs the
 * depth of the path, whatever the number of rules. The most specific rule decides, as API
 * Gateway chooses routes: a literal segment before `{param}` before `{proxy+}`, and an exact
 * method before `ANY`. A path no rule matches is denied.
 */
export class RouteTable {
  readonly rules: readonly CompiledRule[];
  private readonly root = newNode();

  constructor(settings: readonly RouteRuleSetting[]) {
    this.rules = settings.map((rule, index) => compileRule(rule, index));
    for (const rule of this.rules) this.insert(rule);
  }

  /** The rule deciding `method path`, or undefined when none matches (deny). */
  match(method: string, path: string): CompiledRule | undefined {
    const segments = splitPath(path);
    return segments ? matchFrom(this.root, segments, 0, method) : undefined;
  }

  private insert(rule: CompiledRule): void {
    const segments = splitPath(rule.path) ?? [];
    let node = this.root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      if (/^\{[^{}]+\+\}$/.test(segment)) {
        if (i !== segments.length - 1) throw ruleError(rule, '{proxy+} must be the last segment');
        node.greedy ??= new Map();
        addRule(node.greedy, rule);
        return;
      }
      if (/^\{[^{}+]+\}$/.test(segment)) {
        node.param ??= newNode();
        node = node.param;
      } else if (/[{}]/.test(segment)) {
        throw ruleError(rule, `segment "${segment}" is neither literal nor {name} nor {name+}`);
      } else {
        const next = node.literal.get(segment) ?? newNode();
        node.literal.set(segment, next);
        node = next;
      }
    }
    node.rules ??= new Map();
    addRule(node.rules, rule);
  }
}

function addRule(byMethod: Map<string, CompiledRule>, rule: CompiledRule): void {
  if (byMethod.has(rule.method)) throw ruleError(rule, `duplicates ${rule.method} ${rule.path}`);
  byMethod.set(rule.method, rule);
}

function matchFrom(node: Node, segments: string[], at: number, method: string): CompiledRule | undefined {
  if (at === segments.length) {
    const found = pick(node.rules, method);
    if (found) return found;
  } else {
    const segment = segments[at] as string;
    const literal = node.literal.get(segment);
    const found =
      (literal && matchFrom(literal, segments, at + 1, method)) ||
      (node.param && segment !== '' && matchFrom(node.param, segments, at + 1, method));
    if (found) return found;
  }
  // {proxy+} needs at least one segment after it.
  return at < segments.length ? pick(node.greedy, method) : undefined;
}

function pick(byMethod: Map<string, CompiledRule> | undefined, method: string): CompiledRule | undefined {
  return byMethod && (byMethod.get(method) ?? byMethod.get('ANY'));
}

/**
 * Percent-escapes that let one path read two ways: `%2e` (a dot segment once decoded), `%2f` and
 * `%5c` (a slash, one segment here, two at the backend), `%25` (double encoding: the next decoder
 * sees a new escape). A client sending a plain path never needs them.
 */
export const AMBIGUOUS_ESCAPES = ['%2e', '%2f', '%5c', '%25'] as const;

/**
 * Why a request path is refused before any route matching, or undefined for a plain path. A dot
 * segment (`/files/../admin`), an escape above or a backslash means the rule matched here might
 * not be the route the backend serves; refusing is safer than guessing how the backend decodes.
 */
export function ambiguousPath(path: string): string | undefined {
  for (const segment of path.split('/')) {
    if (segment === '.' || segment === '..') return 'dot-segment';
  }
  if (path.includes('\\')) return 'backslash';
  const lower = path.toLowerCase();
  const found = AMBIGUOUS_ESCAPES.find((code) => lower.includes(code));
  return found === undefined ? undefined : `escape-${found.slice(1)}`;
}

/** `/items/42` -> `['items', '42']`; `/` -> `[]`; a trailing slash is ignored. */
function splitPath(path: string): string[] | undefined {
  if (path[0] !== '/') return undefined;
  const segments = path.slice(1).split('/');
  if (segments.at(-1) === '') segments.pop();
  return segments;
}

function compileRule(rule: RouteRuleSetting, index: number): CompiledRule {
  const method = rule.method === '*' ? 'ANY' : rule.method;
  const path = rule.path.length > 1 && rule.path.endsWith('/') ? rule.path.slice(0, -1) : rule.path;
  const wildPath = path.replace(/\{[^{}]+\}/g, '*');
  return {
    index,
    method,
    path,
    groups: rule.groups ? new Set(rule.groups) : undefined,
    scopes: rule.scopes ? new Set(rule.scopes) : undefined,
    claims: Object.entries(rule.claims ?? {}).map(([name, value]) => [
      name,
      Array.isArray(value) ? value : [value],
    ]),
    resource: `${method === 'ANY' ? '*' : method}${wildPath}`,
  };
}

function ruleError(rule: CompiledRule, problem: string): ConfigError {
  return new ConfigError(`authorizer.routes.${rule.index} (config/gatehouse.json)`, problem);
}

/** True when the principal meets every requirement the rule lists. */
export function satisfies(principal: Principal, rule: CompiledRule): boolean {
  if (rule.groups && !principal.groups.some((group) => rule.groups?.has(group))) return false;
  if (rule.scopes && !principal.scopes.some((scope) => rule.scopes?.has(scope))) return false;
  for (const [name, allowed] of rule.claims) {
    if (!allowed.includes(principal.claims[name] as ClaimValue)) return false;
  }
  return true;
}

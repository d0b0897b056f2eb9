import fc from 'fast-check';
import type * as v from 'valibot';

/**
 * fast-check arbitraries made from the valibot schemas of `shared/events` (and the HTTP
 * functions' own schemas), so that a fuzz run generates exactly the shapes the parsers accept,
 * then mutates them into the shapes they must refuse.
 */

/** Strings an attacker would try in any field: markup, templates, paths, JSON, control and wide characters. */
export const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '__proto__',
      'constructor',
      'toString',
      '{{name}}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
      '${process.env.AWS_SECRET_ACCESS_KEY}',
      '<script>alert(1)</script>',
      'https://evil.example/login',
      '../../etc/passwd',
      '{"a":1}',
      '[1,2]',
      'null',
      'true',
      '1e309',
      '-0',
      '\u0000',
      '\r\n',
      '\u202e',
      'ａｄｍｉｎ',
      'admin@EXAMPLE.com.',
      'xn--80ak6aa92e.com',
      '{####}',
      '{username}',
      'Bearer ',
      'bearer a.b.c',
      'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/$default/GET/items',
      '203.0.113.7',
      '::ffff:203.0.113.7',
      'CUSTOM_CHALLENGE',
    ),
  },
  // Long values (past Cognito's 2,048 and the authorizer's limits), built cheaply.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 40, max: 1200 }))
      .map(([unit, n]) => `${unit}x`.repeat(n)),
  },
);

const keyString = fc.oneof(
  { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'email',
      'sub',
      'phone_number',
      'given_name',
      'locale',
      'custom:roles',
      'cognito:groups',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'signature',
      'ip',
      'deviceId',
    ),
  },
);

/** Any JSON value (the types a field may wrongly hold). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  hostileString,
  fc.array(fc.oneof(fc.integer(), hostileString), { maxLength: 3 }),
  fc.dictionary(keyString, fc.oneof(fc.integer(), hostileString), { maxKeys: 3 }),
);

type AnySchema = v.GenericSchema & Record<string, any>;

/** An arbitrary of values the schema accepts (for the kinds of schema the events use). */
export function fromSchema(schema: v.GenericSchema, depth = 0): fc.Arbitrary<unknown> {
  const s = schema as AnySchema;
  const base = baseArbitrary(s, depth);
  // Pipes (min lengths, regexes, checks): generate from the base schema, keep what the pipe accepts.
  if (Array.isArray(s.pipe) && s.pipe.length > 1) return base.filter((value) => accepts(s, value));
  return base;
}

function accepts(schema: AnySchema, value: unknown): boolean {
  return !schema['~run']({ value }, { abortEarly: true }).issues;
}

function baseArbitrary(s: AnySchema, depth: number): fc.Arbitrary<unknown> {
  switch (s.type) {
    case 'string':
      return hostileString;
    case 'number':
      return fc.oneof(fc.integer(), fc.double({ noNaN: true }));
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constant(s.literal);
    case 'picklist':
      return fc.constantFrom(...(s.options as unknown[]));
    case 'unknown':
    case 'any':
      return anyJson;
    case 'null':
      return fc.constant(null);
    case 'undefined':
      return fc.constant(undefined);
    case 'optional':
    case 'exact_optional':
      return fc.option(fromSchema(s.wrapped, depth), { nil: undefined, freq: 4 });
    case 'nullable':
      return fc.option(fromSchema(s.wrapped, depth), { nil: null, freq: 4 });
    case 'nullish':
      return fc.oneof(
        { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
        { weight: 4, arbitrary: fromSchema(s.wrapped, depth) },
      );
    case 'array':
      return fc.array(fromSchema(s.item, depth + 1), { maxLength: depth > 2 ? 1 : 4 });
    case 'record':
      return fc.dictionary(
        keyString.filter((key) => accepts(s.key, key)),
        fromSchema(s.value, depth + 1),
        {
          maxKeys: depth > 2 ? 1 : 4,
        },
      );
    case 'object':
    case 'loose_object':
    case 'strict_object':
      return objectArbitrary(s, depth);
    case 'variant':
    case 'union':
      return fc.oneof(...(s.options as v.GenericSchema[]).map((option) => fromSchema(option, depth)));
    default:
      throw new Error(`no arbitrary for valibot schema type "${s.type}"`);
  }
}

/** Every declared field (absent when optional and left out), plus, in loose objects, a few unknown ones. */
function objectArbitrary(s: AnySchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const entries = s.entries as Record<string, AnySchema>;
  const record = fc.record(
    Object.fromEntries(Object.entries(entries).map(([key, entry]) => [key, fromSchema(entry, depth + 1)])),
  );
  const withoutUndefined = record.map((value) =>
    Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)),
  );
  if (s.type !== 'loose_object') return withoutUndefined;
  return fc
    .tuple(withoutUndefined, fc.dictionary(keyString, anyJson, { maxKeys: depth > 0 ? 0 : 2 }))
    .map(([known, extra]) => {
      const merged: Record<string, unknown> = { ...known };
      // Extra fields never replace declared ones (and `__proto__` stays an own key, as JSON.parse makes it).
      for (const [key, value] of Object.entries(extra)) {
        if (!(key in entries))
          Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return merged;
    });
}

/** One step of a mutation: at a path of the event, a value of the wrong type, a removal, or a hostile key. */
type Mutation =
  | { kind: 'replace'; path: number[]; value: unknown }
  | { kind: 'delete'; path: number[] }
  | { kind: 'hostile-key'; path: number[]; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      path: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      value: anyJson,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      path: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('hostile-key' as const),
      path: fc.array(fc.nat(), { maxLength: 3 }),
      key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf'),
      value: anyJson,
    }),
  },
);

/**
 * Events generated from the schema, then changed by 1 to 3 mutations; each step of a path picks
 * among the keys of the object (or items of the array) it reaches, so every field can be hit.
 */
export function mutated(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(base, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([event, steps]) => {
    let current: unknown = structuredClone(event);
    for (const step of steps) current = applyMutation(current, step);
    return current;
  });
}

function applyMutation(root: unknown, step: Mutation): unknown {
  if (root === null || typeof root !== 'object') return step.kind === 'replace' ? step.value : root;
  const path = step.path;
  let node = root as Record<string, unknown>;
  const last = step.kind === 'hostile-key' ? path.length : path.length - 1;
  for (let i = 0; i < last; i++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const next = node[keys[path[i]! % keys.length]!];
    if (next === null || typeof next !== 'object') break;
    node = next as Record<string, unknown>;
  }
  if (step.kind === 'hostile-key') {
    // JSON gives objects such keys (`{"__proto__": ...}`), never arrays.
    if (Array.isArray(node)) return root;
    Object.defineProperty(node, step.key, {
      value: step.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return root;
  }
  const keys = Object.keys(node);
  if (keys.length === 0) return root;
  const key = keys[path[path.length - 1]! % keys.length]!;
  if (step.kind === 'delete') delete node[key];
  else node[key] = step.value;
  return root;
}

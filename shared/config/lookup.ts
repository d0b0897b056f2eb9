/**
 * The value a map (from configuration or from a user) holds under `key` itself, never one it
 * inherits: `map["constructor"]` would otherwise be `Object`, and `map["toString"]` a function,
 * for a group, role, client or claim a user or an administrator named so.
 */
export function ownValue<T>(map: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * The verified-token cache: a bounded map from the whole Authorization header value to what its
 * verification established, least recently used first out. A `Map` keeps insertion order, so a
 * hit is moved to the end (delete, set) and the oldest entry is the first key.
 *
 * Keyed by the whole value rather than a digest of it: hashing ~1 KB costs more than the rest of a
 * cached authorization. The entries are tokens this container was sent, kept at most until their
 * `exp` and at most `capacity` of them.
 */
export class TokenCache<V = unknown> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

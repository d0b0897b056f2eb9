/**
 * The verified-token cache: a bounded map from the whole Authorization header value to what its
 * verification established, least recently used first out.
 *
 * Looked up by the value's last `INDEX_LENGTH` characters (in a JWT, part of the signature), then
 * compared whole: only the exact same string hits. V8 hashes a string key over its whole length
 * the first time it is used, about 1 µs for a 1 KB token, and every request brings a new string:
 * hashing the tail and comparing the rest costs a tenth of that. Two values with one tail (which
 * honest tokens never have: the tail is 190 bits of signature) share one slot, the later one
 * taking it: at worst a miss, never the other's entry.
 *
 * Recency is kept in a doubly linked list of slot numbers (typed arrays allocated once), not by
 * the usual `Map` trick of deleting and re-inserting a hit to move it last: on a `Map` of a
 * thousand entries that trick costs V8 about 3.5 µs a hit, more than the rest of a cached
 * authorization. A hit is one lookup, one comparison and a few integer writes; an insert
 * allocates nothing but the `Map`'s own slot, which matters when tokens come faster than they
 * repeat (objects made per insert would be copied by the garbage collector while they are young).
 *
 * No digest of the token is computed (hashing ~1 KB with a hash function costs more than the rest
 * of a cached authorization). The entries are tokens this container was sent, kept at most until
 * their `exp` and at most `capacity` of them.
 */
/** Characters of a value's end that index it: a 32-character tail of an RS256 signature is 190 bits of it. */
export const INDEX_LENGTH = 32;

const indexOf = (key: string): string => key.slice(-INDEX_LENGTH);

export class TokenCache<V = unknown> {
  /** Slot of each key, by the key's last `INDEX_LENGTH` characters. */
  private readonly slots = new Map<string, number>();
  private readonly keys: (string | undefined)[];
  private readonly values: (V | undefined)[];
  /** Recency list through the slots; slot `capacity` is the sentinel: its `next` is the least recently used. */
  private readonly previous: Int32Array;
  private readonly next: Int32Array;
  /** Slots never used yet, or freed by `delete`. */
  private readonly free: number[];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
    this.keys = new Array(capacity).fill(undefined);
    this.values = new Array(capacity).fill(undefined);
    this.previous = new Int32Array(capacity + 1).fill(capacity);
    this.next = new Int32Array(capacity + 1).fill(capacity);
    this.free = Array.from({ length: capacity }, (_, slot) => capacity - 1 - slot);
  }

  get size(): number {
    return this.slots.size;
  }

  get(key: string): V | undefined {
    const slot = this.slots.get(indexOf(key));
    if (slot === undefined || this.keys[slot] !== key) return undefined;
    this.unlink(slot);
    this.append(slot);
    return this.values[slot];
  }

  set(key: string, value: V): void {
    const index = indexOf(key);
    let slot = this.slots.get(index);
    if (slot !== undefined) {
      this.unlink(slot); // the same key, or another with its tail: this one takes the slot
    } else {
      slot = this.free.pop();
      if (slot === undefined) {
        slot = this.next[this.capacity] as number; // the least recently used
        this.unlink(slot);
        this.slots.delete(indexOf(this.keys[slot] as string));
      }
      this.slots.set(index, slot);
    }
    this.keys[slot] = key;
    this.values[slot] = value;
    this.append(slot);
  }

  delete(key: string): void {
    const index = indexOf(key);
    const slot = this.slots.get(index);
    if (slot === undefined || this.keys[slot] !== key) return;
    this.unlink(slot);
    this.slots.delete(index);
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    this.free.push(slot);
  }

  private unlink(slot: number): void {
    const before = this.previous[slot] as number;
    const after = this.next[slot] as number;
    this.next[before] = after;
    this.previous[after] = before;
  }

  /** Makes `slot` the most recently used. */
  private append(slot: number): void {
    const sentinel = this.capacity;
    const last = this.previous[sentinel] as number;
    this.previous[slot] = last;
    this.next[slot] = sentinel;
    this.next[last] = slot;
    this.previous[sentinel] = slot;
  }
}

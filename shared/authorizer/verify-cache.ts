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
 *
 * `offer` admits a value on its second offer only (a "doorkeeper"): the first verification of a
 * token leaves a 32-bit mark of its tail in a fixed table, the second stores it, the third hits.
 * A token used once is never stored: keeping it (its 1 KB value and its verified claims) until
 * eviction made the garbage collector copy and promote it, which cost the fresh-token path more
 * than the cache's own work (`npm run bench -- authorizer`, (b)); a token used again pays one more
 * signature check before its hits. Marks only decide what is stored, never what hits: a lookup
 * still compares the whole value. Two tails may share a mark (a stray early or late admission).
 */
/** Characters of a value's end that index it: a 32-character tail of an RS256 signature is 190 bits of it. */
export const INDEX_LENGTH = 32;

const indexOf = (key: string): string => key.slice(-INDEX_LENGTH);

/** FNV-1a over a value's index: a mark for the admission table, not a security boundary. */
function fingerprint(index: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < index.length; i++) hash = Math.imul(hash ^ index.charCodeAt(i), 0x01000193);
  return hash;
}

export class TokenCache<V = unknown> {
  /** Slot of each key, by the key's last `INDEX_LENGTH` characters. */
  private readonly slots = new Map<string, number>();
  private readonly keys: (string | undefined)[];
  private readonly values: (V | undefined)[];
  /** Recency list through the slots; slot `capacity` is the sentinel: its `next` is the least recently used. */
  private readonly previous: Int32Array;
  private readonly next: Int32Array;
  /** Slots freed by `delete`. */
  private readonly free: number[] = [];
  /** Slots `0..used-1` have been handed out (a counter, not a list: nothing to build at cold start). */
  private used = 0;
  /** Admission marks (`offer`), at `fingerprint & mask`: twice the capacity, a power of two. */
  private readonly marks: Int32Array;
  private readonly mask: number;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
    this.keys = new Array(capacity).fill(undefined);
    this.values = new Array(capacity).fill(undefined);
    this.previous = new Int32Array(capacity + 1).fill(capacity);
    this.next = new Int32Array(capacity + 1).fill(capacity);
    this.marks = new Int32Array(2 ** Math.ceil(Math.log2(2 * capacity)));
    this.mask = this.marks.length - 1;
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
      slot = this.free.pop() ?? (this.used < this.capacity ? this.used++ : undefined);
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

  /** `set`, from the second offer of `key` on (see the class comment); true when it was stored. */
  offer(key: string, value: V): boolean {
    const mark = fingerprint(indexOf(key));
    const at = mark & this.mask;
    if (this.marks[at] !== mark) {
      this.marks[at] = mark;
      return false;
    }
    this.set(key, value);
    return true;
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

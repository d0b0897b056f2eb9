/**
 * The verified-token cache: a bounded map from the whole Authorization header value to what its
 * verification established, least recently used first out.
 *
 * Looked up by a 32-bit mark of the value's last `INDEX_LENGTH` characters (in a JWT, part of the
 * signature), then compared whole: only the exact same string hits. V8 hashes a string key over
 * its whole length the first time it is used, about 1 µs for a 1 KB token, and every request
 * brings a new string: marking the tail in place and comparing the rest costs a tenth of that,
 * and makes no string. Two values whose tails share a mark (honest tokens almost never: one in
 * four billion) share one slot, the later one taking it: at worst a miss, never the other's entry.
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

/**
 * FNV-1a over a value's last `INDEX_LENGTH` characters, read in place (no slice is made): the
 * number that finds the value's slot and marks it for admission. Not a security boundary: a
 * lookup compares the whole value.
 */
export function tailMark(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, key.length - INDEX_LENGTH); i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  return hash;
}

export class TokenCache<V = unknown> {
  /** Slot of each key, by its tail's mark (a number: no string is hashed or made per lookup). */
  private readonly slots = new Map<number, number>();
  private readonly keys: (string | undefined)[];
  private readonly values: (V | undefined)[];
  /** The tail mark of the key in each slot, to free its index when the slot is reused. */
  private readonly slotMarks: Int32Array;
  /** Recency list through the slots; slot `capacity` is the sentinel: its `next` is the least recently used. */
  private readonly previous: Int32Array;
  private readonly next: Int32Array;
  /** Slots freed by `delete`. */
  private readonly free: number[] = [];
  /** Slots `0..used-1` have been handed out (a counter, not a list: nothing to build at cold start). */
  private used = 0;
  /** Admission marks (`offer`), at `mark & mask`: twice the capacity, a power of two. */
  private readonly marks: Int32Array;
  private readonly mask: number;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`capacity must be a positive integer, got ${capacity}`);
    this.keys = new Array(capacity).fill(undefined);
    this.values = new Array(capacity).fill(undefined);
    this.slotMarks = new Int32Array(capacity);
    this.previous = new Int32Array(capacity + 1).fill(capacity);
    this.next = new Int32Array(capacity + 1).fill(capacity);
    this.marks = new Int32Array(2 ** Math.ceil(Math.log2(2 * capacity)));
    this.mask = this.marks.length - 1;
  }

  get size(): number {
    return this.slots.size;
  }

  get(key: string): V | undefined {
    const slot = this.slots.get(tailMark(key));
    if (slot === undefined || this.keys[slot] !== key) return undefined;
    this.unlink(slot);
    this.append(slot);
    return this.values[slot];
  }

  set(key: string, value: V): void {
    this.store(key, tailMark(key), value);
  }

  /** `set`, from the second offer of `key` on (see the class comment); true when it was stored. */
  offer(key: string, value: V): boolean {
    const mark = tailMark(key);
    const at = mark & this.mask;
    if (this.marks[at] !== mark) {
      this.marks[at] = mark;
      return false;
    }
    this.store(key, mark, value);
    return true;
  }

  delete(key: string): void {
    const mark = tailMark(key);
    const slot = this.slots.get(mark);
    if (slot === undefined || this.keys[slot] !== key) return;
    this.unlink(slot);
    this.slots.delete(mark);
    this.keys[slot] = undefined;
    this.values[slot] = undefined;
    this.free.push(slot);
  }

  private store(key: string, mark: number, value: V): void {
    let slot = this.slots.get(mark);
    if (slot !== undefined) {
      this.unlink(slot); // the same key, or another with its tail's mark: this one takes the slot
    } else {
      slot = this.free.pop() ?? (this.used < this.capacity ? this.used++ : undefined);
      if (slot === undefined) {
        slot = this.next[this.capacity] as number; // the least recently used
        this.unlink(slot);
        this.slots.delete(this.slotMarks[slot] as number);
      }
      this.slots.set(mark, slot);
      this.slotMarks[slot] = mark;
    }
    this.keys[slot] = key;
    this.values[slot] = value;
    this.append(slot);
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

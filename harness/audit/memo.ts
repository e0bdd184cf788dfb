// Memo maps of the search hot path: bounded whatever the log (a full map is cleared, cheaper than
// LRU bookkeeping per lookup), and kept per record type or per syscall in maps of maps.

/** Stores `value` under `key`, first forgetting everything when `map` already holds `limit` entries. */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): V {
  if (map.size >= limit) map.clear();
  map.set(key, value);
  return value;
}

/** The value kept under `key` in `maps`, made by `make` on first use. */
export function mapFor<K, V>(maps: Map<K, V>, key: K, make: () => V): V {
  let m = maps.get(key);
  if (m === undefined) maps.set(key, (m = make()));
  return m;
}

const FRONT_SLOTS = 1024;

/**
 * A bounded memo (like remember()) of texts by a span of a string, `text` from `from` to `to`,
 * with a cheaper front for the long keys of the -i hot path: a direct-mapped table found by a hash
 * of the length and of some 20 characters spread over the span, whose entry is compared in full.
 * Only a miss there slices the key and hashes all of it (V8 hashes at about 1 ns a character).
 */
export class SpanMemo {
  private readonly map = new Map<string, string>();
  private readonly keys: (string | undefined)[] = new Array<string | undefined>(FRONT_SLOTS).fill(undefined);
  private readonly values: string[] = new Array<string>(FRONT_SLOTS).fill('');
  private readonly hashes = new Int32Array(FRONT_SLOTS);

  constructor(private readonly limit: number) {}

  get(text: string, from: number, to: number): string | undefined {
    const h = sampleHash(text, from, to);
    const slot = h & (FRONT_SLOTS - 1);
    const k = this.keys[slot];
    let key: string | undefined;
    if (k !== undefined && this.hashes[slot] === h && k.length === to - from) {
      key = spanOf(text, from, to);
      if (k === key) return this.values[slot];
    }
    key ??= spanOf(text, from, to);
    const v = this.map.get(key);
    if (v !== undefined) this.front(slot, h, key, v);
    return v;
  }

  set(text: string, from: number, to: number, value: string): string {
    const key = spanOf(text, from, to);
    remember(this.map, key, value, this.limit);
    const h = sampleHash(text, from, to);
    this.front(h & (FRONT_SLOTS - 1), h, key, value);
    return value;
  }

  private front(slot: number, h: number, key: string, value: string): void {
    this.keys[slot] = key;
    this.values[slot] = value;
    this.hashes[slot] = h;
  }
}

function spanOf(text: string, from: number, to: number): string {
  return from === 0 && to === text.length ? text : text.slice(from, to);
}

/** A hash of text[from, to): its length, every character of a short span, some 20 of a long one and its last 4. */
function sampleHash(text: string, from: number, to: number): number {
  const n = to - from;
  let h = n;
  const step = n <= 32 ? 1 : n >> 4;
  for (let i = from; i < to; i += step) h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
  for (let i = Math.max(from, to - 4); i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
  return h ^ (h >>> 15);
}

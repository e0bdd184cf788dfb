// Which events a key search (-k KEY) can skip without matching them: an event whose lines cannot give
// extract_search_items a key that holds KEY fails match() whatever else it holds, so matchEvent need not read
// it (and its lines need never become strings). Keys come only from parse_syscall (SYSCALL) and
// parse_simple_message (CONFIG_CHANGE, MAC_*), as `key="…"` (a substring of the line) or unescaped hex / "(…)":
// a line can give a key holding KEY only if KEY's bytes are in it, or some `key=` in it is not followed by a
// quote. Both are found by searches over the whole chunk, one per hit (a per-line search costs more than the
// matching it saves, README "Tried and dropped").
import type { SearchOptions } from './options.js';

const KEY_EQ = Buffer.from('key=', 'latin1');
const QUOTE = 0x22;

/** The record types whose parsers read key= (extractSearchItems: parseSyscall, parseSimpleMessage). */
function readsKey(t: number): boolean {
  return t === 1300 || t === 1305 || (t >= 1403 && t <= 1417);
}

export class KeyFilter {
  /** The chunk the cursors below speak of. */
  private buf: Buffer | undefined = undefined;
  /** The first occurrence of the key's bytes at or after `needleFrom` (buf.length: none). */
  private needleAt = 0;
  private needleFrom = 0;
  /** The first `key=` at or after `keyFrom` (buf.length: none). */
  private keyAt = 0;
  private keyFrom = 0;

  private constructor(private readonly needle: Buffer) {}

  /**
   * A filter for these options, or undefined when skipping an unmatched event could change what the search
   * prints: no -k, a key of other than printable ASCII (its bytes in the log are not its chars), or options
   * whose matching has effects beyond its answer (-f: ausearch's crash; -hn: warnings on stderr; user names: the
   * interpretation list, LoadedList).
   */
  static of(o: SearchOptions): KeyFilter | undefined {
    const k = o.key;
    if (k === undefined || k.length === 0 || !/^[\x20-\x7e]+$/.test(k)) return undefined;
    if (o.file !== undefined || o.hostname !== undefined) return undefined;
    if (o.uidName !== undefined || o.euidName !== undefined || o.loginuidName !== undefined) return undefined;
    return new KeyFilter(Buffer.from(k, 'latin1'));
  }

  /** Can the line buf[start, end) of record type `t` give a key holding the searched one? */
  mayGiveKey(buf: Buffer, start: number, end: number, t: number): boolean {
    if (!readsKey(t)) return false;
    if (buf !== this.buf) {
      this.buf = buf;
      this.needleFrom = this.keyFrom = buf.length + 1;
    }
    if (start < this.needleFrom || this.needleAt < start) {
      this.needleAt = firstAt(buf, this.needle, start);
      this.needleFrom = start;
    }
    if (this.needleAt < end) return true;
    if (start < this.keyFrom || this.keyAt < start) {
      this.keyAt = firstAt(buf, KEY_EQ, start);
      this.keyFrom = start;
    }
    while (this.keyAt < end) {
      if (buf[this.keyAt + 4] !== QUOTE) return true;
      this.keyFrom = this.keyAt + 1;
      this.keyAt = firstAt(buf, KEY_EQ, this.keyFrom);
    }
    return false;
  }
}

function firstAt(buf: Buffer, what: Buffer, from: number): number {
  const i = buf.indexOf(what, from);
  return i < 0 ? buf.length : i;
}

// Which events a key search (-k KEY) can skip without matching them: an event whose lines cannot give
// extract_search_items a key that holds KEY fails match() whatever else it holds, so matchEvent need not read
// it (and its lines need never become strings). Keys come only from parse_syscall (SYSCALL) and
// parse_simple_message (CONFIG_CHANGE, MAC_*), as `key="…"` (a substring of the line) or unescaped hex / "(…)":
// a line can give a key holding KEY only if some `key=` in it is not followed by a quote, or is followed by a
// quoted text holding KEY. The `key=` are found by a search over the whole chunk, one call per hit (a search per
// line costs more than the matching it saves, README "Tried and dropped").
import { parsedAsSimpleMessage } from './items.js';
import type { SearchOptions } from './options.js';

const KEY_EQ = Buffer.from('key=', 'latin1');
const QUOTE = 0x22;

/** The record types whose parsers read key= (extractSearchItems: parseSyscall, parseSimpleMessage). */
function readsKey(t: number): boolean {
  return t === 1300 || parsedAsSimpleMessage(t);
}

export class KeyFilter {
  /** The chunk the cursors below speak of. */
  private buf: Buffer | undefined = undefined;
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
    if (buf !== this.buf || start < this.keyFrom) {
      this.buf = buf;
      this.keyFrom = this.keyAt = -1;
    }
    if (this.keyAt < start) {
      this.keyAt = firstAt(buf, KEY_EQ, start);
      this.keyFrom = start;
    }
    // every key= the parser may read from: unquoted, anything; quoted, the text up to the next quote
    while (this.keyAt < end) {
      const k = this.keyAt;
      if (buf[k + 4] !== QUOTE || this.quotedHolds(buf, k + 5, end)) return true;
      this.keyFrom = k + 1;
      this.keyAt = firstAt(buf, KEY_EQ, k + 1);
    }
    return false;
  }

  /** Does the text at buf[from, end) up to its first quote (none: the whole) hold the needle? */
  private quotedHolds(buf: Buffer, from: number, end: number): boolean {
    const n = this.needle;
    const first = n[0]!;
    for (let i = from; i < end; i++) {
      const c = buf[i]!;
      if (c === QUOTE) return false;
      if (c !== first || i + n.length > end) continue;
      let j = 1;
      while (j < n.length && buf[i + j] === n[j]) j++;
      if (j === n.length) return true;
    }
    return false;
  }
}

function firstAt(buf: Buffer, what: Buffer, from: number): number {
  const i = buf.indexOf(what, from);
  return i < 0 ? buf.length : i;
}

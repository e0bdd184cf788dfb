// Which lines ausearch takes as records, and their time stamps (extract_timestamp and str2event
// in src/ausearch-lol.c): it looks only at the first words of a line, is lenient with numbers,
// and ignores kernel-log lines. The search command uses this instead of the strict parser so
// that it keeps and drops exactly the lines ausearch keeps and drops.
import { INTERP_SEPARATOR, newRecord } from '../records/line.js';
import { lineSeparatorAt } from '../records/lines.js';
import { recordTypeName, recordTypeNumber } from '../records/record-types.js';
import type { AuditRecord } from '../records/types.js';

const LONG_MAX = 9223372036854775807n;

/** C strtoul on the leading digits; undefined on overflow (ERANGE). */
function strtoul(s: string): bigint | undefined {
  const m = /^\s*[+-]?\d*/.exec(s)![0];
  const digits = m.replace(/[^\d-]/g, '');
  if (digits === '' || digits === '-') return 0n;
  let v = BigInt(digits.replace('-', ''));
  if (v > 0xffffffffffffffffn) return undefined;
  if (digits.startsWith('-')) v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
  return v;
}

/** Splits like audit_strsplit: words separated by single or repeated spaces. */
function words(s: string, max: number): string[] {
  return s.split(' ').filter((w) => w.length > 0).slice(0, max);
}

/** The logged text of a record as ausearch holds it: up to the 0x1d separator. */
export function messageOf(r: AuditRecord): string {
  return (r as { message?: string }).message ?? r.raw;
}

/**
 * Parses one line (already cut at any NUL byte) as ausearch does: the record, the error ausearch
 * prints for the line, or undefined for a line it drops silently. `eoeTimeout` matters because
 * ausearch rejects seconds above LONG_MAX - eoeTimeout - 1. `newline`: a newline follows `line` in ausearch's
 * buffer (fgets keeps it, so it ends the last of the first words: "msg=audit(17638344\n" is long enough to be
 * a record, and an error names the stamp with its newline). Inside a LineSink, `line` must be the sink's
 * line or a prefix of it (lineSeparatorAt speaks of that line).
 */
export function searchRecord(line: string, file: string | undefined, lineNo: number, eoeTimeout: number, newline: boolean): AuditRecord | string | undefined {
  return fastRecord(line, file, lineNo, newline) ?? slowRecord(line, file, lineNo, eoeTimeout, newline);
}

function slowRecord(line: string, file: string | undefined, lineNo: number, eoeTimeout: number, newline: boolean): AuditRecord | string | undefined {
  // extract_timestamp reads a copy of the first 340 bytes of a node= line, else 80, newline included.
  const limit = line.startsWith('n') ? 340 : 80;
  const head = newline && line.length < limit ? `${line}\n` : line.slice(0, limit);
  const w = words(head, 3);
  let i = 0;
  let node: string | undefined;
  if (w[0] === undefined) return undefined;
  if (w[0].startsWith('n')) {
    node = w[0].slice(5);
    i = 1;
  }
  const typeWord = w[i];
  const msgWord = w[i + 1];
  if (typeWord === undefined || msgWord === undefined || msgWord.length <= 18) return undefined;
  let open = msgWord[9] === '(' ? 9 : msgWord.indexOf('(');
  if (open < 0) return undefined;
  open++;
  let stamp = msgWord.slice(open);
  const close = stamp.indexOf(')');
  if (close >= 0) stamp = stamp.slice(0, close);
  const bad = `Error extracting time stamp (${stamp})\n`;
  const unsignedSec = strtoul(stamp);
  if (unsignedSec === undefined) return bad;
  // ausearch keeps strtoul's value in a time_t: "-5" (or past LONG_MAX) is a second before 1970
  const sec = BigInt.asIntN(64, unsignedSec);
  if (sec > LONG_MAX - BigInt(eoeTimeout) - 1n) return bad;
  let rest = stamp;
  let milli = 0n;
  const dot = stamp.indexOf('.');
  if (dot >= 0) {
    const m = strtoul(stamp.slice(dot + 1));
    if (m === undefined || m > 999n) return bad;
    milli = m;
    rest = stamp.slice(dot + 1);
  }
  let serial = 0n;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const s = strtoul(rest.slice(colon + 1));
    if (s === undefined) return bad;
    serial = s;
  }
  const typeText = typeWord.slice(5);
  const typeNum = recordTypeNumber(typeText);
  // Fields start after "): " (for -i and for callers that read fields).
  const paren = line.indexOf(')');
  let bodyStart = paren < 0 ? line.length : paren + 1;
  if (line.charCodeAt(bodyStart) === 0x3a) bodyStart++;
  if (line.charCodeAt(bodyStart) === 0x20) bodyStart++;
  return newRecord(
    typeNum >= 0 ? recordTypeName(typeNum) ?? `UNKNOWN[${typeNum}]` : typeText, typeNum >= 0 ? typeNum : -1, node,
    Number(sec), Number(milli), Number(serial), line, file, lineNo, Math.min(bodyStart, line.length), line.indexOf(INTERP_SEPARATOR),
  );
}

const MSG = ' msg=audit(';

/** line.startsWith(MSG, at), unrolled: twice as fast as startsWith or a loop. */
function isMsg(line: string, at: number): boolean {
  return line.charCodeAt(at) === 32 && line.charCodeAt(at + 1) === 109 && line.charCodeAt(at + 2) === 115 &&
    line.charCodeAt(at + 3) === 103 && line.charCodeAt(at + 4) === 61 && line.charCodeAt(at + 5) === 97 &&
    line.charCodeAt(at + 6) === 117 && line.charCodeAt(at + 7) === 100 && line.charCodeAt(at + 8) === 105 &&
    line.charCodeAt(at + 9) === 116 && line.charCodeAt(at + 10) === 40;
}

// Scratch results of digits(): value and end index (no array per call on this hot path).
let dValue = 0;
let dEnd = 0;

/** Reads decimal digits at `i` into dValue/dEnd; false when there are none or more than `max`. */
function digits(s: string, i: number, max: number): boolean {
  let v = 0;
  const start = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  if (i === start || i - start > max) return false;
  dValue = v;
  dEnd = i;
  return true;
}

/** type= words seen, with their number and the name ausearch prints. */
interface TypeWord {
  word: string;
  num: number;
  name: string;
}
const typeWords = new Map<string, TypeWord>();
/**
 * Types met, by their length and last two letters (slot of typeSlot): compared in place, no slice
 * and no hashing of the word, and one compare for a log's usual handful of types.
 */
const byShape: (TypeWord | undefined)[] = new Array(256);

function typeSlot(line: string, end: number): number {
  return ((end - 5) * 7 + line.charCodeAt(end - 1) * 3 + line.charCodeAt(end - 2)) & 255;
}

/** Is line[5, end) `word`? (A loop: startsWith at an offset costs more for these short words.) */
function sameWord(line: string, word: string, end: number): boolean {
  if (word.length !== end - 5) return false;
  for (let i = 0; i < word.length; i++) if (line.charCodeAt(5 + i) !== word.charCodeAt(i)) return false;
  return true;
}

/** The type word of `line`, which runs from 5 to `end`. */
function typeWordAt(line: string, end: number): TypeWord {
  const slot = typeSlot(line, end);
  const t = byShape[slot];
  if (t !== undefined && sameWord(line, t.word, end)) return t;
  const word = line.slice(5, end);
  let known = typeWords.get(word);
  if (known === undefined) {
    const n = recordTypeNumber(word);
    known = { word, num: n, name: n >= 0 ? recordTypeName(n) ?? `UNKNOWN[${n}]` : word };
    if (typeWords.size < 1024) typeWords.set(word, known);
  }
  byShape[slot] = known;
  return known;
}

/**
 * The common case, without allocation beyond the record: `type=NAME msg=audit(SEC.MS:SERIAL): ...`
 * with sane numbers. Anything unusual goes to the general path, which follows ausearch exactly.
 */
function fastRecord(line: string, file: string | undefined, lineNo: number, newline: boolean): AuditRecord | undefined {
  if (line.charCodeAt(0) !== 116 || line.charCodeAt(1) !== 121 || line.charCodeAt(2) !== 112 || line.charCodeAt(3) !== 101 || line.charCodeAt(4) !== 61) return undefined;
  const sp = line.indexOf(' ', 5);
  if (sp < 0 || sp > 60 || !isMsg(line, sp)) return undefined;
  if (!digits(line, sp + MSG.length, 12) || line.charCodeAt(dEnd) !== 0x2e) return undefined;
  const sec = dValue;
  if (!digits(line, dEnd + 1, 3) || line.charCodeAt(dEnd) !== 0x3a) return undefined;
  const msec = dValue;
  if (!digits(line, dEnd + 1, 15) || line.charCodeAt(dEnd) !== 0x29 || dEnd >= 80) return undefined;
  const serial = dValue;
  const close = dEnd;
  // ausearch ignores a msg= word of 18 characters or fewer (the word usually ends at "): ").
  const wordEnd = line.charCodeAt(close + 1) === 0x3a && line.charCodeAt(close + 2) === 0x20 ? close + 2 : line.indexOf(' ', sp + 1);
  // A word that ends the line ends with its newline when the line is within the 80 bytes ausearch copies.
  const end = wordEnd >= 0 ? wordEnd : line.length < 80 ? line.length + (newline ? 1 : 0) : 80;
  if (end - (sp + 1) <= 18) return undefined;
  const known = typeWordAt(line, sp);
  let bodyStart = close + 1;
  if (line.charCodeAt(bodyStart) === 0x3a) bodyStart++;
  if (line.charCodeAt(bodyStart) === 0x20) bodyStart++;
  // The splitter found the line's first 0x1d; a type word may hold one too, before the body.
  const sep = lineSeparatorAt();
  return newRecord(known.name, known.num, undefined, sec, msec, serial, line, file, lineNo, Math.min(bodyStart, line.length),
    sep === -1 || sep >= line.length ? -1 : sep >= bodyStart ? sep : line.indexOf(INTERP_SEPARATOR, bodyStart));
}

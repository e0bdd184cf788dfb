// Which lines ausearch takes as records, and their time stamps (extract_timestamp and str2event
// in src/ausearch-lol.c): it looks only at the first words of a line, is lenient with numbers,
// and ignores kernel-log lines. The search command uses this instead of the strict parser so
// that it keeps and drops exactly the lines ausearch keeps and drops.
import { INTERP_SEPARATOR, newRecord } from '../records/line.js';
import { lineHasNewline, lineSeparatorAt } from '../records/lines.js';
import { ByteRecord } from './byte-record.js';
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

/**
 * Is a record's msg= word too short for a time stamp (18 characters or fewer), counting what follows the text in the
 * buffer the check reads (`newline`: fgets's newline)? ausearch's extract_timestamp drops such a line; auparse, fed
 * the record's text without its newline for --format csv/text, drops the record from its event the same way.
 */
export function stampWordTooShort(text: string, newline: boolean): boolean {
  const w = headWords(text, newline);
  const msgWord = w[w[0]?.startsWith('n') ? 2 : 1];
  return msgWord !== undefined && msgWord.length <= SHORT_MSG_WORD;
}

/** A msg= word this long or shorter holds no time stamp for ausearch or auparse. */
const SHORT_MSG_WORD = 18;

/** The first three words of a line as extract_timestamp reads them: a copy of its first 340 bytes for a node= line, else 80, newline included. */
function headWords(line: string, newline: boolean): string[] {
  const limit = line.startsWith('n') ? 340 : 80;
  return words(newline && line.length < limit ? `${line}\n` : line.slice(0, limit), 3);
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
  const w = headWords(line, newline);
  let i = 0;
  let node: string | undefined;
  if (w[0] === undefined) return undefined;
  if (w[0].startsWith('n')) {
    node = w[0].slice(5);
    i = 1;
  }
  const typeWord = w[i];
  const msgWord = w[i + 1];
  if (typeWord === undefined || msgWord === undefined || msgWord.length <= SHORT_MSG_WORD) return undefined;
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

const MSG_LENGTH = ' msg=audit('.length;

/** buf[at..] starts with ' msg=audit(' (unrolled; a byte past the line is its newline, or undefined). */
function isMsg(buf: Uint8Array, at: number): boolean {
  return buf[at] === 32 && buf[at + 1] === 109 && buf[at + 2] === 115 && buf[at + 3] === 103 && buf[at + 4] === 61 &&
    buf[at + 5] === 97 && buf[at + 6] === 117 && buf[at + 7] === 100 && buf[at + 8] === 105 && buf[at + 9] === 116 &&
    buf[at + 10] === 40;
}

// Scratch results of digits(): value and end index (no array per call on this hot path).
let dValue = 0;
let dEnd = 0;

/** Reads decimal digits at `i`, before `end`, into dValue/dEnd; false when there are none or more than `max`. */
function digits(buf: Uint8Array, i: number, end: number, max: number): boolean {
  let v = 0;
  const start = i;
  for (; i < end; i++) {
    const c = buf[i]! - 48;
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

function typeSlot(buf: Uint8Array, from: number, end: number): number {
  return ((end - from) * 7 + buf[end - 1]! * 3 + buf[end - 2]!) & 255;
}

/** Is buf[from, end) `word`? */
function sameWord(buf: Uint8Array, from: number, end: number, word: string): boolean {
  if (word.length !== end - from) return false;
  for (let i = 0; i < word.length; i++) if (buf[from + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** The type word buf[from, end). */
function typeWordAt(buf: Buffer, from: number, end: number): TypeWord {
  const slot = typeSlot(buf, from, end);
  const t = byShape[slot];
  if (t !== undefined && sameWord(buf, from, end, t.word)) return t;
  const word = (buf as Latin1Buffer).latin1Slice(from, end);
  let known = typeWords.get(word);
  if (known === undefined) {
    const n = recordTypeNumber(word);
    known = { word, num: n, name: n >= 0 ? recordTypeName(n) ?? `UNKNOWN[${n}]` : word };
    if (typeWords.size < 1024) typeWords.set(word, known);
  }
  byShape[slot] = known;
  return known;
}

/** Buffer#latin1Slice (undocumented, stable): what toString('latin1', a, b) calls, without its checks. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

// What fastHeader read: the stamp and where the fields start (relative to the line).
let hSec = 0;
let hMsec = 0;
let hSerial = 0;
let hBody = 0;

/**
 * The common case, read from the line's bytes buf[at, end) with no allocation: `type=NAME
 * msg=audit(SEC.MS:SERIAL): ...` with sane numbers; its type word, the rest in hSec/hMsec/hSerial/hBody.
 * Undefined for anything unusual, which takes the general path (slowRecord), following ausearch exactly.
 */
function fastHeader(buf: Buffer, at: number, end: number, newline: boolean): TypeWord | undefined {
  if (buf[at] !== 116 || buf[at + 1] !== 121 || buf[at + 2] !== 112 || buf[at + 3] !== 101 || buf[at + 4] !== 61) return undefined;
  // the type word's end: a space within the first 61 bytes
  let sp = at + 5;
  const spLimit = Math.min(end, at + 61);
  while (sp < spLimit && buf[sp] !== 32) sp++;
  if (sp >= spLimit || !isMsg(buf, sp)) return undefined;
  if (!digits(buf, sp + MSG_LENGTH, end, 12) || buf[dEnd] !== 0x2e || dEnd >= end) return undefined;
  const sec = dValue;
  if (!digits(buf, dEnd + 1, end, 3) || buf[dEnd] !== 0x3a || dEnd >= end) return undefined;
  const msec = dValue;
  if (!digits(buf, dEnd + 1, end, 15) || buf[dEnd] !== 0x29 || dEnd >= end || dEnd - at >= 80) return undefined;
  const close = dEnd;
  // ausearch ignores a msg= word of 18 characters or fewer (the word usually ends at "): ").
  let wordEnd: number;
  if (close + 2 < end && buf[close + 1] === 0x3a && buf[close + 2] === 0x20) wordEnd = close + 2;
  else {
    wordEnd = sp + 1;
    while (wordEnd < end && buf[wordEnd] !== 32) wordEnd++;
    // A word that ends the line ends with its newline when the line is within the 80 bytes ausearch copies.
    if (wordEnd >= end) wordEnd = end - at < 80 ? end + (newline ? 1 : 0) : at + 80;
  }
  if (wordEnd - (sp + 1) <= SHORT_MSG_WORD) return undefined;
  hSec = sec;
  hMsec = msec;
  hSerial = dValue;
  let body = close + 1;
  if (body < end && buf[body] === 0x3a) body++;
  if (body < end && buf[body] === 0x20) body++;
  hBody = body - at;
  return typeWordAt(buf, at + 5, sp);
}

/** The common case of a line given as a string (see fastHeader). */
function fastRecord(line: string, file: string | undefined, lineNo: number, newline: boolean): AuditRecord | undefined {
  const buf = Buffer.from(line, 'latin1');
  const known = fastHeader(buf, 0, buf.length, newline);
  if (known === undefined) return undefined;
  const sep = lineSeparatorAt();
  return newRecord(known.name, known.num, undefined, hSec, hMsec, hSerial, line, file, lineNo, hBody,
    sep === -1 || sep >= line.length ? -1 : sep >= hBody ? sep : line.indexOf(INTERP_SEPARATOR, hBody));
}

/**
 * Inside a LineByteSink call, for a line with no NUL: its record as searchRecord would make it, kept as bytes
 * (ByteRecord); null when the line takes the general path (searchRecord on its string).
 */
export function searchByteRecord(buf: Buffer, start: number, end: number, file: string | undefined, lineNo: number): ByteRecord | null {
  const known = fastHeader(buf, start, end, lineHasNewline());
  if (known === undefined) return null;
  // The splitter found the line's first 0x1d; one inside the type word, before the body, takes the general path.
  const sep = lineSeparatorAt();
  if (sep >= 0 && sep < hBody) return null;
  return new ByteRecord(known.name, known.num, hSec, hMsec, hSerial, buf, start, end, file, lineNo, hBody, sep);
}

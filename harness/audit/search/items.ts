// The searchable values of an event, taken from its records the way ausearch does
// (extract_search_items in src/ausearch-parse.c, 3.0.9): plain substring scans of the logged
// text, only for the options in use, and a record missing a field an option needs makes the
// whole event unmatchable. One function per C parser, each reading what the supported options
// (-p, -pp, -ui, -ue, -ul, -ua, --success, -k, -sc, -m, -c, -x, --session, -e, --arch, -gi, -ge, -ga,
// -tm, -hn, -uu, -vm, -su, -o, -se, -f, the output formats) need, with the same return codes, and only when the
// option is given (so an option not in use costs nothing).
// A value that C reads moves where the parser looks for the next one (its `term`), so the reads keep
// C's order. Types that no parser takes (EXECVE, PROCTITLE, ... and unknown ones) contribute nothing,
// as in ausearch.
import type { AuditEvent, AuditRecord } from '../records/types.js';
import type { SearchOptions } from './options.js';
import type { LoadedList } from './match.js';
import { messageOf } from './ausearch-line.js';
import { searchUserName } from '../records/interpret/ids.js';
import { printEscaped } from '../records/interpret/text.js';
import { enrichedText, interpretationList } from '../records/interpret/enriched.js';
import { ERANGE, strtol } from '../records/interpret/cnum.js';
import { ipv6Host } from '../records/interpret/sockaddr.js';

/** ausearch's unset session (uint32_t -2), which --session never compares against. */
export const SESSION_UNSET = 0xfffffffe;

export interface SearchItems {
  arch?: number;
  syscall?: number;
  /** S_FAILED (0), S_SUCCESS (1), or whatever number a res= held. */
  success?: number;
  pid?: number;
  ppid?: number;
  uid?: number;
  euid?: number;
  loginuid?: number;
  /**
   * The uid, euid and auid that were last given a name (s->tuid, s->teuid, s->tauid: lookup_uid), for
   * -ui NAME and the like: every parser that reads them does so, except parse_daemon1 for the uid.
   */
  tuidOf?: number;
  teuidOf?: number;
  tauidOf?: number;
  /**
   * With a name option, ausearch loads the enriched part of the event's first record (when the event has one
   * record or starts with a SYSCALL) before it parses, and lookup_uid names every uid by that part's UID=,
   * EUID= or AUID= when it has one (load_interpretations in src/ausearch-match.c).
   */
  interp?: Map<string, string>;
  keys?: string[];
  /** ses= as a uint32 (undefined: ausearch's -2, unset); read only for --session. */
  session?: number;
  /** SYSCALL's exit= (strtoll, base 0); read only for -e. */
  exit?: bigint;
  /** comm= and exe=, unescaped when hex (undefined: NULL, as when unescape fails); read only for -c / -x. */
  comm?: string;
  exe?: string;
  /** gid and egid (undefined: ausearch's -1); read only for -gi/-ge/-ga. */
  gid?: number;
  egid?: number;
  /** tty=/terminal=, uuid=, vm= (undefined: NULL); read only for -tm, -uu, -vm. */
  terminal?: string;
  /** hostname=/addr=, a SOCKADDR's address, NETFILTER_PKT's saddr= (undefined: NULL); read only for -hn. */
  hostname?: string;
  uuid?: string;
  vmname?: string;
  /** Subject and object contexts (anodes' scontext, tcontext), read only for -su/-se and -o/-se. */
  subjects?: string[];
  objects?: string[];
  /** Is s->avc there: an AVC or USER_AVC was parsed, or a context read (parse_kernel then reads no subj=). */
  avc?: boolean;
  /**
   * For -f only: the names the parsers read (s->filename: undefined, no list; ausearch creates it before it
   * reads a name, so a bad name can leave it empty) and the cwd (s->cwd; undefined: NULL).
   */
  files?: string[];
  cwd?: string;
}

/** Sets the uid as the parsers that also look up its name (s->tuid) do. */
function setUid(items: SearchItems, v: number): void {
  items.tuidOf = items.uid = u32(v);
}

/** Sets the auid, whose name every parser looks up (s->tauid). */
function setLoginuid(items: SearchItems, v: number): void {
  items.tauidOf = items.loginuid = u32(v);
}

/**
 * lookup_uid's name for a uid a parser named (s->tuid, s->teuid, s->tauid): the loaded enriched value, else
 * root, unset or this machine's name; undefined for no lookup, or none (NULL).
 */
export function lookupName(items: SearchItems, field: 'uid' | 'euid' | 'auid', uid: number | undefined): string | undefined {
  if (uid === undefined) return undefined;
  return items.interp?.get(field) ?? searchUserName(uid);
}

/** Is s->tauid set? */
function loginuidNamed(items: SearchItems): boolean {
  return lookupName(items, 'auid', items.tauidOf) !== undefined;
}

/** Is s->tuid set? lookup_uid gives NULL for a uid this machine has no name for. */
function uidNamed(items: SearchItems): boolean {
  return lookupName(items, 'uid', items.tuidOf) !== undefined;
}

/** The names of an enriched part, with the values print_escaped gives (cut at a NUL, as C compares them). */
function enrichedNames(text: string | undefined): Map<string, string> | undefined {
  const list = text === undefined ? undefined : interpretationList(text);
  if (list === undefined) return undefined;
  const names = new Map<string, string>();
  for (const [name, value] of list) names.set(name, printEscaped(value).split('\0')[0]!);
  return names;
}

/** strtoul of s[from, end), with errno: NaN on overflow (C sets ERANGE); `end` is where the C code cut the string. */
function strtoulTo(s: string, from: number, end: number, base: 10 | 16): number {
  // Fast path: plain digits that fit a double exactly, read in place.
  let v = 0;
  let i = from;
  for (; i < end && i - from < 13; i++) {
    const d = digitValue(s.charCodeAt(i), base);
    if (d < 0) break;
    v = v * base + d;
  }
  if (i > from && (i === end || digitValue(s.charCodeAt(i), base) < 0)) return v;
  return strtoulSlow(end === s.length ? s : s.slice(0, end), from, base);
}

function digitValue(c: number, base: 10 | 16): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (base === 16 && c >= 97 && c <= 102) return c - 87;
  if (base === 16 && c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** strtoul(s, NULL, base) from `from` to the end of `s`. */
function strtoul(s: string, from: number, base: 10 | 16): number {
  return strtoulTo(s, from, s.length, base);
}

function strtoulSlow(s: string, from: number, base: 10 | 16): number {
  let i = from;
  while (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09) i++;
  let neg = false;
  if (s[i] === '-' || s[i] === '+') { neg = s[i] === '-'; i++; }
  if (base === 16 && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) i += 2;
  let v = 0n;
  const start = i;
  const re = base === 16 ? /[0-9a-fA-F]/ : /[0-9]/;
  while (i < s.length && re.test(s[i]!)) i++;
  if (i === start) return 0;
  v = BigInt(base === 16 ? `0x${s.slice(start, i)}` : s.slice(start, i));
  if (v > 0xffffffffffffffffn) return Number.NaN;
  if (neg) v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
  // every caller keeps 32 bits (uid_t, pid_t, uint32_t, int): cut here, where the double would still be exact
  return Number(BigInt.asUintN(32, v));
}

/** Truncates to 32 bits like the C int/uid_t fields ausearch stores them in. */
function u32(n: number): number {
  return n >>> 0;
}

/**
 * A number read the way ausearch's parsers do: strstr(msg + from, label), then strtoul of the value up to
 * the next space. `end` is that space, or -1 when the value ends the message (allowed only with `mayEnd`,
 * C's `if (term) *term = 0`; without it a missing space is 'open'). 'range' is strtoul's ERANGE.
 */
type Read = { v: number; end: number; at: number } | 'missing' | 'open' | 'range';

function readNum(msg: string, from: number, label: string, mayEnd = false, base: 10 | 16 = 10, skip = label.length): Read {
  const at = msg.indexOf(label, from);
  if (at < 0) return 'missing';
  const p = at + skip;
  const sp = msg.indexOf(' ', p);
  if (sp < 0 && !mayEnd) return 'open';
  const v = strtoulTo(msg, p, sp < 0 ? msg.length : sp, base);
  if (Number.isNaN(v)) return 'range';
  return { v, end: sp, at: p };
}

/** The parser's return code for a failed read (0 when the read worked, or when `missing` is 0: an optional field). */
function fail(r: Read, missing: number, open: number, range: number): number {
  if (r === 'missing') return missing;
  if (r === 'open') return open;
  if (r === 'range') return range;
  return 0;
}

/** Where the next search starts after a value that may end the message: its space, or (C: term = ptr) its start. */
function after(r: { end: number; at: number }): number {
  return r.end < 0 ? r.at : r.end;
}

/** `res=N` read with strtoul up to a space or the end (the kernel's numeric res); `range` is the code on ERANGE. */
function numericRes(msg: string, from: number, items: SearchItems, range: number): number {
  const r = readNum(msg, from, 'res=', true);
  if (r === 'range') return range;
  if (typeof r !== 'string') items.success = u32(r.v);
  return 0;
}

/**
 * unescape (src/ausearch-lookup.c) of msg from p: "(...)" up to its ')' as is, else the hex digits there
 * decoded (an odd last digit is a high nibble), as a C string (cut at a NUL); undefined where C gives NULL.
 */
function unescape(msg: string, p: number): string | undefined {
  const b = unescapeBytes(msg, p);
  const nul = b === undefined ? -1 : b.indexOf('\0');
  return nul < 0 ? b : b!.slice(0, nul);
}

/** How many hex digits start at p. */
function hexRun(msg: string, p: number): number {
  let e = p;
  while (e < msg.length && digitValue(msg.charCodeAt(e), 16) >= 0) e++;
  return e - p;
}

/** unescape's buffer with its NULs (parse_sockaddr reads it as a struct sockaddr). */
function unescapeBytes(msg: string, p: number): string | undefined {
  if (msg.charCodeAt(p) === 0x28 /* ( */) {
    const close = msg.indexOf(')', p);
    return close < 0 ? undefined : msg.slice(p, close + 1);
  }
  const e = p + hexRun(msg, p);
  if (e - p < 2) return undefined;
  let out = '';
  for (let i = p; i < e; i += 2) {
    out += String.fromCharCode(digitValue(msg.charCodeAt(i), 16) * 16 + (i + 1 < e ? digitValue(msg.charCodeAt(i + 1), 16) : 0));
  }
  return out;
}

const OPEN = Symbol('open');
/**
 * Where the search goes on after the last readText/textField/readSession: a quoted value's closing quote,
 * a number's end, or -1 (nothing read, or an unquoted text: C leaves term where it was).
 */
let readEnd = -1;

/** A comm=/exe= value at p (just past the '='): up to the next '"' when quoted (OPEN: none), else unescape's. */
function readText(msg: string, p: number): string | undefined | typeof OPEN {
  if (msg.charCodeAt(p) === 0x22) {
    const close = msg.indexOf('"', p + 1);
    if (close < 0) return OPEN;
    readEnd = close;
    return msg.slice(p + 1, close);
  }
  readEnd = -1;
  return unescape(msg, p);
}

/**
 * A comm= or exe= at or after `from` into items: 0, `open` for a quote not closed, `missing` when there is none
 * (0: optional). Sets readEnd.
 */
function textField(msg: string, from: number, label: 'comm=' | 'exe=', items: SearchItems, open: number, missing = 0): number {
  readEnd = -1;
  const at = msg.indexOf(label, from);
  if (at < 0) return missing;
  const v = readText(msg, at + label.length);
  if (v === OPEN) return open;
  if (label === 'comm=') items.comm = v;
  else items.exe = v;
  return 0;
}

/** An optional ses= at or after `from` (codes for a value not ended, out of range; with `mayEnd` it may end the message). Sets readEnd. */
function readSession(msg: string, from: number, items: SearchItems, open: number, range: number, mayEnd = false): number {
  readEnd = -1;
  const r = readNum(msg, from, 'ses=', mayEnd);
  const rc = fail(r, 0, open, range);
  if (rc || typeof r === 'string') return rc;
  items.session = u32(r.v);
  readEnd = after(r);
  return 0;
}

/** A value (a context, a tty) read up to the next space (to the end with `mayEnd`, then end is -1; else 'open'). */
type Ctx = { text: string; end: number; at: number } | 'missing' | 'open';

function readContext(msg: string, from: number, label: string, mayEnd = false): Ctx {
  const at = msg.indexOf(label, from);
  if (at < 0) return 'missing';
  const p = at + label.length;
  const sp = msg.indexOf(' ', p);
  if (sp < 0 && !mayEnd) return 'open';
  return { text: msg.slice(p, sp < 0 ? msg.length : sp), end: sp, at: p };
}

function addContext(items: SearchItems, kind: 'subjects' | 'objects', text: string): void {
  items.avc = true;
  (items[kind] ??= []).push(text);
}

/**
 * An optional context (subj= unless told) at or after `from`, into items: 0, or `open` when no space ends it
 * (with `open` 0 it may end the message). Sets readEnd to its space (-1: none, or nothing read).
 */
function readSubject(msg: string, from: number, items: SearchItems, open: number, label = 'subj=', kind: 'subjects' | 'objects' = 'subjects'): number {
  readEnd = -1;
  const c = readContext(msg, from, label, open === 0);
  if (c === 'missing') return 0;
  if (c === 'open') return open;
  addContext(items, kind, c.text);
  readEnd = c.end;
  return 0;
}

/** An unquoted key= at p: unescape's text cut into keys at \x01 (strtok: no empty ones); undefined where C's unescape fails. */
function unescapeKey(msg: string, p: number): string[] | undefined {
  return unescape(msg, p)?.split('\x01').filter((k) => k);
}

// Returns 0 on success, a non-zero code like ausearch when the record is malformed for the options.
function readKey(msg: string, at: number, items: SearchItems): number {
  let p = at + 4;
  items.keys ??= [];
  if (msg[p] === '"') {
    p++;
    const q = msg.indexOf('"', p);
    if (q < 0) return 44;
    items.keys.push(msg.slice(p, q));
  } else {
    const ks = unescapeKey(msg, p);
    if (!ks) return 45;
    items.keys.push(...ks);
  }
  return 0;
}

/** auid=, or the older loginuid=, at or after `from`. */
function readAuid(msg: string, from: number): Read {
  const r = readNum(msg, from, 'auid=');
  return r === 'missing' ? readNum(msg, from, 'loginuid=') : r;
}

/** parse_task_info: the process fields of SYSCALL, FEATURE_CHANGE and ANOM_LINK, each search starting where the last value ended. */
function parseTaskInfo(msg: string, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  let rc: number;
  if (o.ppid !== undefined) {
    const r = readNum(msg, term, 'ppid=');
    if ((rc = fail(r, 0, 14, 15))) return rc;
    if (typeof r !== 'string') { items.ppid = r.v | 0; term = r.end; }
  }
  if (o.pid !== undefined) {
    const r = readNum(msg, term, ' pid=');
    if ((rc = fail(r, 16, 17, 18)) || typeof r === 'string') return rc;
    items.pid = r.v | 0;
    term = r.end;
  }
  if (o.loginuid !== undefined) {
    const r = readAuid(msg, term);
    if ((rc = fail(r, 19, 20, 21)) || typeof r === 'string') return rc;
    setLoginuid(items, r.v);
    term = r.end;
  }
  if (o.uid !== undefined) {
    // "uid=" may hit the end of "auid=": search again just past it.
    let at = msg.indexOf('uid=', term);
    while (at > 0 && msg[at - 1] === 'a') {
      term = at + 1;
      at = msg.indexOf('uid=', term);
    }
    const r = readNum(msg, term, 'uid=');
    if ((rc = fail(r, 22, 23, 24)) || typeof r === 'string') return rc;
    setUid(items, r.v);
    term = r.end;
  }
  if (o.gid !== undefined) {
    if ((rc = taskGid(msg, term, 'gid', [25, 26, 27], items))) return rc;
    term = numEnd;
  }
  if (o.euid !== undefined) {
    const r = readNum(msg, term, 'euid=');
    if ((rc = fail(r, 28, 29, 30)) || typeof r === 'string') return rc;
    items.teuidOf = items.euid = u32(r.v);
    term = r.end;
  }
  if (o.egid !== undefined) {
    if ((rc = taskGid(msg, term, 'egid', [31, 32, 33], items))) return rc;
    term = numEnd;
  }
  if (o.terminal !== undefined) {
    // optional; the value is what lies before the next space
    const c = readContext(msg, term, 'tty=');
    if (c === 'open') return 34;
    if (c !== 'missing') { items.terminal = c.text; term = c.end; }
  }
  if (o.session !== undefined) {
    if ((rc = readSession(msg, term, items, 35, 36))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.comm !== undefined) {
    // required here; the last record's wins
    if ((rc = textField(msg, term, 'comm=', items, 37, 38))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.exe !== undefined) {
    // required, and looked for from the start of the record
    if ((rc = textField(msg, 0, 'exe=', items, 39, 40))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.subject !== undefined) {
    if ((rc = readSubject(msg, term, items, 41))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.success !== undefined) return numericRes(msg, term, items, 43);
  return 0;
}

/** parse_task_info's gid= and egid=: required, where the last value ended; 0 (numEnd is then its end) or the code. */
function taskGid(msg: string, from: number, field: 'gid' | 'egid', codes: [number, number, number], items: SearchItems): number {
  const r = syscallNumber(msg, from, `${field}=`, 10, codes);
  if (typeof r === 'number') return r;
  items[field] = u32(r.v);
  numEnd = r.end;
  return 0;
}

/** `name` then a number ended by a space, at or after `from`: its value and end, or the error code. */
function syscallNumber(msg: string, from: number, name: string, base: 10 | 16, codes: [number, number, number]): Exclude<Read, string> | number {
  const r = readNum(msg, from, name, false, base);
  return typeof r === 'string' ? fail(r, ...codes) : r;
}

// The value and end of the last scanNum (no object per read: every SYSCALL record takes four).
let numValue = 0;
let numEnd = 0;

/** readNum of a value ended by a space, into numValue/numEnd: 0, or 1 missing, 2 open, 3 range. */
function scanNum(msg: string, from: number, label: string, base: 10 | 16): number {
  const at = msg.indexOf(label, from);
  if (at < 0) return 1;
  const p = at + label.length;
  const sp = msg.indexOf(' ', p);
  if (sp < 0) return 2;
  const v = strtoulTo(msg, p, sp, base);
  if (Number.isNaN(v)) return 3;
  numValue = v;
  numEnd = sp;
  return 0;
}

/**
 * scanNum for a value that is only checked, not kept (a0, a1): 16 hex digits or fewer cannot overflow, so
 * strtoul runs only on longer ones.
 */
function skipNum(msg: string, from: number, label: string): number {
  const at = msg.indexOf(label, from);
  if (at < 0) return 1;
  const p = at + label.length;
  const sp = msg.indexOf(' ', p);
  if (sp < 0) return 2;
  if (sp - p > 16 && Number.isNaN(strtoulTo(msg, p, sp, 16))) return 3;
  numEnd = sp;
  return 0;
}

/** parse_syscall: arch (only for --format/-m... as ausearch: report_format > RPT_DEFAULT or a machine), syscall, success, a0, a1, task info, key. */
function parseSyscall(msg: string, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  let bad: number;
  // Return codes: arch 1-3, syscall 4-6, a0 and a1 11-13 (missing, open, range).
  if (o.format !== 'default' && o.format !== 'raw' || o.machine !== undefined) {
    if ((bad = scanNum(msg, term, 'arch=', 16))) return bad;
    items.arch = u32(numValue);
    term = numEnd;
  }
  if ((bad = scanNum(msg, term, 'syscall=', 10))) return 3 + bad;
  items.syscall = u32(numValue);
  term = numEnd;
  if (o.success !== undefined) {
    const at = msg.indexOf('success=', term);
    if (at >= 0) {
      const sp = msg.indexOf(' ', at + 8);
      if (sp < 0) return 7;
      term = sp;
      items.success = msg.slice(at + 8, sp) === 'yes' ? 1 : 0;
    }
  }
  if (o.exit !== undefined) {
    // required; a0= is then looked for after it
    const at = msg.indexOf('exit=', term);
    if (at < 0) return 8;
    const sp = msg.indexOf(' ', at + 5);
    if (sp < 0) return 9;
    const v = strtol(msg.slice(at + 5, sp), 0);
    if (v === ERANGE) return 10;
    items.exit = v;
    term = sp;
  }
  if ((bad = skipNum(msg, term, 'a0='))) return 10 + bad;
  term = numEnd;
  if ((bad = skipNum(msg, term, 'a1='))) return 10 + bad;
  term = numEnd;
  const rc = parseTaskInfo(msg, o, items);
  if (rc) return rc;
  if (o.key !== undefined) {
    const at = msg.indexOf('key=', term);
    if (at >= 0) return readKey(msg, at, items);
  }
  return 0;
}

/**
 * parse_user (USER, USER_*, and USER_AVC through parse_avc): pid, uid, auid, then a second uid= (USER_LOGIN's
 * id of the account), acct= (moves where res= is looked for), res='...' or result=(...).
 */
function parseUser(r: AuditRecord, msg: string, typeNum: number, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  let rc: number;
  if (o.pid !== undefined) {
    const r = readNum(msg, term, 'pid=');
    if ((rc = fail(r, 1, 2, 3)) || typeof r === 'string') return rc;
    items.pid = r.v | 0;
    term = r.end;
  }
  if (o.uid !== undefined) {
    const r = readNum(msg, term, 'uid=');
    if ((rc = fail(r, 4, 5, 6)) || typeof r === 'string') return rc;
    setUid(items, r.v);
    term = r.end;
  }
  if (o.loginuid !== undefined) {
    const r = readAuid(msg, term);
    if ((rc = fail(r, 7, 8, 9)) || typeof r === 'string') return rc;
    setLoginuid(items, r.v);
    term = r.end;
  }
  if (o.session !== undefined) {
    if ((rc = readSession(msg, term, items, 10, 11))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.subject !== undefined) {
    if ((rc = readSubject(msg, term, items, 12))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.object !== undefined && typeNum === 1107) {
    // USER_AVC's tcontext= (kept only when a space ends it), then tclass=: each moves the search past it, or to
    // its start when it ends the message
    for (const label of ['tcontext=', 'tclass=']) {
      const c = readContext(msg, term, label, true);
      if (typeof c === 'string') continue;
      if (c.end >= 0 && label === 'tcontext=') addContext(items, 'objects', c.text);
      term = c.end < 0 ? c.at : c.end;
    }
  }
  if (o.gid !== undefined && (typeNum === 1116 || typeNum === 1117 || typeNum === 1132)) {
    // ADD_GROUP, DEL_GROUP: " id="; GRP_MGMT also "gid=" (both 4 characters before the value)
    let at = msg.indexOf(' id=', term);
    if (at < 0 && typeNum === 1132) at = msg.indexOf('gid=', term);
    if (at >= 0) {
      const g = readNum(msg, at, msg.startsWith('gid=', at) ? 'gid=' : ' id=');
      if ((rc = fail(g, 0, 31, 32)) || typeof g === 'string') return rc;
      items.gid = u32(g.v);
      term = g.end;
    }
  }
  if (o.vmname !== undefined) {
    // quoted (then the search goes on after it) or hex; unescape's NULL is no name
    const at = msg.indexOf('vm=', term);
    if (at >= 0) {
      const v = readText(msg, at + 3);
      if (v === OPEN) return 23;
      items.vmname = v;
      if (readEnd >= 0) term = readEnd;
    }
  }
  if (o.uuid !== undefined) {
    // up to a space, a ':' or the end; empty is an error
    const at = msg.indexOf('uuid=', term);
    if (at >= 0) {
      let e = at + 5;
      while (e < msg.length && msg[e] !== ' ' && msg[e] !== ':') e++;
      if (e === at + 5) return 24;
      items.uuid = msg.slice(at + 5, e);
      term = e;
    }
  }
  if (typeNum === 2502) {
    // VIRT_MACHINE_ID: the vm's context is a subject, its image's an object
    if (o.subject !== undefined) {
      if ((rc = readSubject(msg, term, items, 27, 'vm-ctx='))) return rc;
      if (readEnd >= 0) term = readEnd;
    }
    if (o.object !== undefined) {
      if ((rc = readSubject(msg, term, items, 29, 'img-ctx=', 'objects'))) return rc;
      if (readEnd >= 0) term = readEnd;
    }
  } else if (o.file !== undefined && typeNum === 2501) {
    // VIRT_RESOURCE: path=, else new-disk=; the second uid= is looked for from the name on
    const path = msg.indexOf(' path=', term);
    const disk = path < 0 ? msg.indexOf(' new-disk=', term) : -1;
    const p = path >= 0 ? path + 6 : disk + 10;
    if (path >= 0 || disk >= 0) {
      if ((rc = commonPath(msg, p, items))) return rc;
      term = p;
    }
  }
  if (o.uid !== undefined) {
    // Some records (USER_LOGIN) carry the uid that matters second: skip auid=, stop at suid=/ouid=-like names.
    for (;;) {
      const at = msg.indexOf('uid=', term);
      if (at < 0) break;
      const before = msg[at - 1];
      if (before === 'a') { term = at + 1; continue; }
      if (before === 's' || before === 'u') break;
      if (before !== "'" && before !== ' ') return 25;
      let e = at + 4;
      while (e < msg.length && msg.charCodeAt(e) >= 48 && msg.charCodeAt(e) <= 57) e++;
      if (e === at + 4) return 14;
      const v = strtoulTo(msg, at + 4, e, 10);
      if (Number.isNaN(v)) return 15;
      setUid(items, v);
      term = e;
      break;
    }
  }
  let mptr = term;
  if (o.comm !== undefined) {
    if ((rc = textField(msg, mptr, 'comm=', items, 16))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  // acct= is always read; the search for exe= and res= starts where it ends (else where a quoted comm= did).
  const acct = msg.indexOf('acct=', mptr);
  if (acct >= 0) {
    const p = acct + 5;
    let e: number;
    if (msg[p] === '"') {
      e = msg.indexOf('"', p + 1);
      if (e < 0) e = msg.length;
    } else {
      e = msg.indexOf(' ', p);
      if (e < 0) e = msg.length;
    }
    term = e;
  }
  mptr = term;
  if (o.hostname !== undefined) {
    // up to a ',' anywhere after it, else a space; "?" gives way to the addr= after it
    const at = msg.indexOf('hostname=', mptr);
    if (at >= 0) {
      let e = cutAt(msg, at + 9, ',');
      if (e < 0) return 17;
      items.hostname = msg.slice(at + 9, e);
      const addr = items.hostname === '?' ? msg.indexOf('addr=', e + 1) : -1;
      if (addr >= 0) {
        e = cutAt(msg, addr + 5, ',');
        if (e < 0) return 18;
        items.hostname = msg.slice(addr + 5, e);
      }
    }
  }
  if (o.file !== undefined) {
    // the last cwd= of the event wins (NULL when unescape fails)
    const v = userText(msg, mptr, 'cwd=');
    if (v === OPEN) return 20;
    if (v !== NONE) items.cwd = v;
  }
  if (o.terminal !== undefined) {
    // up to a space, else up to a ')', which C leaves a space (the record prints so)
    const at = msg.indexOf('terminal=', mptr);
    if (at >= 0) {
      let e = msg.indexOf(' ', at + 9);
      if (e < 0) {
        e = msg.indexOf(')', at + 9);
        if (e < 0) return 19;
        msg = `${msg.slice(0, e)} ${msg.slice(e + 1)}`;
        r.raw = `${r.raw.slice(0, e)} ${r.raw.slice(e + 1)}`; // the message is the start of raw
      }
      items.terminal = msg.slice(at + 9, e);
    }
  }
  if (o.exe !== undefined) {
    const v = userText(msg, mptr, 'exe=');
    if (v === OPEN) return 26;
    if (v !== NONE) items.exe = v;
  }
  if (o.success !== undefined) {
    const at = msg.indexOf('res=', mptr);
    if (at >= 0) {
      if (msg.indexOf("'", at + 4) < 0) return 21;
      items.success = msg.startsWith('failed', at + 4) ? 0 : 1;
    } else {
      const r = msg.indexOf('result=', mptr);
      if (r >= 0) {
        const p = msg.indexOf(')', r + 7);
        if (p < 0) return 22;
        items.success = msg.slice(r + 7, p).toLowerCase() === 'success' ? 1 : 0;
      }
    }
  }
  return 0;
}

const NONE = Symbol('none');
/**
 * parse_user's cwd= and exe= at or after `from`: quoted (OPEN: not closed), else up to a space, unescaped only
 * when the whole word is hex (older logs wrote them so); NONE when there is none.
 */
function userText(msg: string, from: number, label: 'cwd=' | 'exe='): string | undefined | typeof OPEN | typeof NONE {
  const at = msg.indexOf(label, from);
  if (at < 0) return NONE;
  const p = at + 4;
  const v = readText(msg, p);
  if (v === OPEN || readEnd >= 0) return v;
  let e = msg.indexOf(' ', p);
  if (e < 0) e = msg.length;
  return p + hexRun(msg, p) >= e ? unescape(msg, p) : msg.slice(p, e);
}

/** parse_login (LOGIN, the kernel's record of a loginuid change): pid, uid, the new auid (the value may end the line), res. */
function parseLogin(msg: string, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  let rc: number;
  if (o.pid !== undefined) {
    const r = readNum(msg, term, 'pid=');
    if ((rc = fail(r, 1, 2, 3)) || typeof r === 'string') return rc;
    items.pid = r.v | 0;
    term = r.end;
  }
  if (o.uid !== undefined) {
    const r = readNum(msg, term, 'uid=');
    if ((rc = fail(r, 4, 5, 6)) || typeof r === 'string') return rc;
    setUid(items, r.v);
    term = r.end;
  }
  if (o.subject !== undefined) {
    // C keeps the context with its "subj=" in front (-w needs it)
    const c = readContext(msg, term, 'subj=');
    if (c === 'open') return 12;
    if (c !== 'missing') { addContext(items, 'subjects', `subj=${c.text}`); term = c.end; }
  }
  if (o.loginuid !== undefined) {
    // "new auid=" (before 3.14), " auid=" (3.14 on), "new loginuid=" (older still).
    const label = ['new auid=', ' auid=', 'new loginuid='].find((l) => msg.indexOf(l, term) >= 0);
    if (label === undefined) return 7;
    const r = readNum(msg, term, label, true);
    if ((rc = fail(r, 7, 7, 8)) || typeof r === 'string') return rc;
    setLoginuid(items, r.v);
    term = r.end < 0 ? 0 : r.end; // a value ending the line: res= is looked for from the start
  }
  if (o.success !== undefined) {
    const r = readNum(msg, term, 'res=', true);
    if (r === 'range') return 9;
    items.success = typeof r === 'string' ? 1 : u32(r.v); // older kernels: always successful
    if (typeof r !== 'string') term = r.end < 0 ? 0 : r.end;
  }
  if (o.session !== undefined) {
    // required: "new ses=" (before 3.14) or " ses="; the value may end the line
    let r = readNum(msg, term, 'new ses=', true);
    if (r === 'missing') r = readNum(msg, term, ' ses=', true);
    if (r === 'missing') return 14;
    if (r === 'range') return 11;
    if (typeof r !== 'string') items.session = u32(r.v);
  }
  return 0;
}

/** parse_daemon1 (DAEMON_START/END/ABORT/CONFIG/ROTATE/RESUME): after the first ')': auid, pid, optional uid, res=word. */
function parseDaemon1(msg: string, o: SearchOptions, items: SearchItems): number {
  const paren = msg.indexOf(')');
  const mptr = paren < 0 ? 0 : paren;
  let term = mptr;
  let rc: number;
  if (o.loginuid !== undefined) {
    const r = readNum(msg, mptr, 'auid=');
    if ((rc = fail(r, 1, 2, 3)) || typeof r === 'string') return rc;
    setLoginuid(items, r.v);
    term = r.end;
  }
  if (o.pid !== undefined) {
    const r = readNum(msg, term, 'pid=');
    if ((rc = fail(r, 4, 5, 6)) || typeof r === 'string') return rc;
    items.pid = r.v | 0;
    term = r.end;
  }
  if (o.uid !== undefined) {
    const r = readNum(msg, term, ' uid=');
    if ((rc = fail(r, 0, 7, 8))) return rc;
    if (typeof r !== 'string') { items.uid = u32(r.v); term = r.end; }
  }
  if (o.session !== undefined) {
    if ((rc = readSession(msg, term, items, 9, 10))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.subject !== undefined) readSubject(msg, term, items, 0);
  if (o.success !== undefined) return wordRes(msg, mptr, items, 12);
  return 0;
}

/** res= followed by letters ("success"/"failed"), as the daemon parsers read it; `empty` is the code for no letters. */
function wordRes(msg: string, from: number, items: SearchItems, empty: number): number {
  const at = msg.indexOf('res=', from);
  if (at < 0) return 0;
  let e = at + 4;
  while (e < msg.length && /[A-Za-z]/.test(msg[e]!)) e++;
  if (e === at + 4) return empty;
  items.success = msg.startsWith('failed', at + 4) ? 0 : 1;
  return 0;
}

/** parse_daemon2 (DAEMON_ACCEPT/CLOSE): addr= up to a ':' or a space (res= is looked for from there), res=. */
function parseDaemon2(msg: string, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  if (o.hostname !== undefined) {
    const at = msg.indexOf('addr=');
    if (at >= 0) {
      const e = cutAt(msg, at + 5, ':');
      if (e < 0) return 1;
      items.hostname = msg.slice(at + 5, e);
      term = e;
    }
  }
  return o.success !== undefined ? wordRes(msg, term, items, 2) : 0;
}

/** strchr(p, c), else strchr(p, ' '): where a value starting at p ends, -1 for neither. */
function cutAt(msg: string, p: number, c: string): number {
  const e = msg.indexOf(c, p);
  return e >= 0 ? e : msg.indexOf(' ', p);
}

/**
 * parse_sockaddr (SOCKADDR), for -hn and -f: the address getnameinfo prints for AF_INET and AF_INET6 (too short
 * a value warns and fails the event); any other family, or AF_UNIX, leaves no hostname, even one read before.
 * For -f, an AF_UNIX socket's path (past its first byte when that is a NUL: an abstract name) is a name.
 */
function parseSockaddr(msg: string, o: SearchOptions, items: SearchItems, warn: (text: string) => void): number {
  if (o.hostname === undefined && o.file === undefined) return 0;
  const at = msg.indexOf('saddr=');
  if (at < 0) return 0;
  const p = at + 6;
  // the length: a "(...)" text with both parentheses, else the whole bytes of the hex
  const close = msg.charCodeAt(p) === 0x28 ? msg.indexOf(')', p) : -1;
  const len = close >= 0 ? close - p + 1 : hexRun(msg, p) >> 1;
  const text = unescapeBytes(msg, p);
  items.hostname = undefined;
  if (text === undefined) return 4;
  // unescape's buffer, followed by C's NUL
  const b = Buffer.from(`${text}\0`, 'latin1');
  const family = b.readUInt16LE(0);
  if (family === 2) {
    if (len < 16) { warn('sockaddr len too short\n'); return 1; }
    if (o.hostname !== undefined) items.hostname = `${b[4]}.${b[5]}.${b[6]}.${b[7]}`;
  } else if (family === 10) {
    if (len < 28) { warn('sockaddr6 len too short\n'); return 2; }
    if (o.hostname !== undefined) items.hostname = ipv6Host(b);
  } else if (family === 1) {
    if (len < 4) { warn('sun_path len too short\n'); return 3; }
    if (o.file !== undefined) {
      const from = b[2] ? 2 : 3;
      (items.files ??= []).push(b.toString('latin1', from, b.indexOf(0, from)));
    }
  }
  return 0;
}


/** parse_pkt (NETFILTER_PKT): saddr= as logged, up to a space (-hn); obj= after it (-o). */
function parsePkt(msg: string, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  if (o.hostname !== undefined) {
    const c = readContext(msg, 0, 'saddr=');
    if (c === 'open') return 1;
    if (c !== 'missing') { items.hostname = c.text; term = c.end; }
  }
  if (o.object !== undefined) readSubject(msg, term, items, 0, 'obj=', 'objects');
  return 0;
}

/** The record types extract_search_items hands to parse_simple_message: CONFIG_CHANGE and MAC_*. */
export function parsedAsSimpleMessage(t: number): boolean {
  return t === 1305 || (t >= 1403 && t <= 1417);
}

/** parse_simple_message (CONFIG_CHANGE, MAC_*): auid (optional for CONFIG_CHANGE, may end the line), key, res. */
function parseSimpleMessage(msg: string, typeNum: number, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  let rc: number;
  if (o.loginuid !== undefined) {
    const r = readNum(msg, term, 'auid=', true);
    if ((rc = fail(r, typeNum === 1305 ? 0 : 1, 0, 2))) return rc;
    if (typeof r !== 'string') { setLoginuid(items, r.v); term = after(r); }
  }
  if (o.session !== undefined) {
    if ((rc = readSession(msg, term, items, 0, 3, true))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.subject !== undefined) {
    // a context ending the message leaves the search at its start
    const c = readContext(msg, term, 'subj=', true);
    if (c !== 'missing' && c !== 'open') { addContext(items, 'subjects', c.text); term = c.end < 0 ? c.at : c.end; }
  }
  if (o.key !== undefined) {
    const at = msg.indexOf('key=', term);
    if (at >= 0) {
      rc = readKey(msg, at, items);
      if (rc) return rc === 44 ? 6 : 8;
      // res= is looked for after a quoted key
      if (msg.charCodeAt(at + 4) === 0x22) term = msg.indexOf('"', at + 5);
    }
  }
  // The kernel logs CONFIG_CHANGE res= only sometimes: ausearch assumes success, then reads res=.
  if (typeNum === 1305) items.success = 1;
  if (o.success !== undefined) return numericRes(msg, term, items, 7);
  return 0;
}

/**
 * parse_avc (AVC, USER_AVC): denied/granted before '{', the permissions up to '}', then USER_AVC goes to parse_user.
 * Cutting the permissions, C writes a space over the '}' when no space came before it: the record prints so.
 */
function parseAvc(r: AuditRecord, msg: string, typeNum: number, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  const avc = msg.indexOf('avc: ');
  if (avc >= 0) {
    const brace = msg.indexOf('{', avc + 5);
    if (brace >= 0) {
      if (o.success !== undefined) items.success = msg.slice(avc + 5, brace).includes('denied') ? 0 : 1;
      const close = msg.indexOf('}', brace + 1);
      if (close < 0) return 2;
      term = close;
      while (msg.charCodeAt(term - 1) === 32) term--; // C's term: the first space before the '}'
      if (msg.charCodeAt(close - 1) !== 32) {
        msg = `${msg.slice(0, close)} ${msg.slice(close + 1)}`;
        r.raw = `${r.raw.slice(0, close)} ${r.raw.slice(close + 1)}`; // the message is the start of raw
      }
    }
  }
  if (typeNum === 1107) {
    // parse_user reads the whole record again; its errors past 20 (res=, result=) are ignored here.
    const rc = parseUser(r, msg, typeNum, o, items);
    items.avc = true;
    return rc > 20 ? 0 : rc;
  }
  if (o.pid !== undefined) {
    const r = readNum(msg, term, 'pid=');
    const rc = fail(r, 0, 3, 4);
    if (rc) return rc;
    if (typeof r !== 'string') { items.pid = r.v | 0; term = r.end; }
  }
  if (o.comm !== undefined && items.comm === undefined) {
    // required unless an earlier record gave one; tclass= is then looked for after it
    const at = msg.indexOf('comm=', term);
    if (at < 0) return 5;
    const p = at + 5;
    const v = readText(msg, p);
    if (v === OPEN) return 6;
    if (v === undefined) return 11;
    items.comm = v;
    // unquoted: C's term = str + 6, whatever the length of the value (past the end: no tclass= there)
    term = readEnd >= 0 ? readEnd : p + 6;
  }
  if (o.file !== undefined) {
    // path=, else name=; then tclass= is looked for 7 past where the search started
    let at = msg.indexOf(' path=', term);
    if (at < 0) at = msg.indexOf(' name=', term);
    if (at >= 0) {
      const rc = commonPath(msg, at + 6, items);
      if (rc) return rc;
      term += 7;
    }
  }
  let scontext: string | undefined;
  let tcontext: string | undefined;
  if (o.subject !== undefined) {
    const c = readContext(msg, term, 'scontext=');
    if (c === 'open') return 7;
    if (c !== 'missing') { scontext = c.text; term = c.end; }
  }
  if (o.object !== undefined) {
    const c = readContext(msg, term, 'tcontext=');
    if (c === 'open') return 8;
    if (c !== 'missing') { tcontext = c.text; term = c.end; }
  }
  // The class is required (a cut AVC makes the whole event unmatchable).
  if (msg.indexOf('tclass=', term) < 0) return 9;
  items.avc = true;
  if (scontext !== undefined) addContext(items, 'subjects', scontext);
  if (tcontext !== undefined) addContext(items, 'objects', tcontext);
  return 0;
}

/** parse_kernel_anom (SECCOMP, ANOM_PROMISCUOUS, ANOM_ABEND): auid, uid (from the start when no auid is asked for), pid, SECCOMP's arch/syscall, res. */
function parseKernelAnom(msg: string, typeNum: number, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  let rc: number;
  if (o.loginuid !== undefined) {
    const r = readNum(msg, term, 'auid=', true);
    if ((rc = fail(r, 1, 0, 2)) || typeof r === 'string') return rc;
    setLoginuid(items, r.v);
    term = after(r);
  }
  if (o.uid !== undefined) {
    const r = readNum(msg, term, 'uid=');
    if ((rc = fail(r, 0, 3, 4))) return rc;
    if (typeof r !== 'string') { setUid(items, r.v); term = r.end; }
  }
  if (o.gid !== undefined) {
    const r = readNum(msg, term, 'gid=');
    if ((rc = fail(r, 0, 5, 6))) return rc;
    if (typeof r !== 'string') { items.gid = u32(r.v); term = r.end; }
  }
  if (o.session !== undefined) {
    if ((rc = readSession(msg, term, items, 0, 7, true))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (typeNum === 1700) return 0; // ANOM_PROMISCUOUS: nothing else
  if (o.subject !== undefined) {
    if ((rc = readSubject(msg, term, items, 8))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.pid !== undefined) {
    const r = readNum(msg, term, 'pid=');
    if ((rc = fail(r, 0, 10, 11))) return rc;
    if (typeof r !== 'string') { items.pid = r.v | 0; term = r.end; }
  }
  if (o.comm !== undefined) {
    if ((rc = textField(msg, term, 'comm=', items, 12))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.exe !== undefined) {
    // required, except in ANOM_ABEND
    if ((rc = textField(msg, term, 'exe=', items, 13, typeNum !== 1701 ? 14 : 0))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (typeNum === 1326) {
    // A few kernels log SECCOMP without arch=: then nothing more is read, not even res=.
    const arch = syscallNumber(msg, term, 'arch=', 16, [0, 15, 16]);
    if (arch === 0) return 0;
    if (typeof arch === 'number') return arch;
    items.arch = u32(arch.v);
    const sc = syscallNumber(msg, arch.end, 'syscall=', 10, [17, 18, 19]);
    if (typeof sc === 'number') return sc;
    items.syscall = u32(sc.v);
    term = sc.end;
  }
  if (o.success !== undefined) return numericRes(msg, term, items, 68);
  return 0;
}

/**
 * The start parse_integrity and parse_tty share: pid= (codes 1, 2), then " uid=" read from its '=' as C does
 * (no digits: always 0; codes 3, 4). Returns the code and where the next search starts.
 */
function pidAndZeroUid(msg: string, readPid: boolean, o: SearchOptions, items: SearchItems): [number, number] {
  let term = 0;
  let rc: number;
  if (readPid) {
    const r = readNum(msg, 0, 'pid=');
    if ((rc = fail(r, 0, 1, 2))) return [rc, term];
    if (typeof r !== 'string') { items.pid = r.v | 0; term = r.end; }
  }
  if (o.uid !== undefined) {
    const r = readNum(msg, term, ' uid=', false, 10, 4);
    if ((rc = fail(r, 0, 3, 4))) return [rc, term];
    if (typeof r !== 'string') { setUid(items, r.v); term = r.end; }
  }
  return [0, term];
}

/** parse_integrity (INTEGRITY_DATA..INTEGRITY_RULE): pid (whatever the options), uid 0, auid from the start, res. */
function parseIntegrity(msg: string, o: SearchOptions, items: SearchItems): number {
  let [rc, term] = pidAndZeroUid(msg, true, o, items);
  if (rc) return rc;
  if (o.loginuid !== undefined) {
    const r = readNum(msg, 0, 'auid=');
    if ((rc = fail(r, 0, 5, 6))) return rc;
    if (typeof r !== 'string') { setLoginuid(items, r.v); term = r.end; }
  }
  if (o.session !== undefined) {
    if ((rc = readSession(msg, term, items, 10, 11))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.subject !== undefined) {
    if ((rc = readSubject(msg, term, items, 12))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.comm !== undefined) {
    if ((rc = textField(msg, term, 'comm=', items, 7))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.file !== undefined) {
    const at = msg.indexOf(' name=', term);
    if (at >= 0 && commonPath(msg, at + 6, items)) return 8;
  }
  if (o.success !== undefined) return numericRes(msg, term, items, 9);
  return 0;
}

/** parse_tty (TTY): pid, uid 0, auid (required, may end the line). */
function parseTty(msg: string, o: SearchOptions, items: SearchItems): number {
  let [rc, term] = pidAndZeroUid(msg, o.pid !== undefined, o, items);
  if (rc) return rc;
  if (o.loginuid !== undefined) {
    const r = readNum(msg, term, 'auid=', true);
    if ((rc = fail(r, 5, 0, 6)) || typeof r === 'string') return rc;
    setLoginuid(items, r.v);
    term = after(r);
  }
  if (o.session !== undefined) {
    if ((rc = readSession(msg, term, items, 7, 8))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.comm !== undefined) {
    if ((rc = textField(msg, term, 'comm=', items, 11))) return rc;
  }
  return 0;
}

/**
 * parse_kernel (NETFILTER_CFG, EVENT_LISTENER): fills only what no earlier record of the event did
 * (ausearch's unset values: pid -1, uid -1 with no name looked up, auid -2); pid is required, a missing uid is
 * 0, a missing auid -1.
 */
function parseKernel(msg: string, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  let rc: number;
  if (o.pid !== undefined && (items.pid === undefined || (items.pid | 0) === -1)) {
    const r = readNum(msg, term, ' pid=');
    if ((rc = fail(r, 54, 52, 53)) || typeof r === 'string') return rc;
    items.pid = r.v | 0;
    term = r.end;
  }
  if (o.uid !== undefined && (items.uid === undefined || items.uid === 0xffffffff) && !uidNamed(items)) {
    const r = readNum(msg, term, 'uid=');
    if ((rc = fail(r, 0, 55, 56))) return rc;
    if (typeof r === 'string') setUid(items, 0);
    else { setUid(items, r.v); term = r.end; }
  }
  if (o.loginuid !== undefined && (items.loginuid === undefined || items.loginuid === 0xfffffffe) && !loginuidNamed(items)) {
    const r = readNum(msg, term, 'auid=');
    if ((rc = fail(r, 0, 57, 58))) return rc;
    if (typeof r === 'string') setLoginuid(items, 0xffffffff);
    else { setLoginuid(items, r.v); term = r.end; }
  }
  if (o.terminal !== undefined && items.terminal === undefined) {
    const c = readContext(msg, term, 'tty=');
    if (c === 'open') return 59;
    if (c === 'missing') items.terminal = '(none)';
    else { items.terminal = c.text; term = c.end; }
  }
  if (o.session !== undefined && (items.session ?? SESSION_UNSET) === SESSION_UNSET) {
    const r = readNum(msg, term, 'ses=');
    if ((rc = fail(r, 0, 60, 61))) return rc;
    if (typeof r === 'string') items.session = 0xffffffff;
    else { items.session = u32(r.v); term = r.end; }
  }
  if (o.subject !== undefined && !items.avc) {
    // required here
    const c = readContext(msg, term, 'subj=');
    if (c === 'missing') return 64;
    if (c === 'open') return 62;
    addContext(items, 'subjects', c.text);
    term = c.end;
  }
  if (o.comm !== undefined && items.comm === undefined) {
    if ((rc = textField(msg, term, 'comm=', items, 65, 66))) return rc;
    if (readEnd >= 0) term = readEnd;
  }
  if (o.exe !== undefined && items.exe === undefined) {
    // looked for from the start of the record; none is the text "(null)"
    const at = msg.indexOf('exe=');
    if (at < 0) items.exe = '(null)';
    else {
      const v = readText(msg, at + 4);
      if (v === OPEN) return 67;
      items.exe = v;
      if (readEnd >= 0) term = readEnd;
    }
  }
  if (o.success !== undefined) return numericRes(msg, term, items, 69);
  return 0;
}

/** PATH_MAX: a relative name joined to the cwd is cut to PATH_MAX - 1 bytes (snprintf). */
const PATH_MAX = 4096;
/** parse_path and parse_dir look for their field past the record's type and time (ausearch's NAME_OFFSET). */
const NAME_OFFSET = 28;

/**
 * common_path_parser: the name at p into items.files, which is created first (a bad name leaves it empty):
 * quoted up to the next '"' (2: none), "(null)", else hex (4: not hex), which needs a space after it (5) unless
 * it starts "00" (an abstract socket name, decoded from past the 00); 7 where unescape fails. A name that
 * starts with "./" or ".." is joined to the cwd read so far.
 */
function commonPath(msg: string, p: number, items: SearchItems): number {
  const files = (items.files ??= []);
  let name: string | undefined;
  if (msg.charCodeAt(p) === 0x22) {
    const close = msg.indexOf('"', p + 1);
    if (close < 0) return 2;
    name = msg.slice(p + 1, close);
  } else if (msg.startsWith('(null)', p)) {
    files.push('(null)');
    return 0;
  } else {
    if (digitValue(msg.charCodeAt(p), 16) < 0) return 4;
    if (msg.startsWith('00', p)) name = unescape(msg, p + 2);
    else if (msg.indexOf(' ', p) < 0) return 5;
    else name = unescape(msg, p);
    if (name === undefined) return 7;
  }
  if (name[0] === '.' && (name[1] === '.' || name[1] === '/') && items.cwd !== undefined) {
    name = `${items.cwd}/${name}`.slice(0, PATH_MAX - 1);
  }
  files.push(name);
  return 0;
}

/**
 * parse_path (PATH): for -f its name=, looked for past the type and time (NAME_OFFSET), and the obj= for -o after
 * it (from the name when there is one).
 */
function parsePath(msg: string, o: SearchOptions, items: SearchItems): number {
  let term = Math.min(NAME_OFFSET, msg.length);
  if (o.file !== undefined) {
    const at = msg.indexOf(' name=', term);
    if (at >= 0) {
      const rc = commonPath(msg, at + 6, items);
      if (rc) return rc;
      term = at + 6;
    }
  }
  if (o.object !== undefined) readSubject(msg, term, items, 0, 'obj=', 'objects');
  return 0;
}

/**
 * The records read only for -f: CWD (parse_dir: the event's first cwd, 1 for a quote not closed even then) and
 * AVC_PATH (avc_parse_path: 1 without path=; CONFIG_CHANGE's path= is read the same way).
 */
function parseFileRecord(t: number, msg: string, items: SearchItems): number {
  if (t === 1402) {
    const at = msg.indexOf(' path=');
    return at >= 0 ? commonPath(msg, at + 6, items) : 1;
  }
  const at = msg.indexOf(' cwd=', NAME_OFFSET);
  if (at < 0) return 0;
  const v = readText(msg, at + 5);
  if (v === OPEN) return 1;
  if (items.cwd === undefined) items.cwd = v;
  return 0;
}

/** Search items of an event, or undefined when ausearch would skip it as malformed. */
export function extractSearchItems(event: AuditEvent, o: SearchOptions, list: LoadedList, warn: (text: string) => void): SearchItems | undefined {
  const items: SearchItems = {};
  const head = event.records[0];
  if (o.uidName !== undefined || o.euidName !== undefined || o.loginuidName !== undefined) {
    // load_interpretations: an event of one record or starting with a SYSCALL loads its first record's part;
    // any other names its uids by the list an earlier event's output left loaded.
    if (head !== undefined && (event.records.length === 1 || head.typeNum === 1300)) {
      list.text = enrichedText(head.raw);
      list.byMatch = true;
    }
    items.interp = enrichedNames(list.text);
  }
  for (const r of event.records) {
    const t = r.typeNum ?? -1;
    const msg = messageOf(r);
    let rc = 0;
    if (t === 1300) rc = parseSyscall(msg, o, items);
    else if (t === 1006) rc = parseLogin(msg, o, items);
    else if (t === 1005 || (t >= 1100 && t <= 1106) || (t >= 1108 && t <= 1199) || (t >= 2100 && t <= 2999)) rc = parseUser(r, msg, t, o, items);
    else if (t === 1200 || t === 1201 || t === 1202 || t === 1203 || t === 1205 || t === 1206) rc = parseDaemon1(msg, o, items);
    else if (t === 1207 || t === 1208) rc = parseDaemon2(msg, o, items);
    else if (parsedAsSimpleMessage(t)) {
      rc = parseSimpleMessage(msg, t, o, items);
      // CONFIG_CHANGE's path=, read by avc_parse_path whose code is ignored (older records have none)
      if (t === 1305 && o.file !== undefined) parseFileRecord(1402, msg, items);
    }
    else if (t === 1400 || t === 1107) rc = parseAvc(r, msg, t, o, items);
    else if (t === 1328 || t === 1702) rc = parseTaskInfo(msg, o, items); // FEATURE_CHANGE, ANOM_LINK
    else if (t === 1326 || t === 1700 || t === 1701) rc = parseKernelAnom(msg, t, o, items);
    else if (t >= 1800 && t <= 1805) rc = parseIntegrity(msg, o, items);
    else if (t === 1325 || t === 1335) rc = parseKernel(msg, o, items);
    else if (t === 1319) rc = parseTty(msg, o, items);
    else if (t === 1306) rc = parseSockaddr(msg, o, items, warn);
    else if (t === 1324) rc = parsePkt(msg, o, items);
    else if (t === 1302) rc = parsePath(msg, o, items);
    // IPC and OBJ_PID (parse_obj): obj= for -o, from the start
    else if ((t === 1303 || t === 1318) && o.object !== undefined) readSubject(msg, 0, items, 0, 'obj=', 'objects');
    else if (o.file !== undefined && (t === 1307 || t === 1402)) rc = parseFileRecord(t, msg, items);
    if (rc) return undefined;
  }
  return items;
}

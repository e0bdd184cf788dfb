// The searchable values of an event, taken from its records the way ausearch does
// (extract_search_items in src/ausearch-parse.c, 3.0.9): plain substring scans of the logged
// text, only for the options in use, and a record missing a field an option needs makes the
// whole event unmatchable. Covers the record types this project meets (SYSCALL, LOGIN, USER_*,
// DAEMON_*, CONFIG_CHANGE, AVC); others contribute nothing, as in ausearch.
import type { AuditEvent } from '../records/types.js';
import type { SearchOptions } from './options.js';
import { messageOf } from './ausearch-line.js';

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
  keys?: string[];
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
  return Number(v);
}

/** Truncates to 32 bits like the C int/uid_t fields ausearch stores them in. */
function u32(n: number): number {
  return n >>> 0;
}

/** Finds `what` at or after `from`, then the value up to the next space; undefined when no space follows. */
class Cursor {
  constructor(readonly msg: string, public term = 0) {}
  find(what: string, from = this.term): number {
    return this.msg.indexOf(what, from);
  }
  /** Index of the space ending the value starting at `at`, or -1. */
  space(at: number): number {
    return this.msg.indexOf(' ', at);
  }
}

// Returns 0 on success, a non-zero code like ausearch when the record is malformed for the options.
function unescapeKey(s: string): string[] | undefined {
  let raw: string;
  if (s.startsWith('(')) {
    const close = s.indexOf(')');
    raw = close < 0 ? s : s.slice(0, close + 1);
    return raw.length ? raw.split('\x01').filter((k) => k) : undefined;
  }
  const m = /^[0-9a-fA-F]*/.exec(s)![0];
  if (m.length < 2) return undefined;
  let out = '';
  for (let i = 0; i + 1 < m.length; i += 2) out += String.fromCharCode(parseInt(m.slice(i, i + 2), 16));
  const nul = out.indexOf('\0');
  if (nul >= 0) out = out.slice(0, nul);
  return out.split('\x01').filter((k) => k);
}

function readKey(msg: string, at: number, items: SearchItems): number {
  let p = at + 4;
  items.keys ??= [];
  if (msg[p] === '"') {
    p++;
    const q = msg.indexOf('"', p);
    if (q < 0) return 44;
    items.keys.push(msg.slice(p, q));
  } else {
    const ks = unescapeKey(msg.slice(p));
    if (!ks) return 45;
    items.keys.push(...ks);
  }
  return 0;
}

function taskInfo(c: Cursor, o: SearchOptions, items: SearchItems): number {
  const msg = c.msg;
  const num = (at: number, base: 10 | 16 = 10): number | undefined => {
    const sp = c.space(at);
    if (sp < 0) return undefined;
    c.term = sp;
    return strtoulTo(msg, at, sp, base);
  };
  if (o.ppid !== undefined) {
    const at = c.find('ppid=');
    if (at >= 0) {
      const v = num(at + 5);
      if (v === undefined) return 14;
      if (Number.isNaN(v)) return 15;
      items.ppid = v;
    }
  }
  if (o.pid !== undefined) {
    const at = c.find(' pid=');
    if (at < 0) return 16;
    const v = num(at + 5);
    if (v === undefined) return 17;
    if (Number.isNaN(v)) return 18;
    items.pid = v;
  }
  if (o.loginuid !== undefined) {
    let at = c.find('auid=');
    let skip = 5;
    if (at < 0) {
      at = c.find('loginuid=');
      if (at < 0) return 19;
      skip = 9;
    }
    const v = num(at + skip);
    if (v === undefined) return 20;
    if (Number.isNaN(v)) return 21;
    items.loginuid = v;
  }
  if (o.uid !== undefined) {
    let from = c.term;
    let at: number;
    for (;;) {
      at = c.find('uid=', from);
      if (at < 0) return 22;
      if (at > 0 && msg[at - 1] === 'a') { from = at + 1; continue; }
      break;
    }
    const v = num(at + 4);
    if (v === undefined) return 23;
    if (Number.isNaN(v)) return 24;
    items.uid = v;
  }
  if (o.euid !== undefined) {
    const at = c.find('euid=');
    if (at < 0) return 28;
    const v = num(at + 5);
    if (v === undefined) return 29;
    if (Number.isNaN(v)) return 30;
    items.euid = v;
  }
  return 0;
}

/** `name` then a number ended by a space, at or after the cursor (c.term moves past it). */
function syscallNumber(c: Cursor, name: string, base: 10 | 16, codes: number): number {
  const at = c.find(name);
  if (at < 0) return -(codes >> 16);
  const from = at + name.length;
  const sp = c.space(from);
  if (sp < 0) return -((codes >> 8) & 0xff);
  c.term = sp;
  const v = strtoulTo(c.msg, from, sp, base);
  if (Number.isNaN(v)) return -(codes & 0xff);
  return v;
}

/** Error codes of syscallNumber: missing, unterminated, out of range (one byte each). */
const codes = (missing: number, open: number, range: number) => (missing << 16) | (open << 8) | range;
const ARCH_CODES = codes(1, 2, 3);
const SYSCALL_CODES = codes(4, 5, 6);
const ARG_CODES = codes(11, 12, 13);

function parseSyscall(msg: string, o: SearchOptions, items: SearchItems): number {
  const c = new Cursor(msg);
  if (o.format !== 'default' && o.format !== 'raw' || o.machine !== undefined) {
    const v = syscallNumber(c, 'arch=', 16, ARCH_CODES);
    if (v < 0) return -v;
    items.arch = u32(v);
  }
  const sc = syscallNumber(c, 'syscall=', 10, SYSCALL_CODES);
  if (sc < 0) return -sc;
  items.syscall = u32(sc);
  if (o.success !== undefined) {
    const at = c.find('success=');
    if (at >= 0) {
      const sp = c.space(at + 8);
      if (sp < 0) return 7;
      c.term = sp;
      items.success = msg.slice(at + 8, sp) === 'yes' ? 1 : 0;
    }
  }
  const a0 = syscallNumber(c, 'a0=', 16, ARG_CODES);
  if (a0 < 0) return -a0;
  const a1 = syscallNumber(c, 'a1=', 16, ARG_CODES);
  if (a1 < 0) return -a1;
  const rc = taskInfo(c, o, items);
  if (rc) return rc;
  if (o.key !== undefined) {
    const at = c.find('key=');
    if (at >= 0) return readKey(msg, at, items);
  }
  return 0;
}

function parseUser(msg: string, o: SearchOptions, items: SearchItems): number {
  const c = new Cursor(msg);
  if (o.pid !== undefined) {
    const at = c.find('pid=');
    if (at < 0) return 1;
    const sp = c.space(at + 4);
    if (sp < 0) return 2;
    items.pid = strtoulTo(msg, at + 4, sp, 10);
    c.term = sp;
  }
  if (o.uid !== undefined) {
    const at = c.find('uid=');
    if (at < 0) return 4;
    const sp = c.space(at + 4);
    if (sp < 0) return 5;
    items.uid = strtoulTo(msg, at + 4, sp, 10);
    c.term = sp;
  }
  if (o.loginuid !== undefined) {
    let at = c.find('auid=');
    let skip = 5;
    if (at < 0) { at = c.find('loginuid='); skip = 9; if (at < 0) return 7; }
    const sp = c.space(at + skip);
    if (sp < 0) return 8;
    items.loginuid = strtoulTo(msg, at + skip, sp, 10);
    c.term = sp;
  }
  if (o.success !== undefined) {
    const at = c.find('res=');
    if (at >= 0) {
      const q = msg.indexOf("'", at + 4);
      if (q < 0) return 21;
      items.success = msg.startsWith('failed', at + 4) ? 0 : 1;
    } else {
      const r = c.find('result=');
      if (r >= 0) {
        const p = msg.indexOf(')', r + 7);
        if (p < 0) return 22;
        items.success = msg.slice(r + 7, p).toLowerCase() === 'success' ? 1 : 0;
      }
    }
  }
  return 0;
}

/** `label` then a number ended by a space, at or after the cursor; moves the cursor past it. */
function numberAt(c: Cursor, label: string): number | 'missing' | 'unterminated' {
  const at = c.find(label);
  if (at < 0) return 'missing';
  const sp = c.space(at + label.length);
  if (sp < 0) return 'unterminated';
  c.term = sp;
  return strtoulTo(c.msg, at + label.length, sp, 10);
}

/** LOGIN (the kernel's record of a loginuid change, e.g. pam_loginuid or `echo 1000 > /proc/self/loginuid`): parse_login. */
function parseLogin(msg: string, o: SearchOptions, items: SearchItems): number {
  const c = new Cursor(msg);
  let term: number | undefined = 0;
  if (o.pid !== undefined) {
    const v = numberAt(c, 'pid=');
    if (typeof v !== 'number') return v === 'missing' ? 1 : 2;
    items.pid = v;
    term = c.term;
  }
  if (o.uid !== undefined) {
    const v = numberAt(c, 'uid=');
    if (typeof v !== 'number') return v === 'missing' ? 4 : 5;
    items.uid = v;
    term = c.term;
  }
  if (o.loginuid !== undefined) {
    // "new auid=" (before 3.14), " auid=" (3.14 on), "new loginuid=" (older still); the value may end the line.
    const label = ['new auid=', ' auid=', 'new loginuid='].find((l) => c.find(l) >= 0);
    if (label === undefined) return 7;
    const at = c.find(label) + label.length;
    const sp = c.space(at);
    items.loginuid = strtoul(sp < 0 ? msg : msg.slice(0, sp), at, 10);
    term = sp < 0 ? undefined : sp;
    if (sp >= 0) c.term = sp;
  }
  if (o.success !== undefined) {
    const at = msg.indexOf('res=', term ?? 0);
    if (at >= 0) {
      const sp = msg.indexOf(' ', at + 4);
      const v = strtoul(sp < 0 ? msg : msg.slice(0, sp), at + 4, 10);
      if (Number.isNaN(v)) return 9;
      items.success = v;
    } else items.success = 1; // older kernels: always successful
  }
  return 0;
}

function parseDaemon(msg: string, o: SearchOptions, items: SearchItems): number {
  const paren = msg.indexOf(')');
  const mptr = paren < 0 ? 0 : paren;
  const c = new Cursor(msg, mptr);
  if (o.loginuid !== undefined) {
    const at = c.find('auid=', mptr);
    if (at < 0) return 1;
    const sp = c.space(at + 5);
    if (sp < 0) return 2;
    items.loginuid = strtoulTo(msg, at + 5, sp, 10);
    c.term = sp;
  }
  if (o.pid !== undefined) {
    const at = c.find('pid=');
    if (at < 0) return 4;
    const sp = c.space(at + 4);
    if (sp < 0) return 5;
    items.pid = strtoulTo(msg, at + 4, sp, 10);
    c.term = sp;
  }
  if (o.uid !== undefined) {
    const at = c.find(' uid=');
    if (at >= 0) {
      const sp = c.space(at + 5);
      if (sp < 0) return 7;
      items.uid = strtoulTo(msg, at + 5, sp, 10);
      c.term = sp;
    }
  }
  if (o.success !== undefined) {
    const at = msg.indexOf('res=', mptr);
    if (at >= 0) {
      let e = at + 4;
      while (e < msg.length && /[A-Za-z]/.test(msg[e]!)) e++;
      if (e === at + 4) return 12;
      items.success = msg.startsWith('failed', at + 4) ? 0 : 1;
    }
  }
  return 0;
}

function parseSimpleMessage(msg: string, typeNum: number, o: SearchOptions, items: SearchItems): number {
  const c = new Cursor(msg);
  if (o.loginuid !== undefined) {
    const at = c.find('auid=');
    if (at < 0 && typeNum !== 1305) return 1;
    if (at >= 0) {
      const sp = c.space(at + 5);
      items.loginuid = strtoul(sp < 0 ? msg : msg.slice(0, sp), at + 5, 10);
      c.term = sp < 0 ? at + 5 : sp;
    }
  }
  if (o.key !== undefined) {
    const at = c.find('key=');
    if (at >= 0) {
      const rc = readKey(msg, at, items);
      if (rc) return rc === 44 ? 6 : 8;
    }
  }
  // The kernel logs CONFIG_CHANGE res= only sometimes: ausearch assumes success, then reads res=.
  if (typeNum === 1305) items.success = 1;
  if (o.success !== undefined) {
    const at = c.find('res=');
    if (at >= 0) {
      const sp = msg.indexOf(' ', at + 4);
      const v = strtoul(sp < 0 ? msg : msg.slice(0, sp), at + 4, 10);
      if (Number.isNaN(v)) return 7;
      items.success = v >>> 0 === 0xffffffff ? -1 : v;
    }
  }
  return 0;
}

function parseAvc(msg: string, typeNum: number, o: SearchOptions, items: SearchItems): number {
  let term = 0;
  const avc = msg.indexOf('avc: ');
  if (avc >= 0) {
    const brace = msg.indexOf('{', avc + 5);
    if (brace >= 0) {
      if (o.success !== undefined) items.success = msg.slice(avc + 5, brace).includes('denied') ? 0 : 1;
      const close = msg.indexOf('}', brace + 1);
      if (close < 0) return 2;
      term = close;
    }
  }
  const userAvc = typeNum === 1107;
  if (userAvc) {
    const rc = parseUser(msg.slice(term), o, items);
    return rc > 20 ? 0 : rc;
  }
  if (o.pid !== undefined) {
    const at = msg.indexOf('pid=', term);
    if (at >= 0) {
      const sp = msg.indexOf(' ', at + 4);
      if (sp < 0) return 3;
      items.pid = strtoulTo(msg, at + 4, sp, 10);
      term = sp;
    }
  }
  // The class is required (a cut AVC makes the whole event unmatchable).
  if (msg.indexOf('tclass=', term) < 0) return 9;
  return 0;
}

/** Search items of an event, or undefined when ausearch would skip it as malformed. */
export function extractSearchItems(event: AuditEvent, o: SearchOptions): SearchItems | undefined {
  const items: SearchItems = {};
  for (const r of event.records) {
    const t = r.typeNum ?? -1;
    const msg = messageOf(r);
    let rc = 0;
    if (t === 1300) rc = parseSyscall(msg, o, items);
    else if (t === 1006) rc = parseLogin(msg, o, items);
    else if (t === 1005 || (t >= 1100 && t <= 1106) || (t >= 1108 && t <= 1199) || (t >= 2100 && t <= 2999)) rc = parseUser(msg, o, items);
    else if (t === 1200 || t === 1201 || t === 1202 || t === 1203 || t === 1205 || t === 1206) rc = parseDaemon(msg, o, items);
    else if (t === 1305 || (t >= 1403 && t <= 1417)) rc = parseSimpleMessage(msg, t, o, items);
    else if (t === 1400 || t === 1107) rc = parseAvc(msg, t, o, items);
    if (rc) return undefined;
  }
  return items;
}

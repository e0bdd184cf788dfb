// ausearch -i (output_interpreted / output_interpreted_record in src/ausearch-report.c): records
// newest first, each line re-tokenized the way ausearch does it, every value replaced by its
// interpretation (interpretField, harness/audit/records/interpret/), times in local time.
import { argPrintedAsHex, enrichedListOf, fieldKind, interpretField, readsOnlyArchAndSyscall, syscallRecordPrinted, type RecordWithInterp } from '../records/interpret/index.js';
import { enrichedText } from '../records/interpret/enriched.js';
import { recordTypeName } from '../records/record-types.js';
import type { AuditEvent, AuditRecord } from '../records/types.js';
import { messageOf } from './ausearch-line.js';
import { ttyEscape } from './format-raw.js';
import type { Output } from './output.js';
import { mapFor, remember, SpanMemo } from '../memo.js';
import { localTime, twoDigitYear } from './local-time.js';

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** strftime "%x %T" in the C locale: 11/22/26 18:00:00. */
export function localStamp(sec: number): string {
  const t = localTime(sec);
  // localtime failed: ausearch prints '?' for the date and time
  if (t === undefined) return '?';
  return `${pad2(t.mon + 1)}/${pad2(t.mday)}/${pad2(twoDigitYear(t.year))} ${pad2(t.hour)}:${pad2(t.min)}:${pad2(t.sec)}`;
}

const MAC_LABEL_FIELDS = new Set(['subj', 'obj', 'scontext', 'tcontext', 'vm-ctx', 'img-ctx', 'old-context', 'new-context', 'old-vmctx', 'new-vmctx', 'new_context', 'old_context']);

/** `type=NAME msg=audit(` by record type number (the name as libaudit prints it), built once. */
const heads: (string | null)[] = [];

function headOf(t: number): string | null {
  let h = heads[t];
  if (h === undefined) {
    const name = recordTypeName(t);
    h = heads[t] = name === undefined ? null : `type=${name} msg=audit(`;
  }
  return h;
}

const scratch: string[] = [];

/**
 * Writes one record; errors go to `err` exactly as ausearch prints them. `uncached`: the record is
 * interpreted with another record's ENRICHED part, so no text of it may be kept or reused.
 */
export function writeInterpretedRecord(r: AuditRecord, e: AuditEvent, out: Output, err: Output, uncached = false): void {
  let str = messageOf(r);
  const nul = str.indexOf('\0');
  if (nul >= 0) str = str.slice(0, nul);
  if (e.node !== undefined) {
    const sp = str.indexOf(' ');
    if (sp >= 0) str = str.slice(sp + 1);
  }
  const open = str.indexOf('(');
  if (open < 0) {
    err.write("can't find time stamp\n");
    return;
  }
  const t = r.typeNum ?? -1;
  const head = t >= 0 && t < 65536 ? headOf(t) : null;
  const scope = uncached ? undefined : scopeOf(r, str);
  if (e.node !== undefined) out.write(`node=${e.node} `);
  out.write(head ?? `${str.slice(0, open)}(`);
  const close = str.indexOf(')', open + 1);
  if (close < 0) return;
  out.write(stampOf(e));
  if (t === 1300) syscallRecordPrinted(r);
  if (t === 1300 || t === 1326) {
    // SYSCALL and SECCOMP differ in every event (pid, pointers): interpreted field by field.
    const parts = scratch;
    parts.length = 0;
    interpretBody(str, close + 1, r, e, parts, scope, !uncached);
    for (let i = 0; i < parts.length; i++) out.write(parts[i]!);
    return;
  }
  if (scope === undefined) {
    const parts: string[] = [];
    interpretBody(str, close + 1, r, e, parts, undefined, !uncached);
    out.write(parts.join(''));
    return;
  }
  // Other records are interpreted from their own text and ENRICHED part only: identical ones
  // (PATH, CWD, PROCTITLE of the same command) are rendered once, keyed by the text after ')'.
  const bodyCache = mapFor(scope.bodies, t, newBodyMemo);
  let body = bodyCache.get(str, close + 1, str.length);
  if (body === undefined) {
    const parts: string[] = [];
    interpretBody(str, close + 1, r, e, parts, scope);
    body = bodyCache.set(str, close + 1, str.length, parts.join(''));
  }
  out.write(body);
}

/**
 * Texts already interpreted are only valid for records interpreted with the same ENRICHED part
 * (auparse's interpretation list, which names uids, the arch and the syscall): the caches are kept
 * per ENRICHED text, one scope for RAW records (none) and a bounded number for ENRICHED ones,
 * which repeat a handful of texts (`ARCH=x86_64 SYSCALL=finit_module AUID="unset" UID="root" …`).
 */
interface CacheScope {
  /** Whole interpreted bodies of records other than SYSCALL/SECCOMP, by type. */
  bodies: Map<number, SpanMemo>;
  /** Field texts by their logged `name=value ` (see PIECE_LIMIT below), by type. */
  pieces: Map<number, Map<string, string>>;
  tails: Map<number, Tails>;
  /** syscall= and a0..a3 texts by the record's `arch=… syscall=…`. */
  byArchSyscall: Map<string, Map<string, string>>;
}
const newScope = (): CacheScope => ({ bodies: new Map(), pieces: new Map(), tails: new Map(), byArchSyscall: new Map() });
const rawScope = newScope();
const enrichedScopes = new Map<string, CacheScope>();
const SCOPE_LIMIT = 256;
// Scopes made and records served by one in this search; scopesOff: ENRICHED texts seldom repeat here.
let scopesMade = 0;
let scopedRecords = 0;
let scopesOff = false;

/** A search starts: whether ENRICHED texts repeat enough to be worth their caches is learned again. */
export function startInterpretedSearch(): void {
  scopesMade = scopedRecords = 0;
  scopesOff = false;
}

/** The caches `r` may use, its text being `str` (its message, cut at any NUL and past any node=). */
function scopeOf(r: AuditRecord, str: string): CacheScope | undefined {
  if (str === r.raw || r.raw.indexOf('\x1d') < 0) return rawScope;
  if (scopesOff) return undefined;
  // the text auparse's list is loaded from for this record (as interpret/index.ts reads it)
  const text = enrichedText(r.raw);
  if (text === undefined) return undefined;
  let scope = enrichedScopes.get(text);
  if (scope === undefined) {
    // A log of many users, each a text of its own: caches made for a few records each cost more than
    // they save, so for the rest of the search ENRICHED records take only namedPieces (interpretBody).
    if (++scopesMade > SCOPE_LIMIT && scopesMade * 8 > scopedRecords) {
      scopesOff = true;
      enrichedScopes.clear();
      return undefined;
    }
    scope = remember(enrichedScopes, text, newScope(), SCOPE_LIMIT);
  }
  scopedRecords++;
  return scope;
}

// The type decides how fields are read: one cache per record type, each bounded.
const newBodyMemo = () => new SpanMemo(2048);
const newTextMap = () => new Map<string, string>();
/** Field texts of records without a scope, by logged text, with the field name they were read under. */
const namedPieces = new Map<number, Map<string, { name: string; text: string }>>();
const newNamedMap = () => new Map<string, { name: string; text: string }>();

let lastEvent: AuditEvent | undefined;
let lastSec = Number.NaN;
let lastSecText = '';
let lastStamp = '';

/** `11/22/26 18:00:00.123:456) `, once per event. */
function stampOf(e: AuditEvent): string {
  if (e !== lastEvent) {
    lastEvent = e;
    if (e.sec !== lastSec) {
      lastSec = e.sec;
      lastSecText = localStamp(e.sec);
    }
    const ms = e.msec;
    lastStamp = `${lastSecText}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}:${e.serial}) `;
  }
  return lastStamp;
}

/**
 * Field texts already interpreted, by the logged text `name=value` and what ended it, for
 * fields that read nothing but their own value (not syscall/a0-a3, whose text depends on the
 * record's arch and syscall): the uid, gid, exit, comm, exe and key fields of SYSCALL records
 * repeat in almost every event. Values echoed as logged (pid=, ppid=) are not kept.
 */
const PIECE_LIMIT = 8192;

/** Does the field at `at` start with `syscall=` or `a0=`..`a3=` (read with the record's arch and syscall)? */
function readsArchAndSyscall(str: string, at: number): boolean {
  const c = str.charCodeAt(at);
  if (c === 97) {
    const d = str.charCodeAt(at + 1);
    return d >= 48 && d <= 51 && str.charCodeAt(at + 2) === 61;
  }
  return c === 115 && str.startsWith('syscall=', at);
}

/**
 * Texts of syscall= and a0=..a3= by the record's `arch=… syscall=…` (the kernel writes them
 * first), for fields whose text depends on nothing else; undefined for another layout.
 */
function archSyscallPieces(byArchSyscall: Map<string, Map<string, string>>, str: string, body: number): Map<string, string> | undefined {
  const from = str.startsWith(': ', body) ? body + 2 : body;
  if (!str.startsWith('arch=', from)) return undefined;
  const sp1 = str.indexOf(' ', from);
  if (sp1 < 0 || !str.startsWith('syscall=', sp1 + 1)) return undefined;
  const sp2 = str.indexOf(' ', sp1 + 1);
  if (sp2 < 0) return undefined;
  for (let i = from + 5; i < sp2; i++) {
    const c = str.charCodeAt(i);
    if (c === 34 || c === 39 || c === 44) return undefined;
  }
  const key = str.slice(from, sp2);
  return byArchSyscall.get(key) ?? remember(byArchSyscall, key, newTextMap(), 1024);
}

/**
 * Names of fields that ausearch prints as logged, whatever their value, by record type (all but
 * acct= and TRUSTED_APP records, whose value decides): learned as they are met, each with its
 * last two logged texts (one that repeats, tty=pts0 or items=0|2, need not end a head or start a tail).
 */
const echoNames = new Map<number, Map<string, Echoed>>();
interface Echoed {
  last: string;
  prev: string;
}
const newEchoMap = () => new Map<string, Echoed>();

/** Does the interpretation of field `name` read other fields of its record? */
function readsRecord(name: string): boolean {
  return name === 'syscall' || name === 'msg' || (name.length === 2 && name.charCodeAt(0) === 97 && name.charCodeAt(1) >= 48 && name.charCodeAt(1) <= 51);
}

/**
 * The interpreted fields after `msg=audit(...)`, tokenized as output_interpreted_record does,
 * pushed onto `parts`.
 */
function interpretBody(str: string, from: number, record: AuditRecord, event: AuditEvent, parts: string[], scope: CacheScope | undefined, named = false): void {
  let ctx: { record: AuditRecord; event: AuditEvent } | undefined;
  // `scope`: the caches of records with this record's ENRICHED part (undefined: none may be used).
  // A user-space msg='…' whose closing quote belongs to its last field takes no cached pieces.
  const plain = str.charCodeAt(str.length - 1) !== 39 && str.charCodeAt(str.length - 1) !== 32;
  const t = record.typeNum ?? -1;
  const pieces = plain && scope !== undefined && t >= 0 ? mapFor(scope.pieces, t, newTextMap) : undefined;
  // No scope (ENRICHED texts too many to keep caches for each): field texts kept with the name they were
  // read under, used for records whose ENRICHED list does not hold that name (`named`: allowed).
  const byName = named && plain && scope === undefined && t >= 0 ? mapFor(namedPieces, t, newNamedMap) : undefined;
  // the record's ENRICHED list (null: not read yet)
  let list: ReadonlyMap<string, string> | undefined | null = null;
  const tails = pieces && (t === 1300 || t === 1326) ? mapFor(scope!.tails, t, newTails) : undefined;
  // Looked up at the first syscall= or a0=..a3= (null: not yet).
  let archPieces: Map<string, string> | undefined | null = tails && t === 1300 ? null : undefined;
  // Where the text after the last changing field starts, and its first piece.
  let tailFrom = -1;
  let tailParts = 0;
  let tailAfter = '';
  // Cursor over the text after ')'; -1 plays the role of C's NULL.
  let s = from;
  let found = false;
  let comma = false;
  let eq = -1;
  let ptrNull = false;
  // Next ',' and ' ' at or after the value (-1: none left), found once and reused.
  let nextComma = -2;
  let nextSpace = -2;
  // The text before the first changing field, remembered whole: until the first such field is met.
  let headOpen = tails !== undefined;
  const base = parts.length;
  // End of a head found in the memo: it grows when the fields after it turn out not to change.
  let headHit = -1;
  if (tails !== undefined && tails.headLabel !== '') {
    const e = str.indexOf(tails.headLabel, from);
    const hit = e >= from ? tails.heads.get(str, from, e + 1) : undefined;
    if (hit !== undefined) {
      // The same text up to there is tokenized and read the same: go on after it.
      parts.push(hit);
      s = headHit = e + 1;
      found = true;
    }
  }
  while (s >= 0 && s < str.length && !(ptrNull = (eq = str.indexOf('=', s)) < 0)) {
    comma = false;
    found = true;
    const fieldStart = s;
    const v = eq + 1;
    let vEnd: number;
    let next: number;
    const q = str.charCodeAt(v);
    let mac = false;
    if (q === 39 || q === 34) {
      const cq = str.indexOf(q === 39 ? "'" : '"', v + 1);
      if (cq < 0) {
        vEnd = str.length;
        next = -1;
      } else {
        vEnd = cq + 1;
        next = vEnd < str.length ? vEnd + 1 : vEnd;
      }
    } else {
      if (nextComma !== -1 && nextComma < v) nextComma = str.indexOf(',', v);
      if (nextSpace !== -1 && nextSpace < v) nextSpace = str.indexOf(' ', v);
      const c = nextComma;
      const sp = nextSpace;
      if (c >= 0 && (sp < 0 || c < sp)) {
        mac = true; // decided below, once the name is known
        vEnd = c;
        next = c + 1;
      } else if (sp >= 0) {
        vEnd = sp;
        next = sp + 1;
      } else {
        vEnd = str.length;
        next = -1;
      }
    }
    const spanEnd = next < 0 ? str.length : next;
    const span = pieces && !mac ? str.slice(s, spanEnd) : undefined;
    const namedSpan = byName !== undefined && !mac ? str.slice(s, spanEnd) : undefined;
    if (namedSpan !== undefined) {
      const hit = byName!.get(namedSpan);
      if (hit !== undefined && !(list === null ? (list = enrichedListOf(record)) : list)?.has(hit.name)) {
        parts.push(hit.text);
        s = next;
        continue;
      }
    }
    // syscall= and a0=..a3= read the record's arch and syscall: a cached tail never holds them.
    let archField = false;
    if (archPieces !== undefined && readsArchAndSyscall(str, s)) {
      if (archPieces === null) archPieces = archSyscallPieces(scope!.byArchSyscall, str, from);
      archField = archPieces !== undefined;
    }
    if (archField) tailFrom = -1;
    if (span !== undefined) {
      const hit = (archField ? archPieces! : pieces!).get(span);
      if (hit !== undefined) {
        parts.push(hit);
        s = next;
        continue;
      }
    }
    let name: string;
    let echo: boolean;
    let piece: string;
    const known = span !== undefined && next > 0 && q !== 39 && q !== 34 && str.charCodeAt(next - 1) === 32 ? mapFor(echoNames, t, newEchoMap) : undefined;
    const plainName = known !== undefined ? str.slice(s, eq) : undefined;
    const seen = plainName !== undefined ? known!.get(plainName) : undefined;
    let steady = false;
    if (seen !== undefined) {
      // A field ausearch prints as logged, seen before under this name: the logged text as is.
      name = plainName!;
      echo = true;
      piece = span!;
      steady = seen.last === piece || seen.prev === piece;
      if (seen.last !== piece) {
        seen.prev = seen.last;
        seen.last = piece;
      }
    } else {
      let nameStart = eq;
      while (nameStart > s && str.charCodeAt(nameStart) !== 0x20) nameStart--;
      const label = `${str.slice(s, eq)}=`;
      let fname = str.slice(nameStart, eq);
      if (fname === 'msg') {
        if (headOpen) headOpen = endHead(tails!, str, from, fieldStart, eq, parts, base, headHit);
        parts.push(label);
        s = v;
        tailFrom = -1;
        continue;
      }
      if (fname.charCodeAt(0) === 39) fname = fname.slice(1);
      let trim = 0;
      while (trim < fname.length && (fname.charCodeAt(trim) === 0x20 || fname.charCodeAt(trim) === 0x28)) trim++;
      name = trim ? fname.slice(trim) : fname;
      if (mac) {
        if (MAC_LABEL_FIELDS.has(name)) {
          // A MAC label keeps its commas: the value runs to the next space.
          const sp = nextSpace;
          if (sp >= 0) { vEnd = sp; next = sp + 1; } else { vEnd = str.length; next = -1; }
        } else comma = true;
      }
      const value = str.slice(v, vEnd);
      // Fields ausearch prints as logged (pid=, ppid=, items=) skip the interpreter.
      echo = pieces !== undefined && name !== 'acct' && record.type !== 'TRUSTED_APP' && fieldKind(record.type, name, value) === 'UNCLASSIFIED';
      if (echo && known !== undefined && name === plainName) known.set(name, { last: span!, prev: '' });
      piece = echo
        ? (span !== undefined && next > 0 && !comma && str.charCodeAt(next - 1) === 32 ? span : `${label}${value}${comma ? ',' : ' '}`)
        : label + interpretedValue((ctx ??= { record, event }), name, value, comma);
    }
    // A field read from more than its own text, or whose text changed (pid=), ends the head;
    // one whose text repeats (tty=pts0) stays inside the head or the tail.
    let changing = false;
    if (namedSpan !== undefined && !readsRecord(name) && !(list === null ? (list = enrichedListOf(record)) : list)?.has(name)) {
      remember(byName!, namedSpan, { name, text: piece }, PIECE_LIMIT);
    }
    if (span !== undefined && !echo && !readsRecord(name)) remember(pieces!, span, piece, PIECE_LIMIT);
    else if (archField && span !== undefined && readsOnlyArchAndSyscall(record, name) && !(span.length > 12 && name !== 'syscall' && argPrintedAsHex(record, name))) {
      // (a pointer, a0=55d0c7e1a2b0, is not kept: it seldom repeats, and what is kept costs the GC)
      remember(archPieces!, span, piece, PIECE_LIMIT);
    }
    else changing = !steady;
    if (changing && headOpen) headOpen = endHead(tails!, str, from, fieldStart, eq, parts, base, headHit);
    parts.push(piece);
    s = next;
    if (changing && tails !== undefined && s >= 0 && s < str.length) {
      // A field that changes from event to event (pid=, a pointer): what follows it may repeat.
      if (name === tails.after) {
        const hit = tails.texts.get(str, s, str.length);
        if (hit !== undefined) {
          parts.push(hit);
          return;
        }
      }
      tailFrom = s;
      tailParts = parts.length;
      tailAfter = name;
    }
  }
  // safe_print_string: control characters escaped as \ooo (--escape tty).
  if (!found && ptrNull && s >= 0) parts.push(`${ttyEscape(str.slice(s))}\n`);
  else if (comma && s >= 0) parts.push(`${ttyEscape(str.slice(s))}\n`);
  parts.push('\n');
  if (tails !== undefined && tailFrom >= 0) {
    tails.texts.set(str, tailFrom, str.length, parts.slice(tailParts).join(''));
    tails.after = tailAfter;
  }
}

/**
 * The text of a record from just after its last changing field to the end (`auid=… key=…` after
 * `pid=`), by record type: in a SYSCALL record that is most fields, in one lookup. `after` names
 * the field after which the last one was stored, the only one after which a lookup is tried.
 */
interface Tails {
  after: string;
  texts: SpanMemo;
  /**
   * The text before the first changing field (`arch=… items=2 ` before ` ppid=`), and what starts
   * that field in the record it was stored from (its label with the character before it).
   */
  heads: SpanMemo;
  headLabel: string;
}
const TAIL_LIMIT = 4096;

const newTails = (): Tails => ({ after: '', texts: new SpanMemo(TAIL_LIMIT), heads: new SpanMemo(TAIL_LIMIT), headLabel: '' });

/**
 * Stores the head of a record, its text from `from` to the changing field at `field`, unless
 * that is the head just found (`known`); returns false (the head is closed).
 */
function endHead(tails: Tails, str: string, from: number, field: number, eq: number, parts: string[], base: number, known: number): boolean {
  if (field > from && field !== known) {
    tails.heads.set(str, from, field, (base === 0 ? parts : parts.slice(base)).join(''));
    tails.headLabel = str.slice(field - 1, eq + 1);
  }
  return false;
}

function interpretedValue(ctx: { record: AuditRecord; event: AuditEvent }, name: string, rawVal: string, comma: boolean): string {
  let val = rawVal;
  if (name === 'acct' && val.endsWith(':')) val = val.slice(0, -1);
  const text = interpretField(ctx, name, val);
  if (name === 'key' && text.includes('\x01')) {
    const parts = text.split('\x01');
    return parts.map((p, i) => (i === 0 ? p : ` key=${p}`)).join('') + ' ';
  }
  // report_interpret prints a TTY_DATA value (TTY's data=) with no separator after it, and keeps the
  // comma that ended a value only for an UNCLASSIFIED field (addr=?, is printed addr=? ).
  const kind = name === 'data' || comma ? fieldKind(ctx.record.type, name, val) : undefined;
  if (kind === 'TTY_DATA') return text;
  return text + (kind === 'UNCLASSIFIED' ? ',' : ' ');
}

/**
 * `headPart`: ausearch loaded the ENRICHED part of the event's first record while it matched (-ui/-ue/-ul/-ua
 * NAME, an event of one record or one starting with a SYSCALL: load_interpretations in ausearch-match.c), and
 * keeps it for the first record it prints, the event's last, instead of that record's own part.
 */
export function writeInterpreted(e: AuditEvent, out: Output, err: Output, headPart = false): void {
  out.write('----\n');
  const n = e.records.length;
  const last = e.records[n - 1]!;
  const head = e.records[0]!;
  const loaded = headPart && n > 1 && head.typeNum === 1300;
  const interp = loaded ? enrichedText(head.raw) : undefined;
  if (loaded && interp !== enrichedText(last.raw)) {
    // the record itself underneath (its text and fields may be getters)
    const withHeadPart: RecordWithInterp = Object.assign(Object.create(last) as AuditRecord, { interp });
    writeInterpretedRecord(withHeadPart, e, out, err, true);
  } else writeInterpretedRecord(last, e, out, err);
  const t = last.typeNum ?? -1;
  if (t >= 1200 && t < 1300) return;
  for (let i = n - 2; i >= 0; i--) writeInterpretedRecord(e.records[i]!, e, out, err);
}

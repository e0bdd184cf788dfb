// An event as auparse (audit-userspace 3.0.9) holds it after ausearch feeds it in for --format
// csv/text (feed_auparse in src/ausearch-report.c): ausearch's event is cut into auparse events
// (au_check_events), each record split into name/value fields (parse_up_record in auparse/ellist.c),
// and a cursor over records and fields with auparse's own movement rules (auparse/auparse.c), which
// the normalizer depends on.
import { interpretField, fieldKind, type AuparsePositions, type AuparseRecord } from '../records/interpret/index.js';
import { enrichedText } from '../records/interpret/enriched.js';
import { printEscaped, ttyEscape } from '../records/interpret/text.js';
import { recordTypeName, recordTypeNumber } from '../records/record-types.js';
import type { AuditEvent, AuditRecord } from '../records/types.js';
import { messageOf, stampWordTooShort } from './ausearch-line.js';
import { isEnriched } from './format-raw.js';

interface Field {
  name: string;
  val: string;
}

interface Rec {
  type: number;
  fields: Field[];
  /** auparse keeps one field cursor per record; moving between records does not reset it. */
  cur: number;
  /** For the interpreter: type name and ENRICHED values; raw is cleared (auparse drops a closing quote). */
  ctx: { record: AuditRecord; event: AuditEvent };
  interp: Map<number, string>;
}

const AVC = 1400;
const USER_AVC = 1107;

/** escape() in auparse/ellist.c: quoted, or upper-case hex when a byte needs it. */
function escapeKey(k: string): string {
  // eslint-disable-next-line no-control-regex
  if (/["\x00-\x20\x7f-\xff]/.test(k)) return Buffer.from(k, 'latin1').toString('hex').toUpperCase();
  return `"${k}"`;
}

/** parse_up_record: space-separated name=value tokens, cruft trimmed, AVC result/permissions named. */
function splitRecord(text: string): { type: number; fields: Field[]; at: AuparsePositions } {
  const fields: Field[] = [];
  const at: AuparsePositions = {};
  let type = 0;
  let offset = 0;
  const tokens = text.split(' ').filter((t) => t !== '');
  for (let i = 0; i < tokens.length; i++) {
    let tok = tokens[i]!;
    let eq = tok.indexOf('=');
    if (eq >= 0) {
      if (tok.startsWith('msg=')) {
        if (tok[4] === 'a') continue;
        if (tok[4] === "'") {
          tok = tok.slice(5);
          eq = tok.indexOf('=');
          if (eq < 0) continue;
        }
      }
      let name = tok.slice(0, eq);
      let val = tok.slice(eq + 1);
      if (name.startsWith('(')) name = name.slice(1);
      if (val === '') continue;
      if (val.endsWith(':')) val = val.slice(0, -1);
      if (val.endsWith(',')) val = val.slice(0, -1);
      if (val.endsWith("'")) val = val.slice(0, -1);
      if (val.endsWith(')') && val !== '(none)' && val !== '(null)') val = val.slice(0, -1);
      if (name === 'key') {
        // Several keys are logged hex-encoded, joined by 0x01: one key field each.
        if (val[0] !== '(' && val[0] !== '"' && /^(?:[0-9A-Fa-f]{2})+$/.test(val)) {
          const text = Buffer.from(val, 'hex').toString('latin1');
          for (const k of text.split('\x01')) if (k !== '') fields.push({ name, val: escapeKey(k) });
        } else fields.push({ name, val });
        continue;
      }
      fields.push({ name, val });
      const n = fields.length - offset;
      if (fields.length === 1 && name === 'node') offset = 1;
      else if (n === 1 && name === 'type') type = recordTypeNumber(val);
      // auparse takes a record's arch and syscall from where SYSCALL and SECCOMP (with subj=) have them.
      else if ((n === 2 || n === 11) && name === 'arch') at.arch = val;
      else if ((n === 3 || n === 12) && name === 'syscall') at.syscall = val;
    } else if (type === AVC || type === USER_AVC) {
      if (fields.length === 1 + offset) {
        if (tok.startsWith('avc')) continue;
        fields.push({ name: 'seresult', val: tok });
      } else if (fields.length === 2 + offset && tok.startsWith('{')) {
        const perms: string[] = [];
        for (i++; i < tokens.length && !tokens[i]!.startsWith('}'); i++) perms.push(tokens[i]!);
        fields.push({ name: 'seperms', val: perms.join(',') });
      }
    }
  }
  return { type, fields, at };
}

/** The record as the interpreter sees it, without raw text: auparse has already cut a closing quote. */
function interpretable(r: AuditRecord, auparseAt: AuparsePositions, interp: string | undefined): AuditRecord {
  const copy: AuparseRecord = { type: r.type, ...(r.typeNum !== undefined ? { typeNum: r.typeNum } : {}), sec: r.sec, msec: r.msec, serial: r.serial, fields: r.fields, raw: '', line: r.line, auparseAt, interp };
  return copy;
}

/** auparse_interp_adjust_type's classes the normalizer asks about. */
export type FieldClass = ReturnType<typeof fieldKind>;

export class AuEvent {
  readonly recs: Rec[];
  /** The record cursor; -1 is auparse's NULL (walked off the end). */
  private at = 0;
  /** cwd= of the event's CWD record (auparse's le->cwd), for realpath. */
  private readonly cwd: string | undefined;
  /**
   * The record whose ENRICHED part is auparse's loaded interpretation list (-1: none): the first when the
   * event is ready, then each record moved to. It outlives the event (see leftLoaded).
   */
  private listOf = 0;

  constructor(readonly event: AuditEvent, records: Array<{ record: AuditRecord; text: string }>) {
    let cwd: string | undefined;
    this.recs = records.map(({ record, text }) => {
      const sep = text.indexOf('\x1d');
      const { type, fields, at } = splitRecord(sep < 0 ? text : text.slice(0, sep));
      if (type === 1307) {
        const c = fields.find((f) => f.name === 'cwd');
        if (c) cwd = c.val;
      }
      return { type, fields, cur: 0, ctx: { record: interpretable(record, at, enrichedText(text)), event }, interp: new Map() };
    });
    this.cwd = cwd;
  }

  get sec(): number {
    return this.event.sec;
  }

  numRecords(): number {
    return this.recs.length;
  }

  private rec(): Rec | undefined {
    return this.at < 0 ? undefined : this.recs[this.at];
  }

  firstRecord(): number {
    this.at = this.listOf = 0;
    this.recs[0]!.cur = 0;
    return 1;
  }

  nextRecord(): number {
    // the list is freed first, and stays so past the last record
    this.listOf = -1;
    if (this.at < 0) return 0;
    this.at++;
    if (this.at >= this.recs.length) {
      this.at = -1;
      return 0;
    }
    this.listOf = this.at;
    return 1;
  }

  gotoRecordNum(n: number): number {
    if (n >= this.recs.length) {
      this.listOf = -1;
      return 0;
    }
    this.at = this.listOf = n;
    this.recs[n]!.cur = 0;
    return 1;
  }

  /**
   * The ENRICHED part of the list auparse leaves loaded after this event, which ausearch's lookup_uid
   * reads for the next events that load none (auparse and ausearch share one list).
   */
  leftLoaded(): string | undefined {
    return this.listOf < 0 ? undefined : (this.recs[this.listOf]!.ctx.record as AuparseRecord).interp;
  }

  recordNum(): number {
    return this.at < 0 ? 0 : this.at;
  }

  type(): number {
    return this.rec()?.type ?? 0;
  }

  typeName(): string | undefined {
    const r = this.rec();
    return r ? recordTypeName(r.type) : undefined;
  }

  firstField(): number {
    const r = this.rec();
    if (!r) return 0;
    r.cur = 0;
    return 1;
  }

  nextField(): number {
    const r = this.rec();
    if (!r || r.cur >= r.fields.length - 1) return 0;
    r.cur++;
    return 1;
  }

  fieldNum(): number {
    return this.rec()?.cur ?? 0;
  }

  gotoFieldNum(n: number): number {
    const r = this.rec();
    if (!r || n >= r.fields.length) return 0;
    r.cur = n;
    return 1;
  }

  private field(): Field | undefined {
    const r = this.rec();
    return r ? r.fields[r.cur] : undefined;
  }

  fieldName(): string | undefined {
    return this.field()?.name;
  }

  fieldStr(): string | undefined {
    return this.field()?.val;
  }

  /** auparse_get_field_int: strtol, -1 on overflow or no field, as a C int. */
  fieldInt(): number {
    const v = this.fieldStr();
    if (v === undefined) return -1;
    const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(v)!;
    if (m[2] === '') return 0;
    let n = BigInt(m[2]!);
    if (m[1] === '-') n = -n;
    if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) return -1;
    return Number(BigInt.asIntN(32, n));
  }

  fieldType(): FieldClass {
    const r = this.rec();
    const f = this.field();
    if (!r || !f) return 'UNCLASSIFIED';
    return fieldKind(recordTypeName(r.type) ?? `UNKNOWN[${r.type}]`, f.name, f.val);
  }

  /** auparse_find_field: the current field if it has that name, else find_field_next. */
  findField(name: string): string | undefined {
    const r = this.rec();
    if (!r) return undefined;
    const f = r.fields[r.cur];
    if (f && f.name === name) return f.val;
    return this.findFieldNext(name);
  }

  /** One field on (none after the last field of the record), then on through later records. */
  private findFieldNext(name: string): string | undefined {
    let r = this.rec();
    if (!r) return undefined;
    if (r.cur >= r.fields.length - 1) return undefined;
    r.cur++;
    for (;;) {
      for (let i = r.cur; i < r.fields.length; i++) {
        if (r.fields[i]!.name === name) {
          r.cur = i;
          return r.fields[i]!.val;
        }
      }
      // moving on loads the next record's list; walking off the last keeps the list loaded
      if (this.at + 1 >= this.recs.length) {
        this.at = -1;
        return undefined;
      }
      r = this.recs[++this.at]!;
      this.listOf = this.at;
      r.cur = 0;
    }
  }

  /** auparse_interpret_field; the first interpretation of a field is kept (interp_val). */
  interpret(): string | undefined {
    return this.interpretCur(false);
  }

  /** auparse_interpret_realpath: ESCAPED_FILE values joined to the event's cwd and normalized. */
  interpretRealpath(): string | undefined {
    if (this.fieldType() !== 'ESCAPED_FILE') return undefined;
    return this.interpretCur(true);
  }

  private interpretCur(realpath: boolean): string | undefined {
    const r = this.rec();
    const f = this.field();
    if (!r || !f) return undefined;
    const hit = r.interp.get(r.cur);
    if (hit !== undefined) return hit;
    const text = realpath && this.cwd !== undefined ? ttyEscape(escapedExt(f.val, this.cwd)) : interpretField(r.ctx, f.name, f.val);
    r.interp.set(r.cur, text);
    return text;
  }

  /** auparse_interpret_sock_parts: the text after `part` up to the next space of a SOCKADDR interpretation. */
  interpretSockPart(part: string): string | undefined {
    if (this.fieldType() !== 'SOCKADDR') return undefined;
    const v = this.interpret();
    if (v === undefined) return undefined;
    const at = v.indexOf(part);
    if (at < 0) return undefined;
    const from = at + part.length;
    const sp = v.indexOf(' ', from);
    return sp < 0 ? undefined : v.slice(from, sp);
  }
}

/** print_escaped_ext in auparse/interpret.c. */
function escapedExt(val: string, cwd: string): string {
  const path = printEscaped(val);
  let full: string;
  if (!path.startsWith('/')) full = `${printEscaped(cwd)}/${path}`;
  else if (!path.includes('..')) return path;
  else full = path;
  return pathNorm(full) ?? full;
}

// path_norm works in a static buffer that keeps what a previous call left past its end.
const working: string[] = [];

function pathNorm(name: string): string | undefined {
  if (name === '') return undefined;
  if (name.startsWith('.')) return name;
  let dest = 0;
  let start = 0;
  while (start < name.length) {
    while (name[start] === '/') start++;
    let end = start;
    while (end < name.length && name[end] !== '/') end++;
    if (end === start) break;
    const comp = name.slice(start, end);
    if (comp === '.') {
      /* skip */
    } else if (comp === '..') {
      if (dest > 1) while (working[--dest - 1] !== '/');
    } else {
      if (dest === 0 || working[dest - 1] !== '/') working[dest++] = '/';
      for (const c of comp) working[dest++] = c;
      working[dest] = '\0';
    }
    start = end;
  }
  const nul = working.indexOf('\0');
  return (nul < 0 ? working : working.slice(0, nul)).join('');
}

/**
 * ausearch's event as auparse delivers it: records are appended to the event being built until one
 * that auparse takes as the last of an event (PROCTITLE, EOE, single-record types); the next
 * record starts a new event with the same time stamp, and an EOE that would start one is dropped.
 */
export function auparseEvents(e: AuditEvent, eoeTimeout: number): AuEvent[] {
  const enriched = isEnriched(e);
  const out: AuEvent[] = [];
  let building: Array<{ record: AuditRecord; text: string }> | undefined;
  for (const r of e.records) {
    let text = enriched ? r.raw : messageOf(r);
    const nul = text.indexOf('\0');
    if (nul >= 0) text = text.slice(0, nul);
    // Kept by ausearch only thanks to its newline, which auparse is not fed.
    if (stampWordTooShort(text, false)) continue;
    const t = r.typeNum ?? 0;
    if (!building) {
      if (t === 1320) continue;
      building = [];
    }
    building.push({ record: r, text });
    if (
      eoeTimeout <= 0 || t === 1327 || t === 1320 || t < 1300 || t >= 2100 || t === 2000 || (t >= 1406 && t <= 1419)
    ) {
      out.push(new AuEvent(e, building));
      building = undefined;
    }
  }
  if (building) out.push(new AuEvent(e, building));
  return out;
}

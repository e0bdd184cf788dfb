// ausearch -i (output_interpreted / output_interpreted_record in src/ausearch-report.c): records
// newest first, each line re-tokenized the way ausearch does it, every value replaced by its
// interpretation (interpretField, harness/audit/records/interpret/), times in local time.
import { interpretField } from '../records/interpret/index.js';
import { recordTypeName } from '../records/record-types.js';
import type { AuditEvent, AuditRecord } from '../records/types.js';
import { messageOf } from './ausearch-line.js';
import { ttyEscape } from './format-raw.js';
import type { Output } from './output.js';

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** strftime "%x %T" in the C locale: 11/22/26 18:00:00. */
export function localStamp(sec: number): string {
  const d = new Date(sec * 1000);
  return `${pad2(d.getMonth() + 1)}/${pad2(d.getDate())}/${pad2(d.getFullYear() % 100)} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

const MAC_LABEL_FIELDS = new Set(['subj', 'obj', 'scontext', 'tcontext', 'vm-ctx', 'img-ctx', 'old-context', 'new-context', 'old-vmctx', 'new-vmctx', 'new_context', 'old_context']);

/** Writes one record; errors go to `err` exactly as ausearch prints them. */
export function writeInterpretedRecord(r: AuditRecord, e: AuditEvent, out: Output, err: Output): void {
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
  const name = t >= 0 ? recordTypeName(t) : undefined;
  const nodePart = e.node !== undefined ? `node=${e.node} ` : '';
  out.write(name ? `${nodePart}type=${name} msg=audit(` : `${nodePart}${str.slice(0, open)}(`);
  const close = str.indexOf(')', open + 1);
  if (close < 0) return;
  out.write(`${stampOf(e.sec)}.${String(e.msec).padStart(3, '0')}:${e.serial}) `);
  // Records other than SYSCALL are interpreted from their own text only: identical ones (PATH,
  // CWD, PROCTITLE of the same command) are rendered once.
  const cacheable = t !== 1300 && t !== 1326;
  let key = '';
  const bodyCache = cacheable ? cacheFor(t) : undefined;
  if (bodyCache) {
    const sep = r.raw.indexOf('\x1d');
    key = sep < 0 ? str.slice(close + 1) : `${str.slice(close + 1)}${r.raw.slice(sep)}`;
    const hit = bodyCache.get(key);
    if (hit !== undefined) {
      out.write(hit);
      return;
    }
  }
  const body = interpretBody(str, close + 1, { record: r, event: e });
  if (bodyCache) {
    if (bodyCache.size >= 2048) bodyCache.clear();
    bodyCache.set(key, body);
  }
  out.write(body);
}

// The type decides how fields are read: one cache per record type, each bounded.
const bodyCaches = new Map<number, Map<string, string>>();

function cacheFor(type: number): Map<string, string> {
  let c = bodyCaches.get(type);
  if (!c) {
    c = new Map();
    bodyCaches.set(type, c);
  }
  return c;
}
let lastSec = Number.NaN;
let lastStamp = '';

function stampOf(sec: number): string {
  if (sec !== lastSec) {
    lastSec = sec;
    lastStamp = localStamp(sec);
  }
  return lastStamp;
}

/** The interpreted fields after `msg=audit(...)`, tokenized as output_interpreted_record does. */
function interpretBody(str: string, from: number, ctx: { record: AuditRecord; event: AuditEvent }): string {
  const parts: string[] = [];
  // Cursor over the text after ')'; -1 plays the role of C's NULL.
  let s = from;
  let found = false;
  let comma = false;
  let eq = -1;
  let ptrNull = false;
  while (s >= 0 && s < str.length && !(ptrNull = (eq = str.indexOf('=', s)) < 0)) {
    comma = false;
    found = true;
    let nameStart = eq;
    while (nameStart > s && str.charCodeAt(nameStart) !== 0x20) nameStart--;
    parts.push(`${str.slice(s, eq)}=`);
    let fname = str.slice(nameStart, eq);
    const v = eq + 1;
    if (fname === 'msg') {
      s = v;
      continue;
    }
    if (fname.startsWith("'")) fname = fname.slice(1);
    let vEnd: number;
    const q = str[v];
    if (q === "'" || q === '"') {
      const cq = str.indexOf(q, v + 1);
      if (cq < 0) {
        vEnd = str.length;
        s = -1;
      } else {
        vEnd = cq + 1;
        s = vEnd < str.length ? vEnd + 1 : vEnd;
      }
    } else {
      const c = str.indexOf(',', v);
      const sp = str.indexOf(' ', v);
      const trimmed = fname.replace(/^[ (]+/, '');
      if (c >= 0 && sp >= 0 && c < sp) {
        if (MAC_LABEL_FIELDS.has(trimmed)) { vEnd = sp; s = sp + 1; } else { vEnd = c; s = c + 1; comma = true; }
      } else if (c >= 0 && sp < 0) {
        if (MAC_LABEL_FIELDS.has(trimmed)) { vEnd = str.length; s = -1; } else { vEnd = c; s = c + 1; comma = true; }
      } else if (sp >= 0) {
        vEnd = sp;
        s = sp + 1;
      } else {
        vEnd = str.length;
        s = -1;
      }
    }
    parts.push(interpretedValue(ctx, fname, str.slice(v, vEnd), comma));
  }
  // safe_print_string: control characters escaped as \ooo (--escape tty).
  if (!found && ptrNull && s >= 0) parts.push(`${ttyEscape(str.slice(s))}\n`);
  else if (comma && s >= 0) parts.push(`${ttyEscape(str.slice(s))}\n`);
  parts.push('\n');
  return parts.join('');
}

function interpretedValue(ctx: { record: AuditRecord; event: AuditEvent }, rawName: string, rawVal: string, comma: boolean): string {
  const name = rawName.replace(/^[ (]+/, '');
  let val = rawVal;
  if (name === 'acct' && val.endsWith(':')) val = val.slice(0, -1);
  const text = interpretField(ctx, name, val);
  if (name === 'key' && text.includes('\x01')) {
    const parts = text.split('\x01');
    return parts.map((p, i) => (i === 0 ? p : ` key=${p}`)).join('') + ' ';
  }
  // ausearch keeps the comma only for values it does not interpret.
  return text + (comma && text === val ? ',' : ' ');
}

export function writeInterpreted(e: AuditEvent, out: Output, err: Output): void {
  out.write('----\n');
  const last = e.records[e.records.length - 1]!;
  const t = last.typeNum ?? -1;
  if (t >= 1200 && t < 1300) {
    writeInterpretedRecord(last, e, out, err);
    return;
  }
  for (let i = e.records.length - 1; i >= 0; i--) writeInterpretedRecord(e.records[i]!, e, out, err);
}

// Differential testing of harness/audit/records/interpret against the real ausearch 3.0.9:
// splits raw log lines into fields the way ausearch -i does, runs the real tool on a file,
// and compares, field by field, what it printed with what interpretField returns.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { interpretField } from '../harness/audit/records/interpret/index.js';
import { kindOf } from '../harness/audit/records/interpret/field-types.js';
import type { AuditEvent, AuditField, AuditRecord } from '../harness/audit/records/types.js';
import { referenceTool } from '../harness/reference/tools.js';

/** One field as ausearch's output loop sees it: the text it echoes up to '=', then the value. */
export interface Segment {
  literal: string;
  name: string;
  value: string;
  comma: boolean;
  /** `msg='` of user-space records: echoed, not a field itself. */
  opener?: boolean;
}

export interface SplitRecord {
  type: string;
  serial: number;
  segments: Segment[];
  /** Printed after the last field when it ended in a comma. */
  tail: string;
  record: AuditRecord;
  event: AuditEvent;
}

/** Splits a raw log line (`type=T msg=audit(S.M:N): …`) as ausearch's output_interpreted_record does. */
export function splitLine(line: string, lineNo = 0): SplitRecord {
  const sepAt = line.indexOf('\x1d');
  const msg = sepAt >= 0 ? line.slice(0, sepAt) : line;
  const m = /^(?:node=\S+ )?type=(\S+) msg=audit\((\d+)\.(\d+):(\d+)\)/.exec(msg);
  if (!m) throw new Error(`line ${lineNo}: not an audit record: ${line.slice(0, 60)}`);
  const type = m[1];
  const s = msg.slice(m[0].length);
  const segments: Segment[] = [];
  let str: number | undefined = 0;
  let comma = false;
  while (str !== undefined && str < s.length) {
    const eq = s.indexOf('=', str);
    if (eq < 0) break;
    comma = false;
    let nameAt = eq;
    while (nameAt > str && s[nameAt] !== ' ') nameAt--;
    const literal = s.slice(str, eq + 1);
    let name = s.slice(nameAt, eq);
    const ptr = eq + 1;
    if (name === 'msg') {
      segments.push({ literal, name: 'msg', value: '', comma: false, opener: true });
      str = ptr;
      continue;
    }
    if (name[0] === "'") name = name.slice(1);
    while (name[0] === ' ' || name[0] === '(') name = name.slice(1);
    let end: number;
    const q = s[ptr];
    if (q === "'" || q === '"') {
      const close = s.indexOf(q, ptr + 1);
      if (close < 0) {
        end = s.length;
        str = undefined;
      } else {
        end = close + 1;
        str = end < s.length ? end + 1 : end;
      }
    } else {
      const c = s.indexOf(',', ptr);
      const sp = s.indexOf(' ', ptr);
      const label = (v: string) => kindOf(type, name, v) === 'MAC_LABEL';
      if (c >= 0 && sp >= 0 && c < sp) {
        if (label(s.slice(sp))) {
          end = sp;
          str = sp + 1;
        } else {
          end = c;
          str = c + 1;
          comma = true;
        }
      } else if (c >= 0 && sp < 0) {
        if (label(s.slice(ptr))) {
          end = s.length;
          str = undefined;
        } else {
          end = c;
          str = c + 1;
          comma = true;
        }
      } else if (sp >= 0) {
        end = sp;
        str = sp + 1;
      } else {
        end = s.length;
        str = undefined;
      }
    }
    segments.push({ literal, name, value: s.slice(ptr, end), comma });
  }
  // A record without any name=value is echoed as it is.
  const tail = segments.length === 0 ? s : comma && str !== undefined ? s.slice(str) : '';
  const fields: AuditField[] = segments.filter((g) => !g.opener).map((g) => ({ name: g.name, value: g.value }));
  if (sepAt >= 0) {
    const enrichedText = line.slice(sepAt + 1);
    const pairs = enrichedText.startsWith('SADDR=') ? [enrichedText] : enrichedText.split(' ');
    for (const pair of pairs) {
      const e = pair.indexOf('=');
      if (e < 0) continue;
      const n = pair.slice(0, e).toLowerCase();
      let v = pair.slice(e + 1);
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      const f = fields.find((x) => x.name === n && x.enriched === undefined);
      if (f) f.enriched = v;
    }
  }
  const record: AuditRecord = {
    type,
    sec: Number(m[2]),
    msec: Number(m[3]),
    serial: Number(m[4]),
    fields,
    raw: line,
    line: lineNo,
  };
  const event: AuditEvent = { sec: record.sec, msec: record.msec, serial: record.serial, records: [record] };
  return { type, serial: record.serial, segments, tail, record, event };
}

/** Runs the real ausearch -i on `lines`; returns serial -> printed field text of each record, in logged order. */
export async function ausearchInterpret(lines: string[]): Promise<Map<number, string[]>> {
  const tool = await referenceTool('ausearch');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'interpret-ref-'));
  try {
    const file = path.join(dir, 'audit.log');
    await writeFile(file, Buffer.from(lines.join('\n') + '\n', 'latin1'));
    const r = await execa(tool.path, ['-if', file, '-i'], {
      env: { ...process.env, ...tool.env, TZ: 'UTC', LANG: 'C', LC_ALL: 'C' },
      encoding: 'latin1',
      reject: false,
      timeout: 60_000,
    });
    if (r.exitCode !== 0) throw new Error(`ausearch failed (${r.exitCode}): ${String(r.stderr).slice(0, 300)}`);
    const out = new Map<number, string[]>();
    for (const l of String(r.stdout).split('\n')) {
      const m = /^(?:node=\S+ )?type=\S+ msg=audit\([^)]*\.\d{3}:(\d+)\) /.exec(l);
      if (!m) continue;
      const serial = Number(m[1]);
      const list = out.get(serial) ?? [];
      // ausearch -i prints an event's records last to first
      list.unshift(l.slice(m[0].length));
      out.set(serial, list);
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Mismatch {
  serial: number;
  type: string;
  name: string;
  raw: string;
  ours: string;
  ausearch: string;
}

/** Compares one record field by field; returns how many fields agreed and the disagreements. */
export function compareRecord(rec: SplitRecord, printed: string | undefined): { agreed: number; mismatches: Mismatch[] } {
  const mismatches: Mismatch[] = [];
  if (printed === undefined) {
    return { agreed: 0, mismatches: [{ serial: rec.serial, type: rec.type, name: '*', raw: '', ours: '', ausearch: '<record not printed>' }] };
  }
  const ctx = { record: rec.record, event: rec.event };
  let p = 0;
  let agreed = 0;
  for (let i = 0; i < rec.segments.length; i++) {
    const g = rec.segments[i];
    if (!printed.startsWith(g.literal, p)) {
      mismatches.push({ serial: rec.serial, type: rec.type, name: g.name, raw: g.literal, ours: '(field text)', ausearch: printed.slice(p, p + 40) });
      return { agreed, mismatches };
    }
    p += g.literal.length;
    if (g.opener) continue;
    const kind = kindOf(rec.type, g.name, g.value);
    const ours = interpretField(ctx, g.name, g.value);
    const sep = kind === 'UNCLASSIFIED' ? (g.comma ? ',' : ' ') : kind === 'TTY_DATA' ? '' : ' ';
    const mine = ours + sep;
    if (printed.startsWith(mine, p)) {
      p += mine.length;
      agreed++;
      continue;
    }
    // Resynchronise on the next field's echoed text to report what ausearch printed here.
    const next = rec.segments[i + 1];
    const at = next ? printed.indexOf(next.literal, p) : printed.length;
    const theirs = printed.slice(p, at < 0 ? printed.length : at);
    mismatches.push({ serial: rec.serial, type: rec.type, name: g.name, raw: g.value, ours, ausearch: theirs.replace(/ $/, '') });
    if (at < 0) return { agreed, mismatches };
    p = at;
  }
  if (printed.slice(p) !== rec.tail) {
    mismatches.push({ serial: rec.serial, type: rec.type, name: '<tail>', raw: rec.tail, ours: rec.tail, ausearch: printed.slice(p) });
  }
  return { agreed, mismatches };
}

/** Runs ausearch on all lines and compares every record (records of one event share the serial). */
export async function compareLines(lines: string[]): Promise<{ records: number; agreed: number; mismatches: Mismatch[] }> {
  const recs = lines.map((l, i) => splitLine(l, i + 1));
  const printed = await ausearchInterpret(lines);
  const seen = new Map<number, number>();
  let agreed = 0;
  const mismatches: Mismatch[] = [];
  for (const r of recs) {
    const k = seen.get(r.serial) ?? 0;
    seen.set(r.serial, k + 1);
    const c = compareRecord(r, printed.get(r.serial)?.[k]);
    agreed += c.agreed;
    mismatches.push(...c.mismatches);
  }
  return { records: recs.length, agreed, mismatches };
}

/**
 * The log parser's view of the same lines (harness/audit/records) through interpretRecord, compared
 * with what ausearch printed: the fields the parser found must read as ausearch shows them.
 */
export async function compareParsedLines(
  lines: string[],
  parse: (text: string) => { events: AuditEvent[] },
  interpret: (r: AuditRecord, e: AuditEvent) => Array<{ name: string; value: string }>,
): Promise<{ records: number; agreed: number; mismatches: Mismatch[] }> {
  const printed = await ausearchInterpret(lines);
  const splits = new Map<number, SplitRecord[]>();
  for (const [i, l] of lines.entries()) {
    const r = splitLine(l, i + 1);
    splits.set(r.serial, [...(splits.get(r.serial) ?? []), r]);
  }
  const { events } = parse(lines.join('\n') + '\n');
  let agreed = 0;
  let records = 0;
  const mismatches: Mismatch[] = [];
  for (const e of events) {
    const mine = splits.get(e.serial) ?? [];
    for (const [k, rec] of e.records.entries()) {
      records++;
      const split = mine[k];
      const shown = printed.get(e.serial)?.[k];
      if (!split || shown === undefined) {
        mismatches.push({ serial: e.serial, type: rec.type, name: '*', raw: '', ours: '', ausearch: '<record not printed>' });
        continue;
      }
      // What ausearch printed for each field, from the reference split and the reference interpretation.
      const expected = split.segments.filter((g) => !g.opener).map((g) => ({ name: g.name, value: interpretField({ record: split.record, event: split.event }, g.name, g.value) }));
      const c = compareRecord(split, shown);
      if (c.mismatches.length) {
        mismatches.push(...c.mismatches);
        continue;
      }
      const got = interpret(rec, e).filter((f) => !(f.name !== f.name.toLowerCase() && rec.fields.find((x) => x.name === f.name)?.enriched !== undefined));
      // Walk both lists. ausearch cuts an unclassified value at a comma (grantors=a,b) and
      // carries on with the rest as text: the parser's whole value then starts with ausearch's.
      let j = 0;
      for (const [i, f] of got.entries()) {
        const x = expected[j];
        if (x && f.name === x.name && (f.value === x.value || f.value.startsWith(`${x.value},`))) {
          agreed++;
          j++;
          while (expected[j] && f.value.startsWith(`${x.value},`) && !got.slice(i + 1).some((g) => g.name === expected[j].name)) j++;
          continue;
        }
        // A trailing msg= whose value ausearch drops is the parser's field but not ausearch's.
        if (f.name === 'msg' && !x) continue;
        mismatches.push({ serial: e.serial, type: rec.type, name: `${f.name}#${i}`, raw: rec.fields[i]?.value ?? '', ours: f.value, ausearch: x ? `${x.name}=${x.value}` : '<none>' });
      }
      if (j !== expected.length) {
        mismatches.push({ serial: e.serial, type: rec.type, name: '<count>', raw: '', ours: got.map((f) => f.name).join(' '), ausearch: expected.map((f) => f.name).join(' ') });
      }
    }
  }
  return { records, agreed, mismatches };
}

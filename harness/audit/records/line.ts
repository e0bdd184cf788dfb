// Parses one line of an audit log into an AuditRecord: auditd's RAW and ENRICHED formats
// (`node=N type=T msg=audit(SEC.MS:SERIAL): fields[0x1d enriched]`) and kernel-log lines
// (`[  12.345678] audit: type=1300 audit(SEC.MS:SERIAL): fields`). Fields are split lazily.
import { attachEnriched, decodeValue, splitFields } from './fields.js';
import { recordTypeName, recordTypeNumber } from './record-types.js';
import type { AuditField, AuditRecord, ParseProblem } from './types.js';

export const INTERP_SEPARATOR = '\x1d';

/** Values the kernel hex-encodes when they hold spaces or odd bytes; bad hex there is reported. */
const HEX_ENCODED = new Set(['proctitle', 'name', 'cwd', 'exe', 'comm', 'cmd', 'acct', 'path', 'data']);

export interface RecordInit {
  type: string; typeNum?: number; node?: string; sec: number; msec: number; serial: number;
  raw: string; file?: string; line: number; bodyStart: number; sepAt: number;
}

/** A record whose fields are split on first use (bodyStart: first field; sepAt: 0x1d or -1). */
export function makeRecord(init: RecordInit): AuditRecord & { readonly message: string } {
  return new ParsedRecord(init.type, init.typeNum, init.node, init.sec, init.msec, init.serial, init.raw, init.file, init.line, init.bodyStart, init.sepAt);
}

/** makeRecord without the RecordInit object, for the per-line path of the search command. */
export function newRecord(
  type: string, typeNum: number | undefined, node: string | undefined, sec: number, msec: number, serial: number,
  raw: string, file: string | undefined, line: number, bodyStart: number, sepAt: number,
): AuditRecord & { readonly message: string } {
  return new ParsedRecord(type, typeNum, node, sec, msec, serial, raw, file, line, bodyStart, sepAt);
}

/**
 * A line's fields, split on first use, and its message: what every record class shares, whatever holds the
 * line's text (`raw`).
 */
export abstract class SplitRecord {
  abstract raw: string;
  private parsed: AuditField[] | undefined = undefined;

  /** bodyStart: offset in raw of the first field; sepAt: of the 0x1d separator (-1 when RAW). */
  constructor(private readonly bodyStart: number, private readonly sepAt: number) {}

  get fields(): AuditField[] {
    if (this.parsed === undefined) {
      const raw = this.raw;
      this.parsed = splitFields(raw.slice(this.bodyStart, this.sepAt >= 0 ? this.sepAt : raw.length));
      if (this.sepAt >= 0) attachEnriched(this.parsed, raw.slice(this.sepAt + 1));
    }
    return this.parsed;
  }

  set fields(value: AuditField[]) {
    this.parsed = value;
  }

  /** The logged text before any ENRICHED part. */
  get message(): string {
    return this.sepAt >= 0 ? this.raw.slice(0, this.sepAt) : this.raw;
  }
}

class ParsedRecord extends SplitRecord implements AuditRecord {
  type: string;
  typeNum?: number;
  node?: string;
  sec: number;
  msec: number;
  serial: number;
  raw: string;
  file?: string;
  line: number;

  constructor(
    type: string, typeNum: number | undefined, node: string | undefined, sec: number, msec: number, serial: number,
    raw: string, file: string | undefined, line: number, bodyStart: number, sepAt: number,
  ) {
    super(bodyStart, sepAt);
    this.type = type;
    if (typeNum !== undefined) this.typeNum = typeNum;
    if (node !== undefined) this.node = node;
    this.sec = sec;
    this.msec = msec;
    this.serial = serial;
    this.raw = raw;
    if (file !== undefined) this.file = file;
    this.line = line;
  }

  toJSON(): object {
    return { type: this.type, typeNum: this.typeNum, node: this.node, sec: this.sec, msec: this.msec, serial: this.serial, fields: this.fields, raw: this.raw, file: this.file, line: this.line };
  }
}

const KMSG_PREFIX = /^(?:<\d+>)?(?:\[\s*\d+\.\d+\]\s*)?audit: /;

function problem(file: string | undefined, line: number, reason: string, text: string): ParseProblem {
  const p: ParseProblem = { line, reason, excerpt: text.slice(0, 80) };
  if (file !== undefined) p.file = file;
  return p;
}

export type LineResult = { record: AuditRecord; problems: ParseProblem[] } | { record?: undefined; problems: ParseProblem[] };

/** Parses one line (without its newline). Never throws: unusable lines come back as problems. */
export function parseLine(text: string, file: string | undefined, line: number): LineResult {
  const problems: ParseProblem[] = [];
  let raw = text;
  const nul = raw.indexOf('\0');
  if (nul >= 0) {
    problems.push(problem(file, line, 'NUL byte in line (text after it ignored)', raw.replace(/\0/g, '\\0')));
    raw = raw.slice(0, nul);
  }
  if (raw.length === 0 || /^\s*$/.test(raw)) {
    if (nul >= 0) return { problems };
    return { problems };
  }
  let pos = 0;
  const kmsg = KMSG_PREFIX.exec(raw);
  if (kmsg) pos = kmsg[0].length;
  let node: string | undefined;
  if (raw.startsWith('node=', pos)) {
    const sp = raw.indexOf(' ', pos);
    if (sp < 0) return { problems: [...problems, problem(file, line, 'truncated line: no type= after node=', raw)] };
    node = raw.slice(pos + 5, sp);
    pos = sp + 1;
  }
  if (!raw.startsWith('type=', pos)) {
    return { problems: [...problems, problem(file, line, 'not an audit record: expected type=', raw)] };
  }
  const typeEnd = raw.indexOf(' ', pos);
  if (typeEnd < 0) return { problems: [...problems, problem(file, line, 'truncated line: no msg=audit(...)', raw)] };
  const typeText = raw.slice(pos + 5, typeEnd);
  const open = raw.indexOf('audit(', typeEnd);
  const close = open < 0 ? -1 : raw.indexOf(')', open);
  if (open < 0 || close < 0) {
    return { problems: [...problems, problem(file, line, 'truncated line: no complete msg=audit(SEC.MS:SERIAL)', raw)] };
  }
  const stamp = /^(\d+)\.(\d{1,3}):(\d+)$/.exec(raw.slice(open + 6, close));
  if (!stamp) return { problems: [...problems, problem(file, line, 'bad time stamp in msg=audit(...)', raw)] };
  let bodyStart = close + 1;
  if (raw.charCodeAt(bodyStart) === 0x3a) bodyStart++;
  if (raw.charCodeAt(bodyStart) === 0x20) bodyStart++;
  const typeNum = recordTypeNumber(typeText);
  let type = typeText;
  if (typeNum >= 0) type = recordTypeName(typeNum) ?? `UNKNOWN[${typeNum}]`;
  const init: RecordInit = {
    type, sec: Number(stamp[1]), msec: Number(stamp[2]), serial: Number(stamp[3]),
    raw, line, bodyStart, sepAt: raw.indexOf(INTERP_SEPARATOR, bodyStart),
  };
  if (typeNum >= 0) init.typeNum = typeNum;
  if (node !== undefined) init.node = node;
  if (file !== undefined) init.file = file;
  return { record: makeRecord(init), problems };
}

/** Problems inside the fields of a parsed record (bad hex in hex-encoded values). */
export function checkFields(record: AuditRecord): ParseProblem[] {
  const out: ParseProblem[] = [];
  for (const f of record.fields) {
    if (!HEX_ENCODED.has(f.name)) continue;
    if (f.value.startsWith('"')) {
      if (f.value.length < 2 || !f.value.endsWith('"')) out.push(problem(record.file, record.line, `unterminated quoted value in ${f.name}=`, f.value));
      continue;
    }
    if (decodeValue(f.value) === undefined) out.push(problem(record.file, record.line, `bad hex in ${f.name}=`, f.value));
  }
  return out;
}

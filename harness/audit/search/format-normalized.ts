// ausearch --format csv and --format text (csv_event / text_event in src/ausearch-report.c): every
// event goes through auparse (auparseEvents) and its normalizer (normalize), one line per auparse event.
import type { AuditEvent } from '../records/types.js';
import { auparseEvents, type AuEvent } from './auparse-event.js';
import { localStamp } from './format-interpret.js';
import { localTime } from './local-time.js';
import { normalize, objKindName, seek, type Loc } from './normalize.js';
import type { Output } from './output.js';

export interface CsvExtras {
  keys: boolean;
  labels: boolean;
  obj2: boolean;
  time: boolean;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const str = (s: string | undefined) => s ?? '(null)';

function isSuccess(au: AuEvent): boolean {
  const item = au.interpret() ?? '';
  return item === 'yes' || item.startsWith('suc') || (au.fieldType() === 'SECCOMP' && item === 'allow');
}

/** The first attribute named `name` (SUBJ_LABEL/OBJ_LABEL); auparse keeps the first seek's status. */
function labelOf(au: AuEvent, attrs: Loc[], name: string): string {
  if (attrs.length === 0) return '';
  const rc = seek(au, attrs[0]);
  let i = 0;
  for (;;) {
    if (rc === 1 && au.fieldName() === name) return str(au.interpret());
    i++;
    if (i >= attrs.length || seek(au, attrs[i]) !== 1) return '';
  }
}

function extraTime(sec: number, milli: number): string {
  const t = localTime(sec);
  if (t === undefined) return `,,,,,${milli},,`;
  const off = t.gmtoff;
  const total = Math.abs(off);
  const hour = Math.floor(total / 3600);
  // ausearch prints the seconds left over, not the minutes
  const min = (total - hour * 3600) % 60;
  const h = t.hour;
  return `${t.year},${pad2(t.mon + 1)},${pad2(t.mday)},${t.wday || 7},${h < 10 ? ` ${h}` : h},${milli},${off >= 0 ? '+' : '-'}${pad2(hour)}:${pad2(min)},`;
}

export class CsvWriter {
  private headerDone = false;

  constructor(private readonly out: Output, private readonly err: Output, private readonly x: CsvExtras, private readonly eoeTimeout: number) {}

  /** Writes the event; returns auparse's last event of it (none when auparse made none). */
  write(e: AuditEvent): AuEvent | undefined {
    const events = auparseEvents(e, this.eoeTimeout);
    for (const au of events) this.event(au, e);
    return events[events.length - 1];
  }

  private event(au: AuEvent, e: AuditEvent): void {
    const { out, x } = this;
    if (!this.headerDone) {
      this.headerDone = true;
      out.write(`NODE,EVENT,DATE,TIME,${x.time ? 'YEAR,MONTH,DAY,WEEKDAY,HOUR,MILLI,GMT_OFFSET,' : ''}SERIAL_NUM,EVENT_KIND,` +
        `SESSION,SUBJ_PRIME,SUBJ_SEC,SUBJ_KIND,${x.labels ? 'SUBJ_LABEL,' : ''}ACTION,` +
        `RESULT,OBJ_PRIME,OBJ_SEC,${x.obj2 ? 'OBJ2,' : ''}${x.labels ? 'OBJ_LABEL,' : ''}OBJ_KIND,HOW${x.keys ? ',KEY' : ''}\n`);
    }
    const p: string[] = [];
    if (e.node !== undefined) p.push(str(au.interpret()));
    p.push(',');
    const type = au.typeName();
    if (type !== undefined) p.push(type);
    p.push(',');
    const { rc, n } = normalize(au, x.labels ? 'all' : 'no-attrs');
    const stamp = localStamp(e.sec);
    // localtime failed ('?'): auparse leaves the date and time columns empty
    p.push(stamp === '?' ? ',,' : `${stamp.slice(0, 8)},${stamp.slice(9)},`);
    if (x.time) p.push(extraTime(e.sec, e.msec));
    p.push(`${e.serial},`);
    if (rc) {
      this.err.write(`error normalizing ${str(type)}\n`);
      p.push(`,,,,,,,,,${x.labels ? ',,' : ''}${x.keys ? ',' : ''}\n`);
      out.write(p.join(''));
      return;
    }
    p.push(`${n.evkind ?? 'unknown'},`);
    if (seek(au, n.session) === 1) p.push(str(au.interpret()));
    p.push(',');
    if (seek(au, n.subjPrimary) === 1) {
      const subj = str(au.interpret());
      p.push(subj === 'unset' ? 'system' : subj);
    }
    p.push(',');
    if (seek(au, n.subjSecondary) === 1) p.push(str(au.interpret()));
    p.push(',');
    if (n.subjKind !== undefined) p.push(n.subjKind);
    p.push(',');
    if (x.labels) p.push(`${labelOf(au, n.subjAttrs, 'subj')},`);
    const action = n.action;
    p.push(`${action ?? 'did-unknown'},`);
    if (seek(au, n.results) === 1) p.push(isSuccess(au) ? 'success' : 'failed');
    p.push(',');
    if (seek(au, n.objPrimary) === 1) {
      let val: string | undefined;
      if (au.fieldType() === 'ESCAPED_FILE') val = au.interpretRealpath();
      else if (au.type() === 1305 && (action === 'set' || action === 'seccomp-logging')) val = au.fieldName();
      else val = au.interpret();
      p.push(str(val));
    }
    p.push(',');
    if (seek(au, n.objSecondary) === 1) p.push(str(au.interpret()));
    p.push(',');
    if (x.obj2) {
      if (seek(au, n.objTwo) === 1) p.push(str(au.fieldType() === 'ESCAPED_FILE' ? au.interpretRealpath() : au.interpret()));
      p.push(',');
    }
    if (x.labels) p.push(`${labelOf(au, n.objAttrs, 'obj')},`);
    p.push(`${objKindName(n)},`);
    if (n.how !== undefined) p.push(n.how);
    if (x.keys) {
      p.push(',');
      if (seek(au, n.key) === 1) p.push(str(au.interpret()));
    }
    p.push('\n');
    out.write(p.join(''));
  }
}

/** Writes the event; returns auparse's last event of it (none when auparse made none). */
export function writeText(e: AuditEvent, out: Output, eoeTimeout: number): AuEvent | undefined {
  const events = auparseEvents(e, eoeTimeout);
  for (const au of events) textEvent(au, e, out);
  return events[events.length - 1];
}

function textEvent(au: AuEvent, e: AuditEvent, out: Output): void {
  const stamp = localStamp(e.sec);
  const tmp = stamp === '?' ? stamp : `${stamp.slice(9)} ${stamp.slice(0, 8)}`;
  const type = au.type();
  const { n } = normalize(au, 'no-attrs');
  const p: string[] = [e.node !== undefined ? `On ${str(au.interpret())} at ${tmp} ` : `At ${tmp} `];
  let id = -2;
  if (seek(au, n.subjPrimary) === 1) {
    const subj = str(au.interpret());
    id = au.fieldInt();
    p.push(subj === 'unset' ? 'system' : subj);
  }
  if (seek(au, n.subjSecondary) === 1) {
    const uid = au.fieldInt();
    if (uid !== id && id !== -2 && uid !== -1) p.push(`, acting as ${str(au.interpret())},`);
  }
  if (seek(au, n.results) === 1) p.push(isSuccess(au) ? ' successfully ' : ' unsuccessfully ');
  else p.push(' ');
  const action = n.action;
  p.push(`${action ?? 'did-unknown'} `);
  if (seek(au, n.objPrimary) === 1) {
    let val: string | undefined;
    if (action?.includes('violated')) val = 'accessing ';
    const ftype = au.fieldType();
    if (ftype === 'ESCAPED_FILE') val = au.interpretRealpath();
    else if (ftype === 'SOCKADDR') val = au.interpretSockPart('laddr=') ?? au.interpretSockPart('fam=');
    else if (type === 1305) val = action === 'set' || action === 'seccomp-logging' ? au.fieldName() : au.interpret();
    val ??= au.interpret();
    p.push(`${str(val)} `);
  }
  if (seek(au, n.objTwo) === 1) {
    p.push(`to ${str(au.fieldType() === 'ESCAPED_FILE' ? au.interpretRealpath() : au.interpret())} `);
  }
  if (n.how !== undefined && action !== undefined && !action.startsWith('e')) p.push(`using ${n.how}`);
  p.push('\n');
  out.write(p.join(''));
}

/** The --format csv writer for a search: its header goes out before the first event. */
export function normalizedWriter(o: { extra: CsvExtras }, out: Output, err: Output, eoeTimeout: number): (e: AuditEvent) => AuEvent | undefined {
  const w = new CsvWriter(out, err, o.extra, eoeTimeout);
  return (e) => w.write(e);
}

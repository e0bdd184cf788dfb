// --raw and the default output of ausearch (output_raw, output_default in src/ausearch-report.c).
import type { AuditEvent, AuditRecord } from '../records/types.js';
import { messageOf } from './ausearch-line.js';
import type { Output } from './output.js';
import { localTime } from './local-time.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** ctime(3) in local time: "Wed Nov 22 18:00:00 2026\n". */
export function ctime(sec: number): string {
  const t = localTime(sec);
  // a time localtime cannot convert (its year overflows tm_year): ausearch prints ctime's NULL through
  // %s, with no newline
  if (t === undefined) return '(null)';
  const day = t.mday;
  return `${DAYS[t.wday]} ${MONTHS[t.mon]} ${day < 10 ? ` ${day}` : day} ${pad2(t.hour)}:${pad2(t.min)}:${pad2(t.sec)} ${t.year}\n`;
}

/** Control characters as \ooo (the default --escape tty), else the text unchanged. */
export function ttyEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c < 32 ? `\\${(c >> 6) & 7}${(c >> 3) & 7}${c & 7}` : s[i];
  }
  return out;
}

export function isEnriched(e: AuditEvent): boolean {
  return e.records.some((r) => r.raw.includes('\x1d'));
}

export function writeRaw(e: AuditEvent, out: Output): void {
  const enriched = isEnriched(e);
  for (const r of e.records) {
    const msg = messageOf(r);
    // ausearch puts the 0x1d separator back for every record of an ENRICHED event.
    out.write(enriched ? (msg.length === r.raw.length ? `${msg}\x1d\n` : `${r.raw}\n`) : `${msg}\n`);
  }
}

/** Records of types DAEMON_START..SYSCALL-1 (daemon and user-space events) stand alone: printed as is. */
function standsAlone(r: AuditRecord): boolean {
  const t = r.typeNum ?? -1;
  return t >= 1200 && t < 1300;
}

export function writeDefault(e: AuditEvent, out: Output): void {
  out.write(`----\ntime->${ctime(e.sec)}`);
  const last = e.records[e.records.length - 1]!;
  if (standsAlone(last)) {
    out.write(`${messageOf(last)}\n`);
    return;
  }
  for (let i = e.records.length - 1; i >= 0; i--) out.write(`${ttyEscape(messageOf(e.records[i]!))}\n`);
}

// Reading a guest's audit log the way audit-testsuite does: the harness writes USER markers with `auditctl -m`,
// waits until the last one is in the log (auditd writes asynchronously), then asks the guest's own ausearch.
import { decodeValue, parseLog } from '../audit/records/index.js';
import type { AuditEvent } from '../audit/records/types.js';
import { shellJoin } from '../shell.js';
import { TargetError, type Target } from '../targets/target.js';

export const LOG_FILE = '/var/log/audit/audit.log';
/** Every marker starts with this; events whose command line carries it are the harness's own plumbing. */
export const MARKER_PREFIX = 'audit-harness #';

/** Marker text: unique per target session (seq), so a retried scenario never reads an earlier attempt's markers. */
export function markerText(seq: number, scenarioId: string, stepId: string, edge: 'begin' | 'end'): string {
  return `${MARKER_PREFIX}${seq} ${scenarioId}/${stepId} ${edge}`;
}

/**
 * What bracketed() says on stderr when a marker cannot be logged. A line, not an exit status: a step may exit with
 * any status (the autoload trigger exits 97, EAFNOSUPPORT), so no status can mean "the marker failed".
 */
export const MARKER_FAILED = 'audit-harness: auditctl -m failed';

/** Shell text that logs a marker (auditctl -m), then runs `command` and logs the end marker, keeping its status. */
export function bracketed(command: string, begin: string, end: string): string {
  const failed = `{ echo ${shellJoin([MARKER_FAILED])} >&2; exit 97; }`;
  return `auditctl -m ${shellJoin([begin])} || ${failed}\n${command}\nrc=$?\nauditctl -m ${shellJoin([end])} || ${failed}\nexit $rc`;
}

/** Serial of each marker text found in `ausearch -m USER --raw` output. */
export function markerSerials(rawUserRecords: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = /msg=audit\(\d+\.\d+:(\d+)\):.*?text=(audit-harness #\d+ \S+ (?:begin|end))/;
  for (const line of rawUserRecords.split('\n')) {
    const m = re.exec(line);
    if (m) out.set(m[2]!, Number(m[1]));
  }
  return out;
}

/**
 * Waits (polling the log in the guest) until `marker` was written, then returns the serials of this session's markers.
 * The USER records are read with grep, not ausearch: they are one line each, and a whole-log ausearch per scenario
 * grew slower with every scenario a boot had run.
 */
export async function waitForMarkers(target: Target, marker: string, timeoutMs = 15_000): Promise<Map<string, number>> {
  const tries = Math.ceil(timeoutMs / 50);
  const session = /^audit-harness #\d+ /.exec(marker)?.[0] ?? MARKER_PREFIX;
  const script = `i=0; while ! grep -qF ${shellJoin([`text=${marker} `])} ${LOG_FILE}; do i=$((i+1)); [ $i -gt ${tries} ] && exit 98; sleep 0.05; done
exec grep -F ${shellJoin([`text=${session}`])} ${LOG_FILE}`;
  const r = await target.exec(script, { timeoutMs: timeoutMs + 10_000 });
  if (r.code === 98) throw new TargetError(target.info.name, `marker "${marker}" never reached ${LOG_FILE} (is auditd running?)`);
  if (r.code !== 0) throw new TargetError(target.info.name, `reading the markers from ${LOG_FILE} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return markerSerials(r.stdout.split('\n').filter((l) => l.startsWith('type=USER ')).join('\n'));
}

export interface KeySearch {
  key: string;
  exact: boolean;
  /** What the guest's ausearch printed (--raw): empty when it found nothing. */
  raw: string;
  events: AuditEvent[];
}

/** `ausearch --input-logs -k KEY [-w] --raw` in the guest (without --input-logs it would read ssh's stdin). */
export async function searchKey(target: Target, key: string, exact: boolean): Promise<KeySearch> {
  const argv = ['ausearch', '--input-logs', '-k', key, ...(exact ? ['-w'] : []), '--raw'];
  const r = await target.exec(argv, { timeoutMs: 60_000 });
  // ausearch exits 1 when nothing matched: with "<no matches>" on stderr, or (--raw, 3.0.9) silently.
  if (r.code === 1 && r.stdout.trim() === '' && (r.stderr.trim() === '' || /<no matches>/.test(r.stderr))) return { key, exact, raw: '', events: [] };
  if (r.code !== 0) throw new TargetError(target.info.name, `${shellJoin(argv)} failed (exit ${r.code}): ${r.stderr.trim()}`);
  const { events, problems } = parseLog(r.stdout, `${target.info.name}:${LOG_FILE}`);
  if (problems.length > 0) {
    const p = problems[0]!;
    throw new TargetError(target.info.name, `ausearch output line ${p.line} unreadable (${p.reason}): ${p.excerpt}`);
  }
  return { key, exact, raw: r.stdout, events: events.filter((e) => !isHarnessPlumbing(e)) };
}

/** Events of the shell that carries the markers (an execve rule sees it): not part of any step. */
export function isHarnessPlumbing(e: AuditEvent): boolean {
  for (const r of e.records) {
    if (r.type !== 'PROCTITLE' && r.type !== 'EXECVE') continue;
    for (const f of r.fields) if ((f.name === 'proctitle' || /^a\d+$/.test(f.name)) && decodeValue(f.value)?.includes(MARKER_PREFIX)) return true;
  }
  return false;
}

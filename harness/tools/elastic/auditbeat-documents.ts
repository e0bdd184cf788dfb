// Audit log -> the ECS documents auditbeat would index for it, one per event it receives.
import { parseLog, type AuditEvent, type ParseProblem } from '../../audit/records/index.js';
import { GUEST_UID, GUEST_USER } from '../../images/manifest.js';
import { coalesceEvent, type Accounts } from './coalesce.js';
import { ecsDocument, refusedTimestamp, type EcsDocument } from './ecs-document.js';

/** The guests' accounts: root and the image's unprivileged user (same uid and gid). */
export const GUEST_ACCOUNTS: Accounts = {
  users: new Map([['0', 'root'], [String(GUEST_UID), GUEST_USER]]),
  groups: new Map([['0', 'root'], [String(GUEST_UID), GUEST_USER]]),
};

export interface AuditbeatDocument {
  event: AuditEvent;
  doc: EcsDocument;
}

/** An event auditbeat receives whose document would not be indexed, as `file:line: why` (its first record's). */
export interface UnindexedEvent {
  event: AuditEvent;
  problem: string;
}

function located(event: AuditEvent, why: string): string {
  const first = event.records[0]!;
  const stamp = first.raw.match(/audit\((\d+\.\d+:\d+)\)/)?.[1];
  return `${first.file ?? '-'}:${first.line}: ${stamp === undefined ? '' : `audit(${stamp}): `}${why}`;
}

/**
 * The documents of these events, and the events auditbeat receives but Elasticsearch would refuse to
 * index (a time stamp past year 9999). Events auditbeat never receives are neither.
 */
export function auditbeatIndex(events: AuditEvent[], accounts: Accounts = GUEST_ACCOUNTS): { docs: AuditbeatDocument[]; unindexed: UnindexedEvent[] } {
  const docs: AuditbeatDocument[] = [];
  const unindexed: UnindexedEvent[] = [];
  for (const event of events) {
    const ev = coalesceEvent(event, accounts);
    if ('dropped' in ev) continue;
    const refused = refusedTimestamp(ev.sec, ev.msec);
    if (refused !== undefined) unindexed.push({ event, problem: located(event, refused) });
    else docs.push({ event, doc: ecsDocument(ev) });
  }
  return { docs, unindexed };
}

/** The documents Elasticsearch would hold for these events. */
export function auditbeatDocuments(events: AuditEvent[], accounts: Accounts = GUEST_ACCOUNTS): AuditbeatDocument[] {
  return auditbeatIndex(events, accounts).docs;
}

/**
 * Parses a log's text (RAW or ENRICHED) and maps it; parse problems and unindexed events are returned as
 * `file:line: why`, in line order, not thrown.
 */
export function auditbeatDocumentsOfLog(text: string, file?: string, accounts?: Accounts): { docs: AuditbeatDocument[]; problems: string[] } {
  const { events, problems } = parseLog(text, file);
  const { docs, unindexed } = auditbeatIndex(events, accounts);
  return { docs, problems: skippedLines(problems, unindexed) };
}

/** What of a log gives no document: its parse problems and its unindexed events, as `file:line: why`, in line order. */
export function skippedLines(problems: readonly ParseProblem[], unindexed: readonly UnindexedEvent[]): string[] {
  const all = [
    ...problems.map((p) => ({ line: p.line, text: `${p.file ?? '-'}:${p.line}: ${p.reason}` })),
    ...unindexed.map((u) => ({ line: u.event.records[0]!.line, text: u.problem })),
  ];
  return all.sort((a, b) => a.line - b.line).map((p) => p.text);
}

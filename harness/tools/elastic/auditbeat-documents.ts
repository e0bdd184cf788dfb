// Audit log -> the ECS documents auditbeat would index for it, one per event it receives.
import { parseLog, type AuditEvent } from '../../audit/records/index.js';
import { GUEST_UID, GUEST_USER } from '../../images/manifest.js';
import { coalesceEvent, type Accounts } from './coalesce.js';
import { ecsDocument, type EcsDocument } from './ecs-document.js';

/** The guests' accounts: root and the image's unprivileged user (same uid and gid). */
export const GUEST_ACCOUNTS: Accounts = {
  users: new Map([['0', 'root'], [String(GUEST_UID), GUEST_USER]]),
  groups: new Map([['0', 'root'], [String(GUEST_UID), GUEST_USER]]),
};

export interface AuditbeatDocument {
  event: AuditEvent;
  doc: EcsDocument;
}

export function auditbeatDocuments(events: AuditEvent[], accounts: Accounts = GUEST_ACCOUNTS): AuditbeatDocument[] {
  const out: AuditbeatDocument[] = [];
  for (const event of events) {
    const ev = coalesceEvent(event, accounts);
    if ('dropped' in ev) continue;
    out.push({ event, doc: ecsDocument(ev) });
  }
  return out;
}

/** Parses a log's text (RAW or ENRICHED) and maps it; parse problems are returned, not thrown. */
export function auditbeatDocumentsOfLog(text: string, file?: string, accounts?: Accounts): { docs: AuditbeatDocument[]; problems: string[] } {
  const { events, problems } = parseLog(text, file);
  return { docs: auditbeatDocuments(events, accounts), problems: problems.map((p) => `${p.file ?? '-'}:${p.line}: ${p.reason}`) };
}

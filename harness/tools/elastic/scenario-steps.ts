// Which scenario step each event of a harness-run guest log belongs to: the events between the step's
// `audit-harness #N scenario/step begin` and `… end` USER markers (harness/scenarios/guest-log.ts writes them).
import type { AuditEvent } from '../../audit/records/index.js';
import { MARKER_PREFIX } from '../../scenarios/guest-log.js';

/** Outside any step. */
export const NO_STEP = '-';

const MARKER = new RegExp(`text=${MARKER_PREFIX}\\d+ (\\S+) (begin|end)`);

/** `scenario/step` of every event that is not a marker itself, in log order. */
export function stepsOfEvents(events: AuditEvent[]): Map<AuditEvent, string> {
  const out = new Map<AuditEvent, string>();
  let step = NO_STEP;
  for (const e of events) {
    const marker = e.records.find((r) => r.type === 'USER')?.raw.match(MARKER);
    if (marker) step = marker[2] === 'begin' ? marker[1]! : NO_STEP;
    else out.set(e, step);
  }
  return out;
}

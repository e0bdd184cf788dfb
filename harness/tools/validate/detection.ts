// The Elastic column of validate: the detection rule "Kernel Module Removal" (both versions the seed quotes),
// evaluated with the project's KQL evaluator on the auditbeat documents of what a battery step logged.
import { auditbeatDocuments } from '../elastic/auditbeat-documents.js';
import { loadDetectionRule, type DetectionRule } from '../elastic/detection-rule.js';
import type { BatteryRow } from './battery.js';

export interface Detection {
  /** Rule version id (current, replaced) → whether any document of the step matched. */
  fired: Record<string, boolean>;
  documents: number;
}

let rule: DetectionRule | undefined;
export function detectionRule(): DetectionRule {
  rule ??= loadDetectionRule();
  return rule;
}

export function detect(row: BatteryRow): Detection {
  const r = detectionRule();
  const docs = auditbeatDocuments(row.events);
  const fired = Object.fromEntries(r.versions.map((v) => [v.id, docs.some((d) => v.query.matches(d.doc))]));
  return { fired, documents: docs.length };
}

export function describeDetection(d: Detection): string {
  const on = Object.entries(d.fired).filter(([, f]) => f).map(([v]) => v);
  if (on.length === 0) return `the Elastic rule did not fire (${d.documents} document${d.documents === 1 ? '' : 's'})`;
  return `the Elastic rule fired (${on.join(', ')})`;
}

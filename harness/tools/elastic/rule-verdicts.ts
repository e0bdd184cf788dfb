// A detection rule's verdict per scenario step of a guest log, beside what the kernel logged there.
import type { AuditEvent } from '../../audit/records/index.js';
import { auditbeatIndex, type UnindexedEvent } from './auditbeat-documents.js';
import type { Accounts } from './coalesce.js';
import type { DetectionRule } from './detection-rule.js';
import type { EcsDocument } from './ecs-document.js';
import { NO_STEP, stepsOfEvents } from './scenario-steps.js';

export interface StepVerdict {
  /** `scenario/step`, or '-' for events outside any step. */
  step: string;
  /** Documents auditbeat would index for the step. */
  documents: number;
  /** Rule keys of the step's documents: what the audit rules logged (empty: the kernel logged nothing for it). */
  keys: string[];
  /** Per rule version id: the documents that fire. */
  fired: Record<string, EcsDocument[]>;
}

/** The verdicts per step, in log order, and the events whose documents Elasticsearch would refuse (not in any verdict). */
export function ruleVerdicts(events: AuditEvent[], rule: DetectionRule, accounts?: Accounts): { steps: StepVerdict[]; unindexed: UnindexedEvent[] } {
  const stepOf = stepsOfEvents(events);
  const byStep = new Map<string, StepVerdict>();
  const { docs, unindexed } = auditbeatIndex(events, accounts);
  for (const { event, doc } of docs) {
    const step = stepOf.get(event) ?? NO_STEP;
    let v = byStep.get(step);
    if (!v) {
      v = { step, documents: 0, keys: [], fired: Object.fromEntries(rule.versions.map((r) => [r.id, []])) };
      byStep.set(step, v);
    }
    v.documents++;
    for (const tag of (doc.tags as string[] | undefined) ?? []) if (!v.keys.includes(tag)) v.keys.push(tag);
    for (const version of rule.versions) if (version.query.matches(doc)) v.fired[version.id]!.push(doc);
  }
  return { steps: [...byStep.values()], unindexed };
}

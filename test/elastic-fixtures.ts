// The real guests' logs as auditbeat documents, each with the scenario step whose markers enclose its event.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseLog, type AuditEvent } from '../harness/audit/records/index.js';
import { repoRoot } from '../harness/paths.js';
import { auditbeatDocuments } from '../harness/tools/elastic/auditbeat-documents.js';
import type { EcsDocument } from '../harness/tools/elastic/ecs-document.js';
import { stepsOfEvents } from '../harness/tools/elastic/scenario-steps.js';

export interface StepDocument {
  /** `scenario/step`, or '-' outside any step. */
  step: string;
  event: AuditEvent;
  doc: EcsDocument;
}

const cache = new Map<string, StepDocument[]>();

/** name: under test/fixtures (logs/… or elastic/…). Parsed once per test file. */
export function realLogDocuments(name: string): StepDocument[] {
  let docs = cache.get(name);
  if (!docs) {
    docs = readLogDocuments(name);
    cache.set(name, docs);
  }
  return docs;
}

function readLogDocuments(name: string): StepDocument[] {
  const file = path.join(repoRoot, 'test/fixtures', name);
  const { events, problems } = parseLog(readFileSync(file, 'latin1'), file);
  if (problems.length > 0) throw new Error(`${name}: ${problems.length} parse problems`);
  const stepOf = stepsOfEvents(events);
  return auditbeatDocuments(events).map(({ event, doc }) => ({ step: stepOf.get(event) ?? '-', event, doc }));
}

/** A dotted field of a document (undefined when absent). */
export function field(doc: EcsDocument, dotted: string): unknown {
  let o: unknown = doc;
  for (const k of dotted.split('.')) o = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined;
  return o;
}

export const args = (doc: EcsDocument): string[] | undefined => field(doc, 'process.args') as string[] | undefined;

// Attributes events to steps by marker serials and evaluates a scenario's expectations (gap semantics included).
import type { AuditEvent } from '../audit/records/types.js';
import type { ExpectationResult } from './result.js';
import type { Scenario } from './schema.js';

type Expectation = Scenario['expect'][number];

/** Serial window of a step: events strictly between its begin and end markers belong to it. */
export interface StepWindow { id: string; begin: number; end: number }

export function eventsOfStep(events: AuditEvent[], w: StepWindow): AuditEvent[] {
  return events.filter((e) => e.serial > w.begin && e.serial < w.end);
}

function field(e: AuditEvent, spec: string): string | undefined {
  const [type, name] = spec.split('.') as [string, string];
  for (const r of e.records) if (r.type === type) {
    const f = r.fields.find((x) => x.name === name);
    if (f) return f.value;
  }
  return undefined;
}

function matches(value: string | undefined, m: string | { exact?: string; regex?: string; oneOf?: string[] }): boolean {
  if (value === undefined) return false;
  if (typeof m === 'string') return value === m;
  if (m.exact !== undefined) return value === m.exact;
  if (m.regex !== undefined) return new RegExp(m.regex).test(value);
  if (m.oneOf) return m.oneOf.includes(value);
  return false;
}

export function evaluate(x: Expectation, events: AuditEvent[]): ExpectationResult {
  const summary = events.map((e) => `${e.serial}:${e.records.map((r) => r.type).join(',')}`).join(' ') || '(none)';
  const description = `step ${x.step}: key ${x.key} ${x.absent ? 'absent' : 'logged'}`;
  if (x.absent) {
    const ok = events.length === 0;
    const gap = ok && x.reason !== undefined;
    return { description, outcome: ok ? (gap ? 'gap' : 'pass') : 'fail', expected: 'no event', actual: summary,
      ...(x.reason ? { reason: x.reason } : {}), ...(x.reference ? { reference: x.reference } : {}) };
  }
  const good = events.filter((e) => (x.records ?? []).every((t) => e.records.some((r) => r.type === t))
    && Object.entries(x.fields ?? {}).every(([k, m]) => matches(field(e, k), m)));
  const c = x.count;
  const ok = c === undefined ? good.length > 0
    : typeof c === 'number' ? good.length === c
    : (c.min === undefined || good.length >= c.min) && (c.max === undefined || good.length <= c.max);
  return { description, outcome: ok ? 'pass' : 'fail',
    expected: `${c === undefined ? '>=1' : JSON.stringify(c)} event(s) with ${JSON.stringify({ records: x.records, fields: x.fields })}`,
    actual: `${good.length} matching of ${events.length}: ${summary}` };
}

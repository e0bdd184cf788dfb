// Attributes events to steps by marker serials and evaluates a scenario's expectations (gap semantics included).
import type { AuditEvent } from '../audit/records/types.js';
import { interpretRecord } from '../audit/records/interpret/index.js';
import type { ExpectationResult } from './result.js';
import { parseFieldSpec, type Scenario } from './schema.js';
import { conditionsHold, describeConditions } from '../releases/conditions.js';
import type { AllFacts } from '../releases/facts.js';

type Expectation = Scenario['expect'][number];
type Matcher = NonNullable<Expectation['fields']>[string];

/** Serial window of a step: events strictly between its begin and end markers belong to it. */
export interface StepWindow { id: string; begin: number; end: number }

export function eventsOfStep(events: AuditEvent[], w: StepWindow): AuditEvent[] {
  return events.filter((e) => e.serial > w.begin && e.serial < w.end);
}

/**
 * Value of `RECORD.field` (as logged) or `RECORD.field:i` (interpreted as `ausearch -i` prints it) in an event;
 * the first record of that type that has the field wins.
 */
export function fieldOf(e: AuditEvent, spec: string): string | undefined {
  const parsed = parseFieldSpec(spec);
  if ('problem' in parsed) return undefined; // the loader refuses such a spec; read as nothing, never as another field
  const { type, name, interpreted } = parsed;
  for (const r of e.records) if (r.type === type) {
    if (interpreted) {
      const f = interpretRecord(r, e).find((x) => x.name === name);
      if (f) return f.value;
    } else {
      const f = r.fields.find((x) => x.name === name);
      if (f) return f.value;
    }
  }
  return undefined;
}

function matches(value: string | undefined, m: Matcher): boolean {
  if (value === undefined) return false;
  if (typeof m === 'string') return value === m;
  if ('exact' in m) return value === m.exact;
  if ('regex' in m) return new RegExp(m.regex).test(value);
  return m.oneOf.includes(value);
}

/** One line per event: serial, record types, and the fields the expectation names (so a failure shows why). */
function describeEvents(events: AuditEvent[], x: Expectation): string {
  if (events.length === 0) return '(no event)';
  return events.map((e) => {
    const named = Object.keys(x.fields ?? {}).map((k) => `${k}=${fieldOf(e, k) ?? '(missing)'}`);
    return [`serial ${e.serial}: ${e.records.map((r) => r.type).join(',')}`, ...named].join(' ');
  }).join('\n');
}

/** The expectations that hold on a target with these release facts (those without `when:`, and those whose facts hold). */
export function expectationsFor(s: Scenario, facts: AllFacts): Expectation[] {
  return s.expect.filter((x) => x.when === undefined || conditionsHold(x.when, facts));
}

export function evaluate(x: Expectation, events: AuditEvent[]): ExpectationResult {
  const filtered = x.records !== undefined || x.fields !== undefined;
  const when = x.when ? describeConditions(x.when) : undefined;
  const description = `step ${x.step}: key ${x.key}${filtered ? ` ${describeFilter(x).replace(/\n/g, ', ')}` : ''} ${x.absent ? 'absent' : 'logged'}${when ? ` (where ${when})` : ''}`;
  const r = evaluateMatching(x, events, description);
  return when ? { ...r, when } : r;
}

function evaluateMatching(x: Expectation, events: AuditEvent[], description: string): ExpectationResult {
  const filtered = x.records !== undefined || x.fields !== undefined;
  const good = events.filter((e) => (x.records ?? []).every((t) => e.records.some((r) => r.type === t))
    && Object.entries(x.fields ?? {}).every(([k, m]) => matches(fieldOf(e, k), m)));
  if (x.absent) {
    // absent with records/fields: no event of the key matches them (others may be logged, e.g. a watch's execve).
    const ok = good.length === 0;
    const gap = ok && x.reason !== undefined;
    return { description, outcome: ok ? (gap ? 'gap' : 'pass') : 'fail',
      expected: filtered ? `no event with\n${describeFilter(x)}` : 'no event',
      actual: `${good.length} matching of ${events.length}\n${describeEvents(events, x)}`,
      ...(x.reason ? { reason: x.reason } : {}), ...(x.reference ? { reference: x.reference } : {}) };
  }
  const c = x.count;
  const ok = c === undefined ? good.length > 0
    : typeof c === 'number' ? good.length === c
    : (c.min === undefined || good.length >= c.min) && (c.max === undefined || good.length <= c.max);
  const want = [
    c === undefined ? '>=1 event' : typeof c === 'number' ? `${c} event(s)` : `${c.min ?? 0}..${c.max ?? '∞'} events`,
    describeFilter(x),
  ].filter((s) => s !== '').join('\n');
  return { description, outcome: ok ? 'pass' : 'fail', expected: want,
    actual: `${good.length} matching of ${events.length}\n${describeEvents(events, x)}` };
}

function describeFilter(x: Expectation): string {
  return [
    x.records ? `records ${x.records.join(',')}` : '',
    ...Object.entries(x.fields ?? {}).map(([k, m]) => `${k}${typeof m === 'string' ? `=${m}` : 'exact' in m ? `=${m.exact}` : 'regex' in m ? ` ~ /${m.regex}/` : ` in ${m.oneOf.join('|')}`}`),
  ].filter((s) => s !== '').join('\n');
}

/** A scenario's outcome from its expectations: any fail fails it; else a documented gap makes it a gap. */
export function outcomeOf(expectations: readonly ExpectationResult[]): 'pass' | 'gap' | 'fail' {
  if (expectations.some((x) => x.outcome === 'fail')) return 'fail';
  return expectations.some((x) => x.outcome === 'gap') ? 'gap' : 'pass';
}

/** A step's exit status against what the scenario expects (0 unless it says otherwise). */
export function evaluateExit(stepId: string, expected: number, actual: number, stderr: string): ExpectationResult {
  return {
    description: `step ${stepId}: exit status ${expected}`,
    outcome: expected === actual ? 'pass' : 'fail',
    expected: String(expected),
    actual: stderr.trim() === '' ? String(actual) : `${actual}: ${stderr.trim()}`,
  };
}

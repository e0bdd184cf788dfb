// `when:` conditions on release facts (a scenario expectation, or a scenario's `applies`): each named fact must hold.
// A number or version fact takes a comparison ('>=31', '<6.4'); any fact takes a value or a list of allowed values.
import { z } from 'zod';
import { kernelAtLeast } from './version.js';
import { ALL_FACT_NAMES, type AllFacts, type AnyFactName } from './facts.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const conditionsSchema = z
  .partialRecord(z.enum(ALL_FACT_NAMES as [AnyFactName, ...AnyFactName[]]), z.union([scalar, z.array(scalar).min(1)]))
  .describe('release facts that must all hold, e.g. { kmod: ">=31", kernelDecompression: xz } or { xzSyscall: init_module }');
export type Conditions = z.infer<typeof conditionsSchema>;

const COMPARISON = /^(>=|<=|>|<|==|!=)\s*(\d+(?:\.\d+)*)$/;

function compare(actual: string | number, op: string, wanted: string): boolean {
  const a = String(actual);
  const ge = kernelAtLeast(a, wanted);
  const le = kernelAtLeast(wanted, a);
  switch (op) {
    case '>=': return ge;
    case '<=': return le;
    case '>': return ge && !le;
    case '<': return !ge;
    case '==': return ge && le;
    default: return !(ge && le);
  }
}

function holdsOne(actual: AllFacts[AnyFactName], wanted: string | number | boolean): boolean {
  if (typeof wanted === 'string' && (typeof actual === 'number' || typeof actual === 'string')) {
    const m = COMPARISON.exec(wanted.trim());
    if (m) return compare(actual, m[1]!, m[2]!);
  }
  return actual === wanted;
}

/** Whether every condition holds for these facts. */
export function conditionsHold(c: Conditions, facts: AllFacts): boolean {
  return Object.entries(c).every(([name, wanted]) => {
    const actual = facts[name as AnyFactName];
    if (actual === undefined) throw new Error(`the target does not know the fact ${name}`);
    return (Array.isArray(wanted) ? wanted : [wanted]).some((w) => holdsOne(actual, w));
  });
}

/** "kmod >=31, kernelDecompression xz" — for reports and reasons. */
export function describeConditions(c: Conditions): string {
  return Object.entries(c)
    .map(([name, w]) => `${name} ${Array.isArray(w) ? `in ${w.join('|')}` : typeof w === 'string' && COMPARISON.test(w) ? w.replace(/\s+/g, '') : `= ${String(w)}`}`)
    .join(', ');
}

// `when:` conditions on release facts (a scenario expectation, or a scenario's `applies`): each named fact must hold.
// A number or version fact takes a comparison ('>=31', '<6.4'); any other fact takes a value or a list of allowed
// values. The schema holds each fact to its own vocabulary (facts.ts), so a value no target can have is refused
// where it is written instead of silently never holding.
import { z } from 'zod';
import { kernelAtLeast } from './version.js';
import {
  ALL_FACT_NAMES, DERIVED_FACT_NAMES, guestFactSchemas, moduleSyscall,
  type AllFacts, type AnyFactName, type DerivedFacts, type ModuleSyscall,
} from './facts.js';

type Scalar = string | number | boolean;

const COMPARISON = /^(>=|<=|>|<|==|!=)\s*(\d+(?:\.\d+)*)$/;
const OPERATORS = '>=, <=, >, <, ==, !=';
/** A number fact's comparisons compare whole numbers; a version fact's dotted versions. */
const NUMBER_COMPARISON = /^(>=|<=|>|<|==|!=)\s*\d+$/;
const VERSION_COMPARISON = COMPARISON;
const looksLikeComparison = (v: string) => /^[<>=!]/.test(v);

/** Every derived fact is the syscall kmod makes (DerivedFacts); the check below keeps that so. */
const derivedSchemas = Object.fromEntries(DERIVED_FACT_NAMES.map((n) => [n, moduleSyscall])) as
  { [K in keyof DerivedFacts]: DerivedFacts[K] extends ModuleSyscall ? typeof moduleSyscall : never };
const factSchemas: { [K in AnyFactName]: z.ZodType } = { ...guestFactSchemas, ...derivedSchemas };

/** How a condition on a fact is written, from the fact's own schema. */
type FactKind =
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'number' }
  | { kind: 'version' };

function kindOf(name: AnyFactName): FactKind {
  const s = factSchemas[name];
  if (s instanceof z.ZodEnum) return { kind: 'enum', values: s.options as string[] };
  if (s instanceof z.ZodBoolean) return { kind: 'boolean' };
  if (s instanceof z.ZodNumber) return { kind: 'number' };
  if (s instanceof z.ZodString) return { kind: 'version' };
  throw new Error(`conditions: no condition syntax for the fact ${name}`);
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Why a value (or list of values) cannot be a condition on this fact; undefined when it can. */
export function conditionProblem(name: AnyFactName, input: unknown): string | undefined {
  if (Array.isArray(input)) {
    if (input.length === 0) return 'an empty list, which no target matches';
    for (const v of input) {
      const p = conditionProblem(name, v);
      if (p) return p;
    }
    return undefined;
  }
  const k = kindOf(name);
  switch (k.kind) {
    case 'enum':
      if (typeof input === 'string' && k.values.includes(input)) return undefined;
      if (typeof input === 'string' && looksLikeComparison(input)) return `${name} is not compared: it is one of ${k.values.join(', ')}`;
      return `${show(input)} is not a value of ${name}: it is one of ${k.values.join(', ')}`;
    case 'boolean':
      return typeof input === 'boolean' ? undefined : `${name} is true or false (unquoted), not ${show(input)}`;
    case 'number':
      if (typeof input === 'number' && Number.isInteger(input) && input >= 0) return undefined;
      if (typeof input === 'string' && NUMBER_COMPARISON.test(input)) return undefined;
      if (typeof input === 'string' && looksLikeComparison(input)) {
        return `${show(input)} is not a comparison of ${name}: an operator (${OPERATORS}) and a whole number, e.g. ">=31"`;
      }
      return `${name} is a whole number: write one (unquoted) or a comparison such as ">=31", not ${show(input)}`;
    case 'version':
      if (typeof input === 'string' && VERSION_COMPARISON.test(input)) return undefined;
      if (typeof input === 'string' && looksLikeComparison(input)) {
        return `${show(input)} is not a comparison of ${name}: an operator (${OPERATORS}) and a dotted version, e.g. ">=6.1"`;
      }
      // A target's version is its whole release string (6.1.0-28-cloud-amd64): a bare "6.1" would never equal it.
      return `${name} is a version and is compared, not matched: write a quoted comparison such as "==6.1" or ">=6.1", not ${show(input)}`;
  }
}

/** One fact's condition in the schema: its JSON Schema tells editors the values; the errors say what is wrong. */
function conditionSchema(name: AnyFactName): z.ZodOptional<z.ZodType<Scalar | Scalar[]>> {
  const k = kindOf(name);
  const error = (iss: { input?: unknown }) => conditionProblem(name, iss.input) ?? `${name}: not a condition`;
  const one = k.kind === 'enum' ? z.enum(k.values as [string, ...string[]], { error })
    : k.kind === 'boolean' ? z.boolean({ error })
    : k.kind === 'number' ? z.union([z.number({ error }).int({ error }).min(0, { error }), z.string({ error }).regex(NUMBER_COMPARISON, { error })], { error })
    : z.string({ error }).regex(VERSION_COMPARISON, { error });
  return z.union([one, z.array(one, { error }).min(1, { error })], { error }).optional() as z.ZodOptional<z.ZodType<Scalar | Scalar[]>>;
}

const factConditions = Object.fromEntries(ALL_FACT_NAMES.map((n) => [n, conditionSchema(n)])) as Record<AnyFactName, ReturnType<typeof conditionSchema>>;
const DESCRIPTION = 'release facts that must all hold, e.g. { kmod: ">=31", kernelDecompression: xz } or { xzSyscall: init_module }';

/** Each fact with its own values: what checks a condition, and what editors are shown (scenarios/schema.json). */
const conditionsObject = z.strictObject(factConditions, {
  error: (iss) => (iss.code === 'unrecognized_keys' ? `no release fact ${iss.keys.join(', ')} (facts: ${ALL_FACT_NAMES.join(', ')})` : undefined),
});

/**
 * The conditions as written, checked by conditionsObject. Parsed by an object schema they would come out in its
 * key order; reports name the facts in the order the scenario's author wrote them.
 */
export const conditionsSchema = z.record(z.string(), z.unknown())
  .superRefine((c, ctx) => {
    const r = conditionsObject.safeParse(c);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  })
  .meta({ id: 'conditions', description: DESCRIPTION }) as unknown as z.ZodType<Conditions, Conditions>;

/** For z.toJSONSchema's override: the conditions shown as conditionsObject (each fact's values), not as a free map. */
export function conditionsJsonOverride(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  if (ctx.zodSchema !== conditionsSchema) return;
  const { $schema: _, ...shown } = z.toJSONSchema(conditionsObject, { io: 'input' }) as Record<string, unknown>;
  for (const k of Object.keys(ctx.jsonSchema)) if (k !== 'description' && k !== 'id') delete ctx.jsonSchema[k];
  Object.assign(ctx.jsonSchema, shown);
}

export type Conditions = { [K in AnyFactName]?: Scalar | Scalar[] };

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

function holdsOne(actual: AllFacts[AnyFactName], wanted: Scalar): boolean {
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

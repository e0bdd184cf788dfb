// What a results.json's `run` must hold for the readers (report merge, repro, the reporters) to use it: the contract
// of ../result.ts as a zod schema, checked when a file is read back, so a broken file is named with the place in its
// JSON that is wrong instead of failing later as a JavaScript error. Objects are loose: fields a newer writer adds
// are kept. The type checks at the end make tsc fail when result.ts changes and this schema does not follow.
import { z } from 'zod';
import { guestFactSchemas, moduleSyscall } from '../../releases/facts.js';
import type { ExpectationResult, Outcome, RunResult, StepResult } from '../result.js';

const OUTCOME_VALUES = ['pass', 'gap', 'fail', 'error', 'not-applicable'] as const;
const EXPECTATION_OUTCOMES = ['pass', 'fail', 'gap'] as const;
const AS_VALUES = ['root', 'sudo', 'user'] as const;
const DO_VALUES = [
  'insmod', 'rmmod', 'modprobe', 'modprobe-r', 'kmod-insmod', 'kmod-remove', 'kmod-exec-a', 'kmod-symlink',
  'init_module', 'finit_module', 'delete_module', 'autoload', 'run',
] as const;
const MODULE_VALUES = ['distro', 'ko', 'xz', 'stock'] as const;

const num = z.number().refine(Number.isFinite, 'not a finite number');
const date = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');

const field = z.looseObject({ name: z.string(), value: z.string(), enriched: z.string().optional() });

const record = z.looseObject({
  type: z.string(),
  typeNum: num.optional(),
  node: z.string().optional(),
  sec: num,
  msec: num,
  serial: num,
  fields: z.array(field),
  raw: z.string(),
  file: z.string().optional(),
  line: num,
});

const event = z.looseObject({ sec: num, msec: num, serial: num, node: z.string().optional(), records: z.array(record) });

const step = z.looseObject({
  id: z.string(),
  path: z.string(),
  as: z.enum(AS_VALUES),
  do: z.enum(DO_VALUES).optional(),
  module: z.enum(MODULE_VALUES).optional(),
  command: z.string(),
  exitCode: num,
  stdout: z.string(),
  stderr: z.string(),
  durationMs: num,
  events: z.array(event),
  logged: z.array(z.looseObject({ syscall: z.string().optional(), key: z.string().optional(), types: z.array(z.string()), serial: num })),
});

const expectation = z.looseObject({
  description: z.string(),
  outcome: z.enum(EXPECTATION_OUTCOMES),
  expected: z.string(),
  actual: z.string(),
  reason: z.string().optional(),
  when: z.string().optional(),
  reference: z.string().optional(),
});

const scenarioResult = z.looseObject({
  scenarioId: z.string().min(1),
  title: z.string(),
  source: z.string().optional(),
  file: z.string().min(1),
  target: z.string().min(1),
  arch: z.string(),
  kernelRelease: z.string().optional(),
  ruleset: z.string(),
  apply: z.string(),
  outcome: z.enum(OUTCOME_VALUES),
  durationMs: num,
  steps: z.array(step),
  expectations: z.array(expectation),
  loadedRules: z.string().optional(),
  rules: z.looseObject({ name: z.string(), file: z.string(), text: z.string() }).optional(),
  repro: z.string().optional(),
  validate: z.string().optional(),
  ausearchRaw: z.string().optional(),
  error: z.string().optional(),
  retries: num.optional(),
});

// Each fact optional: results written before a fact existed (kernModule) lack it, and no reader needs them all.
const facts = z.looseObject({ ...guestFactSchemas, koSyscall: moduleSyscall, xzSyscall: moduleSyscall, distroModuleSyscall: moduleSyscall }).partial();

const targetInfo = z.looseObject({
  name: z.string().min(1),
  arch: z.string().optional(),
  kernelRelease: z.string().optional(),
  facts: facts.optional(),
  image: z.string().min(1).optional(),
  bootMs: num.optional(),
  error: z.string().optional(),
});

export const runResultSchema = z.looseObject({
  startedAt: date,
  durationMs: num,
  targets: z.array(targetInfo),
  results: z.array(scenarioResult),
});

/** `run.results[0].steps`: where an issue is, from the document's top. */
function jsonPath(top: string, p: readonly PropertyKey[]): string {
  return p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : /^[A-Za-z_$][\w$]*$/.test(String(k)) ? `${s}.${String(k)}` : `${s}[${JSON.stringify(String(k))}]`), top);
}

function what(issue: z.core.$ZodIssue): string {
  const m = issue.message.replace(/^Invalid input: /, '');
  const missing = /^expected (.+), received undefined$/.exec(m);
  return missing ? `missing (expected ${missing[1]})` : m.replace(/, received /, ', got ');
}

/**
 * The problems of `run` (the `run` of a results file), as "run.results[2].steps: expected array, got object"; the
 * first few only, and how many more. Empty when it holds.
 */
export function runProblems(run: unknown, top = 'run', max = 3): string[] {
  const parsed = runResultSchema.safeParse(run);
  if (parsed.success) return [];
  const issues = parsed.error.issues;
  const shown = issues.slice(0, max).map((i) => `${jsonPath(top, i.path)}: ${what(i)}`);
  if (issues.length > max) shown.push(`(and ${issues.length - max} more)`);
  return shown;
}

// tsc fails here when result.ts adds a required field, an outcome, a step kind... that the schema above lacks
// (facts aside: they are read as they were recorded, each one optional).
const runFollowsResultTs = (p: z.infer<typeof runResultSchema>): RunResult => ({ ...p, targets: p.targets.map(({ facts: _, ...t }) => t) });
void runFollowsResultTs;
type Same<A extends string, B extends string> = [Exclude<A, B> | Exclude<B, A>] extends [never] ? true : false;
const enumsFollowResultTs: [
  Same<Outcome, (typeof OUTCOME_VALUES)[number]>,
  Same<ExpectationResult['outcome'], (typeof EXPECTATION_OUTCOMES)[number]>,
  Same<StepResult['as'], (typeof AS_VALUES)[number]>,
  Same<NonNullable<StepResult['do']>, (typeof DO_VALUES)[number]>,
  Same<NonNullable<StepResult['module']>, (typeof MODULE_VALUES)[number]>,
] = [true, true, true, true, true];
void enumsFollowResultTs;

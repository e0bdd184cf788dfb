// Zod schema of a scenario file (scenarios/**/*.yaml); scenarios/schema.json is generated from it.
import { z } from 'zod';
import { recordTypeName, recordTypeNumber } from '../audit/records/record-types.js';
import { conditionsJsonOverride, conditionsSchema } from '../releases/conditions.js';

/** Why a pattern is no JavaScript regular expression (the evaluator compiles it with new RegExp); undefined when it is one. */
function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const matcher = z.union([
  z.string(),
  z.object({ exact: z.string() }).strict(),
  z.object({
    regex: z.string().refine((r) => regexProblem(r) === undefined, { error: (iss) => regexProblem(String(iss.input)) ?? 'not a regular expression' }),
  }).strict(),
  z.object({ oneOf: z.array(z.string()).min(1) }).strict(),
]);

/** `RECORD.field` or `RECORD.field:i`: a record type as libaudit names it, a field as the kernel or auditd writes it. */
const FIELD_SPEC = /^([A-Z][A-Z0-9_]*)\.([A-Za-z0-9_-]+(?:\[\d+\])?)(:i)?$/;

export interface FieldSpec {
  /** Record type name, e.g. SYSCALL. */
  type: string;
  /** Field name in the record, e.g. syscall. */
  name: string;
  /** `:i`: the value as `ausearch -i` prints it, rather than as logged. */
  interpreted: boolean;
}

/** A `fields:` key read, or why it cannot be one. */
export function parseFieldSpec(spec: string): FieldSpec | { problem: string } {
  const m = FIELD_SPEC.exec(spec);
  if (m) {
    const [, type, name, i] = m as unknown as [string, string, string, string | undefined];
    if (recordTypeName(recordTypeNumber(type)) !== type) return { problem: `${type} is not an audit record type (such as SYSCALL, PROCTITLE, KERN_MODULE, EXECVE, PATH)` };
    return { type, name, interpreted: i !== undefined };
  }
  const dot = spec.indexOf('.');
  const type = dot < 0 ? spec : spec.slice(0, dot);
  const rest = dot < 0 ? '' : spec.slice(dot + 1);
  if (rest === '' || rest === ':i') return { problem: `${spec} names no field: write RECORD.field, e.g. SYSCALL.syscall (as logged) or SYSCALL.syscall:i (interpreted)` };
  if (/:/.test(rest) && !rest.endsWith(':i')) return { problem: `:${rest.split(':').pop()} is no suffix of a field: the only one is :i (the value as ausearch -i prints it)` };
  if (type.toUpperCase() !== type && recordTypeName(recordTypeNumber(type.toUpperCase())) === type.toUpperCase()) {
    return { problem: `record types are upper case: ${type.toUpperCase()}` };
  }
  return { problem: `${spec} is not RECORD.field or RECORD.field:i (a record type such as SYSCALL, a dot, a field name)` };
}

const fieldSpecProblem = (spec: string) => { const p = parseFieldSpec(spec); return 'problem' in p ? p.problem : undefined; };
const fieldSpec = z.string()
  .regex(FIELD_SPEC, { error: (iss) => fieldSpecProblem(String(iss.input)), abort: true })
  .refine((s) => fieldSpecProblem(s) === undefined, { error: (iss) => fieldSpecProblem(String(iss.input)) });

const eventCount = z.union([
  z.number().int().min(0),
  z.object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).strict()
    .refine((c) => c.min !== undefined || c.max !== undefined, { error: 'give min, max or both (without them any number of events, none included, would do)' })
    .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, { error: (iss) => {
      const c = iss.input as { min: number; max: number };
      return `min ${c.min} is more than max ${c.max}: no number of events is both`;
    } }),
]);

/** One value for every kernel arch, or one per arch (a scenario applies only to the archs it gives). */
const perArch = <T extends z.ZodType>(t: T) => z.union([
  t,
  z.object({ x86_64: t, i686: t }).partial().strict()
    .refine((v) => Object.keys(v).length > 0, { error: 'give the rules for x86_64, i686 or both (none: the scenario would apply nowhere)' }),
]);

export const recordTypes = ['SYSCALL', 'PROCTITLE', 'KERN_MODULE', 'EXECVE', 'PATH', 'CWD'] as const;

const expectation = z.object({
  step: z.string().describe('id of the step whose events this expectation checks'),
  key: z.string().min(1, { error: 'an empty key names no rule (ausearch -k KEY)' }).describe('ausearch -k KEY in the guest'),
  exactKey: z.boolean().default(true).describe('add -w to ausearch'),
  records: z.array(z.enum(recordTypes)).optional().describe('record types each matching event must have'),
  fields: z.record(fieldSpec, matcher).optional().describe('RECORD.field (raw) or RECORD.field:i (interpreted) matchers'),
  count: eventCount.optional().describe('how many events match: exactly N, or { min, max }'),
  absent: z.boolean().optional().describe('nothing logged for this key during the step; with records/fields: no event matching them'),
  reason: z.string().optional().describe('why nothing is logged (with absent: a documented gap)'),
  reference: z.string().optional().describe('URL or seed naming the gap'),
  when: conditionsSchema.optional().describe('checked only on targets whose release facts all hold (the reason names the fact)'),
}).strict();

const step = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  path: z.string().describe('name of the load/unload path for the coverage matrix'),
  as: z.enum(['root', 'sudo', 'user']).default('root'),
  do: z.enum(['insmod', 'rmmod', 'modprobe', 'modprobe-r', 'kmod-insmod', 'kmod-remove', 'kmod-exec-a', 'kmod-symlink', 'init_module', 'finit_module', 'delete_module', 'autoload', 'run'])
    .describe('autoload: a socket() of address family 13, which makes the kernel itself run modprobe for the test module as the release ships it (harness/images/guest-layout.ts AUTOLOAD)'),
  module: z.enum(['distro', 'ko', 'xz', 'stock']).default('distro').optional()
    .describe('distro: audit_test_mod as the release ships modules (.ko, or .ko.xz on Debian 13); ko: the same module uncompressed outside the module tree (a user\'s own build); xz: audit_test_mod_xz.ko.xz; stock: a module of the kernel package (dummy)'),
  loader: z.enum(['64', '32']).optional(),
  argv: z.array(z.string()).optional().describe('for do: run, the command as an argv array'),
  expectExit: z.number().int().default(0).describe('exit status the step must end with (default 0)'),
}).strict();

export const scenarioSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/),
  title: z.string(),
  source: z.string().describe('seed file name, control id or URL'),
  applies: z.object({
    // An empty list would make the scenario n/a on every target, silently.
    archs: z.array(z.enum(['x86_64', 'i686'])).min(1).optional(),
    distros: z.array(z.string()).min(1).optional(),
    images: z.array(z.string()).min(1).optional().describe('target images by name: the part after the colon of a target, e.g. debian12-amd64 (qemu:), rhel9-x86_64 (sim:), rhel9 (vagrant:)'),
    minKernel: z.string().regex(/^\d+(\.\d+)*$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a kernel version such as "5.8" or "6.1"` }).optional(),
    when: conditionsSchema.optional().describe('release facts that must all hold for the scenario to run'),
  }).strict().default({}),
  rules: z.union([
    z.object({ ruleset: perArch(z.string()).describe('a file under scenarios/rulesets (without .rules), or one per kernel arch') }).strict(),
    z.object({
      inline: perArch(z.string()).describe('the rules text, or one text per kernel arch (arch=b32 rules on i686, b64 on x86_64)'),
      name: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional().describe('name of the inline set in reports (default inline:<scenario id>)'),
    }).strict(),
  ]),
  apply: z.enum(['auditctl', 'auditctl-R', 'augenrules', 'none']).default('auditctl')
    .describe('none: the rules are already in the guest (a tool put them there); the runner loads nothing'),
  rulesFile: z.string().regex(/^[A-Za-z0-9_.-]+\.rules$/).optional().describe('augenrules: the file under /etc/audit/rules.d (default 50-<rule set>.rules), as the benchmark names it'),
  applyFails: z.boolean().optional().describe('applying the rules is expected to fail (e.g. arch=b64 on i686)'),
  steps: z.array(step).default([]),
  expect: z.array(expectation).default([]),
}).strict();

export type Scenario = z.infer<typeof scenarioSchema>;

export function scenarioJsonSchema(): unknown {
  return z.toJSONSchema(scenarioSchema, { io: 'input', override: (ctx) => conditionsJsonOverride(ctx as { zodSchema: unknown; jsonSchema: Record<string, unknown> }) });
}

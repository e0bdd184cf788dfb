// Reads a scenario YAML file; errors name file:line:col of the offending node (or the file, when no node is to blame),
// every problem the file has in one error, one line each.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { issueProblem, parseYamlSource, positionOf, YamlFileError, yamlValue, type YamlProblem, type YamlSource } from '../yaml-errors.js';
import { knownDistros, knownImages } from './applicability.js';
import { scenarioSchema, type Scenario } from './schema.js';

/** One problem of a scenario file: at a 1-based line and column, or (no line) about the file as a whole. */
export interface ScenarioProblem {
  line?: number;
  col?: number;
  message: string;
}

const problemLine = (file: string, p: ScenarioProblem) => `${file}${p.line !== undefined ? `:${p.line}:${p.col ?? 1}` : ''}: ${p.message}`;

/** The problems once each, in file order: those about the whole file first, then by line and column. */
function inFileOrder(problems: readonly ScenarioProblem[]): ScenarioProblem[] {
  const once = new Map(problems.map((p) => [`${p.line ?? 0}:${p.col ?? 0}:${p.message}`, p]));
  return [...once.values()].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/**
 * A scenario file that cannot be used: the message has one `file:line:col: message` line per problem, in file order;
 * line and col are the first problem's.
 */
export class ScenarioFileError extends Error {
  readonly file: string;
  readonly problems: readonly ScenarioProblem[];
  readonly line: number | undefined;
  readonly col: number | undefined;
  constructor(file: string, problems: readonly ScenarioProblem[]) {
    const sorted = inFileOrder(problems);
    super(sorted.map((p) => problemLine(file, p)).join('\n'));
    this.name = 'ScenarioFileError';
    this.file = file;
    this.problems = sorted;
    this.line = sorted[0]?.line;
    this.col = sorted[0]?.line !== undefined ? sorted[0].col ?? 1 : undefined;
  }
}

type Path = readonly PropertyKey[];

/** A parsed scenario and where its parts are written, for checks that need more than the file (rule sets, ids). */
export interface ScenarioDocument {
  scenario: Scenario;
  /** A problem at the node at path (the deepest that exists). */
  problemAt(path: Path, message: string): ScenarioProblem;
}

/** Parses a scenario's text; every error is a ScenarioFileError naming file (and the line:col of each problem). */
export function parseScenarioDocument(text: string, file: string): ScenarioDocument {
  try {
    return parseOrThrow(text, file);
  } catch (e) {
    if (e instanceof ScenarioFileError) throw e;
    throw new ScenarioFileError(file, [{ message: (e as Error).message }]);
  }
}

/**
 * Every problem of the file at once: each schema issue, and the cross-checks on what matched the schema. A YAML
 * syntax error is the only one (the document cannot be read past it).
 */
function parseOrThrow(text: string, file: string): ScenarioDocument {
  let source: YamlSource;
  let data: unknown;
  try {
    source = parseYamlSource(text, file);
    data = yamlValue(source, file);
  } catch (e) {
    // a syntax error, or an alias yaml refuses: its position in the file
    if (e instanceof YamlFileError) throw new ScenarioFileError(file, e.problems);
    throw e;
  }
  if (data === null || data === undefined) throw new ScenarioFileError(file, [{ message: 'the file is empty: a scenario is a map (id, title, source, rules, steps, expect)' }]);
  const problemAt = (path: Path, message: string): ScenarioProblem => ({ ...positionOf(source, path), message });
  const parsed = scenarioSchema.safeParse(data);
  const problems: ScenarioProblem[] = parsed.success ? [] : parsed.error.issues.flatMap((i) => schemaProblems(source, i));
  const parts = parsed.success ? parsed.data : partsThatParse(data);
  if (parts) {
    for (const p of [...crossCheck(parts), ...unknownTargetNames(parts)]) problems.push(problemAt(p.path, `${p.path.join('.')}: ${p.message}`));
  }
  if (!parsed.success || problems.length) throw new ScenarioFileError(file, problems);
  return { scenario: parsed.data, problemAt };
}

export function parseScenario(text: string, file: string): Scenario {
  return parseScenarioDocument(text, file).scenario;
}

/** A schema issue at its node (issueProblem); unknown keys are one problem each, `path.key: unknown key "key"` at the key. */
function schemaProblems(source: YamlSource, issue: z.core.$ZodIssue): YamlProblem[] {
  if (issue.code !== 'unrecognized_keys' || !issue.message.startsWith('Unrecognized key')) return [issueProblem(source, issue)];
  return issue.keys.map((key) => ({
    ...issueProblem(source, { ...issue, keys: [key] }),
    message: `${[...issue.path, key].join('.')}: unknown key ${JSON.stringify(key)}`,
  }));
}

type Step = Scenario['steps'][number];
type Expectation = Scenario['expect'][number];

/**
 * What the cross-checks read: a whole scenario, or of one the schema refuses the parts that match it on their own
 * (a top-level field; each step and expectation apart). A part that does not is absent (a step or expectation:
 * undefined at its index), and every check that reads it is skipped: a check reads only valid values (and the ids
 * steps are written with), so what it says stays true once the schema's problems are fixed.
 */
type ScenarioParts = Partial<Omit<Scenario, 'steps' | 'expect'>> & {
  steps?: readonly (Step | undefined)[];
  expect?: readonly (Expectation | undefined)[];
  /** Each step's id as written, the steps the schema refuses included (undefined: not a string). */
  stepIds?: readonly (string | undefined)[];
};

const stepSchema = scenarioSchema.shape.steps.unwrap().element;
const expectationSchema = scenarioSchema.shape.expect.unwrap().element;

/** The parts of a file the schema refuses that match it on their own; undefined when the file is no map. */
function partsThatParse(data: unknown): ScenarioParts | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const raw = data as Record<string, unknown>;
  const parts: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(scenarioSchema.shape)) {
    const r = schema.safeParse(raw[key]);
    if (r.success) parts[key] = r.data;
  }
  const { steps, expect } = raw;
  if (Array.isArray(steps)) {
    parts.steps = steps.map((st) => stepSchema.safeParse(st).data);
    parts.stepIds = steps.map((st) => { const id = (st as { id?: unknown } | null)?.id; return typeof id === 'string' ? id : undefined; });
  }
  if (Array.isArray(expect)) parts.expect = expect.map((x) => expectationSchema.safeParse(x).data);
  return parts as ScenarioParts;
}

interface CheckProblem {
  path: PropertyKey[];
  message: string;
}

/** What the schema cannot say: step ids are unique and every expectation names a step that exists. */
function crossCheck(s: ScenarioParts): CheckProblem[] {
  const out: CheckProblem[] = [];
  // Undefined when steps is no list: then which steps exist is unknown, and no expectation is said to name none.
  const ids = s.stepIds ?? s.steps?.map((st) => st?.id);
  const seen = new Set<string>();
  for (const [i, id] of (ids ?? []).entries()) {
    if (id === undefined) continue;
    if (seen.has(id)) out.push({ path: ['steps', i, 'id'], message: `step id "${id}" is used twice` });
    seen.add(id);
  }
  for (const [i, st] of (s.steps ?? []).entries()) {
    if (st?.do === 'run' && !st.argv?.length) out.push({ path: ['steps', i], message: 'do: run needs argv' });
    if (st && st.do !== 'run' && st.argv) out.push({ path: ['steps', i, 'argv'], message: `argv is only for do: run (this step does ${st.do})` });
    // the guest's modprobe.d aliases the autoloaded family to the module as the release ships it, and to no other
    if (st?.do === 'autoload' && (st.module ?? 'distro') !== 'distro') out.push({ path: ['steps', i, 'module'], message: `do: autoload loads the module as the release ships it (module: distro), not module: ${st.module}` });
  }
  for (const [i, x] of (s.expect ?? []).entries()) {
    if (!x) continue;
    if (ids && !seen.has(x.step)) out.push({ path: ['expect', i, 'step'], message: `no step "${x.step}" (steps: ${[...seen].join(', ') || 'none'})` });
    if (x.absent && x.count !== undefined) out.push({ path: ['expect', i, 'count'], message: 'absent: true cannot be combined with count' });
    if (!x.absent && (x.reason || x.reference)) out.push({ path: ['expect', i], message: 'reason and reference document a gap: they need absent: true' });
  }
  if (s.rulesFile && s.apply !== undefined && s.apply !== 'augenrules') out.push({ path: ['rulesFile'], message: `rulesFile is where augenrules reads rules; this scenario applies them with ${s.apply}` });
  if (s.applyFails && s.steps?.length) out.push({ path: ['steps'], message: 'a scenario whose rules must fail to apply has no steps to run' });
  // Rules given per arch: every arch the scenario applies to needs its own.
  if (s.rules && s.applies?.archs) {
    const [kind, rules] = 'inline' in s.rules ? ['inline', s.rules.inline] as const : ['ruleset', s.rules.ruleset] as const;
    const missing = typeof rules === 'string' ? [] : s.applies.archs.filter((a) => rules[a] === undefined);
    if (missing.length) {
      out.push({ path: ['rules', kind], message: `applies to ${missing.join(', ')} (applies.archs) but its rules are given only for ${Object.keys(rules).join(', ')}` });
    }
  }
  return out;
}

/**
 * applies.images and applies.distros name only what a target can have (applicability.ts: a recipe's id; a distro id
 * or family of a recipe, profile or box): a misspelt one would make the scenario n/a everywhere.
 */
function unknownTargetNames(s: ScenarioParts): CheckProblem[] {
  const out: CheckProblem[] = [];
  for (const [key, what, known] of [['images', 'image', knownImages], ['distros', 'distro', knownDistros]] as const) {
    const names = s.applies?.[key];
    if (!names) continue;
    const all = known();
    for (const [i, n] of names.entries()) {
      if (!all.includes(n)) out.push({ path: ['applies', key, i], message: `unknown ${what} ${JSON.stringify(n)} (known: ${all.join(', ') || 'none'})` });
    }
  }
  return out;
}

/**
 * Reads and parses a scenario file; every error, the file's own reading included, is a ScenarioFileError naming it
 * (as `file`, by default the path it is read from).
 */
export async function readScenario(path: string, file = path): Promise<ScenarioDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ScenarioFileError(file, [{ message: `cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  return parseScenarioDocument(text, file);
}

export async function loadScenario(file: string): Promise<Scenario> {
  return (await readScenario(file)).scenario;
}

/** Every scenario file (*.yaml, *.yml) below dir, sorted. */
export async function findScenarioFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await findScenarioFiles(p)));
    else if (/\.ya?ml$/.test(d.name)) out.push(p);
  }
  return out.sort();
}

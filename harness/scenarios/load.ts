// Reads a scenario YAML file; errors name file:line:col of the offending node (or the file, when no node is to blame).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { issueProblem, parseYamlSource, positionOf, YamlFileError, yamlValue, type YamlProblem, type YamlSource } from '../yaml-errors.js';
import { knownDistros, knownImages } from './applicability.js';
import { scenarioSchema, type Scenario } from './schema.js';

export class ScenarioFileError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, readonly col: number | undefined, detail: string) {
    super(`${file}${line !== undefined ? `:${line}:${col ?? 1}` : ''}: ${detail}`);
    this.name = 'ScenarioFileError';
  }
}

type Path = readonly PropertyKey[];

/** A parsed scenario and where its parts are written, for checks that need more than the file (rule sets, ids). */
export interface ScenarioDocument {
  scenario: Scenario;
  /** The error to report for the node at path (the deepest that exists). */
  errorAt(path: Path, message: string): ScenarioFileError;
}

const errorOf = (file: string, p: YamlProblem) => new ScenarioFileError(file, p.line, p.col, p.message);

/** A schema issue at its node (issueProblem); an unknown key is said as `path.key: unknown key "key"`, the first one. */
function schemaProblem(source: YamlSource, issue: z.core.$ZodIssue): YamlProblem {
  const p = issueProblem(source, issue);
  if (issue.code !== 'unrecognized_keys' || !issue.message.startsWith('Unrecognized key')) return p;
  const key = issue.keys[0]!;
  return { ...p, message: `${[...issue.path, key].join('.')}: unknown key ${JSON.stringify(key)}` };
}

/** Parses a scenario's text; every error is a ScenarioFileError naming file (and the line:col it is about). */
export function parseScenarioDocument(text: string, file: string): ScenarioDocument {
  try {
    return parseOrThrow(text, file);
  } catch (e) {
    if (e instanceof ScenarioFileError) throw e;
    throw new ScenarioFileError(file, undefined, undefined, (e as Error).message);
  }
}

function parseOrThrow(text: string, file: string): ScenarioDocument {
  let source: YamlSource;
  let data: unknown;
  try {
    source = parseYamlSource(text, file);
    data = yamlValue(source, file);
  } catch (e) {
    // a syntax error, or an alias yaml refuses: its position in the file
    const p = e instanceof YamlFileError ? e.problems[0] : undefined;
    if (!p) throw e;
    throw errorOf(file, p);
  }
  if (data === null || data === undefined) throw new ScenarioFileError(file, undefined, undefined, 'the file is empty: a scenario is a map (id, title, source, rules, steps, expect)');
  const errorAt = (path: Path, message: string) => errorOf(file, { ...positionOf(source, path), message });
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) throw errorOf(file, schemaProblem(source, parsed.error.issues[0]!));
  const problem = crossCheck(parsed.data) ?? unknownTargetNames(parsed.data);
  if (problem) throw errorAt(problem.path, `${problem.path.join('.')}: ${problem.message}`);
  return { scenario: parsed.data, errorAt };
}

export function parseScenario(text: string, file: string): Scenario {
  return parseScenarioDocument(text, file).scenario;
}

/** What the schema cannot say: step ids are unique and every expectation names a step that exists. */
function crossCheck(s: Scenario): { path: PropertyKey[]; message: string } | undefined {
  const seen = new Set<string>();
  for (const [i, st] of s.steps.entries()) {
    if (seen.has(st.id)) return { path: ['steps', i, 'id'], message: `step id "${st.id}" is used twice` };
    seen.add(st.id);
    if (st.do === 'run' && !st.argv?.length) return { path: ['steps', i], message: 'do: run needs argv' };
    if (st.do !== 'run' && st.argv) return { path: ['steps', i, 'argv'], message: `argv is only for do: run (this step does ${st.do})` };
  }
  for (const [i, x] of s.expect.entries()) {
    if (!seen.has(x.step)) return { path: ['expect', i, 'step'], message: `no step "${x.step}" (steps: ${[...seen].join(', ') || 'none'})` };
    if (x.absent && x.count !== undefined) return { path: ['expect', i, 'count'], message: 'absent: true cannot be combined with count' };
    if (!x.absent && (x.reason || x.reference)) return { path: ['expect', i], message: 'reason and reference document a gap: they need absent: true' };
  }
  if (s.rulesFile && s.apply !== 'augenrules') return { path: ['rulesFile'], message: `rulesFile is where augenrules reads rules; this scenario applies them with ${s.apply}` };
  if (s.applyFails && s.steps.length > 0) return { path: ['steps'], message: 'a scenario whose rules must fail to apply has no steps to run' };
  // Rules given per arch: every arch the scenario applies to needs its own.
  const [kind, rules] = 'inline' in s.rules ? ['inline', s.rules.inline] as const : ['ruleset', s.rules.ruleset] as const;
  if (typeof rules !== 'string' && s.applies.archs) {
    const missing = s.applies.archs.filter((a) => rules[a] === undefined);
    if (missing.length) {
      return { path: ['rules', kind], message: `applies to ${missing.join(', ')} (applies.archs) but its rules are given only for ${Object.keys(rules).join(', ')}` };
    }
  }
  return undefined;
}

/**
 * applies.images and applies.distros name only what a target can have (applicability.ts: a recipe's id; a distro id
 * or family of a recipe, profile or box): a misspelt one would make the scenario n/a everywhere.
 */
function unknownTargetNames(s: Scenario): { path: PropertyKey[]; message: string } | undefined {
  for (const [key, what, known] of [['images', 'image', knownImages], ['distros', 'distro', knownDistros]] as const) {
    const names = s.applies[key];
    if (!names) continue;
    const all = known();
    const i = names.findIndex((n) => !all.includes(n));
    if (i >= 0) return { path: ['applies', key, i], message: `unknown ${what} ${JSON.stringify(names[i])} (known: ${all.join(', ') || 'none'})` };
  }
  return undefined;
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
    throw new ScenarioFileError(file, undefined, undefined, `cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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

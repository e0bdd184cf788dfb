// Reads a scenario YAML file; errors name file:line:col of the offending node (or the file, when no node is to blame).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { parseYamlSource, positionOf, YamlFileError, type YamlPosition, type YamlSource } from '../yaml-errors.js';
import { knownDistros, knownImages } from './applicability.js';
import { scenarioSchema, type Scenario } from './schema.js';

export class ScenarioFileError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, readonly col: number | undefined, detail: string) {
    super(`${file}${line !== undefined ? `:${line}:${col ?? 1}` : ''}: ${detail}`);
    this.name = 'ScenarioFileError';
  }
}

type Path = readonly PropertyKey[];

/** Where the key of a map entry is written (an unknown or misspelled key), else where the path is. */
function keyPosition(source: YamlSource, path: Path, key: PropertyKey): YamlPosition {
  const map = source.doc.getIn(path as unknown[], true);
  const pair = isMap(map) ? map.items.find((p) => (p.key as { value?: unknown } | null)?.value === key) : undefined;
  const node = pair?.key as Node | undefined;
  return node?.range ? source.lines.linePos(node.range[0]) : positionOf(source, [...path, key]);
}

/** A parsed scenario and where its parts are written, for checks that need more than the file (rule sets, ids). */
export interface ScenarioDocument {
  scenario: Scenario;
  /** The error to report for the node at path (its key's node with key: an unknown or misspelled key). */
  errorAt(path: Path, message: string, key?: PropertyKey): ScenarioFileError;
}

function locator(file: string, source: YamlSource) {
  return (path: Path, message: string, key?: PropertyKey): ScenarioFileError => {
    const { line, col } = key === undefined ? positionOf(source, path) : keyPosition(source, path, key);
    return new ScenarioFileError(file, line, col, message);
  };
}

/** A zod issue as the error at its node: an unknown key and a bad map key point at the key itself. */
function issueError(issue: z.core.$ZodIssue, at: ReturnType<typeof locator>): ScenarioFileError {
  const where = (p: Path) => p.map(String).join('.') || '(top)';
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const message = issue.message.startsWith('Unrecognized key') ? `unknown key "${key}"` : issue.message;
    return at(issue.path, `${where([...issue.path, key])}: ${message}`, key);
  }
  if (issue.code === 'invalid_key') {
    const key = issue.path[issue.path.length - 1]!;
    return at(issue.path.slice(0, -1), `${where(issue.path)}: ${issue.issues[0]?.message ?? issue.message}`, key);
  }
  return at(issue.path, `${where(issue.path)}: ${issue.message}`);
}

/**
 * The alias a failed toJS is about: an alias to an anchor not set before it, else (too many aliases) the first alias.
 * yaml does not say which one it was.
 */
function aliasBlamed(doc: Document, message: string): Node | undefined {
  const anchors = new Set<string>();
  let first: Node | undefined;
  let unresolved: Node | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      first ??= node;
      if (!anchors.has(node.source)) { unresolved = node; return visit.BREAK; }
    } else if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) anchors.add(node.anchor);
    return undefined;
  });
  return /Unresolved alias/.test(message) ? unresolved ?? first : first;
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
  try {
    source = parseYamlSource(text, file);
  } catch (e) {
    const p = e instanceof YamlFileError ? e.problems[0] : undefined;
    if (!p) throw e;
    throw new ScenarioFileError(file, p.line, p.col, p.message);
  }
  let data: unknown;
  try {
    data = source.doc.toJS();
  } catch (e) {
    // yaml refuses an alias bomb or an alias to no anchor only here, and its error does not say where.
    const message = (e as Error).message;
    const node = aliasBlamed(source.doc, message);
    const pos = node?.range ? source.lines.linePos(node.range[0]) : undefined;
    throw new ScenarioFileError(file, pos?.line, pos?.col, message);
  }
  if (data === null || data === undefined) throw new ScenarioFileError(file, undefined, undefined, 'the file is empty: a scenario is a map (id, title, source, rules, steps, expect)');
  const at = locator(file, source);
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) throw issueError(parsed.error.issues[0]!, at);
  const problem = crossCheck(parsed.data) ?? unknownTargetNames(parsed.data);
  if (problem) throw at(problem.path, `${problem.path.join('.')}: ${problem.message}`);
  return { scenario: parsed.data, errorAt: at };
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

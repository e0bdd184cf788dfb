// Reads a scenario YAML file; errors name file:line:col of the offending node.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { scenarioSchema, type Scenario } from './schema.js';

export class ScenarioFileError extends Error {
  constructor(readonly file: string, readonly line: number, readonly col: number, detail: string) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = 'ScenarioFileError';
  }
}

function nodeAt(root: unknown, path: readonly PropertyKey[]): Node | undefined {
  let node = root as Node | undefined;
  let found = node;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
      node = (pair?.value ?? pair?.key) as Node | undefined;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as Node | undefined;
    } else break;
    if (node) found = node; else break;
  }
  return found;
}

export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const { line, col } = lc.linePos(e.pos[0]);
    throw new ScenarioFileError(file, line, col, e.message.split('\n')[0]!);
  }
  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const node = nodeAt(doc.contents, issue.path);
    const { line, col } = node?.range ? lc.linePos(node.range[0]) : { line: 1, col: 1 };
    throw new ScenarioFileError(file, line, col, `${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const problem = crossCheck(parsed.data);
  if (problem) {
    const node = nodeAt(doc.contents, problem.path);
    const { line, col } = node?.range ? lc.linePos(node.range[0]) : { line: 1, col: 1 };
    throw new ScenarioFileError(file, line, col, `${problem.path.join('.')}: ${problem.message}`);
  }
  return parsed.data;
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
  return undefined;
}

export async function loadScenario(file: string): Promise<Scenario> {
  return parseScenario(await readFile(file, 'utf8'), file);
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

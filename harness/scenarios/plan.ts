// Which scenarios a run takes: files and directories named on the command line, then --grep and --shard.
// Every problem (YAML, schema, a missing rule set, a rule auditctl could never parse) is collected with its
// file and line before anything boots.
import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { formatError, parseRulesText, type KernelArch } from '../audit/rules/index.js';
import { repoRoot } from '../paths.js';
import { readRulesSource, rulesArchs } from './apply.js';
import { findScenarioFiles, readScenario, ScenarioFileError, type ScenarioDocument, type ScenarioProblem } from './load.js';
import type { PlannedScenario } from './runner.js';

export interface PlanOptions {
  /** Regular expression tested against id and title. */
  grep?: string;
  /** "I/N": the I-th of N slices (1-based), by position in the sorted list. */
  shard?: string;
}

export interface Plan {
  scenarios: PlannedScenario[];
  /** One message per bad file, `file:line:col: what`. */
  problems: string[];
}

export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new Error(`--shard ${text}: expected I/N with 1 <= I <= N, e.g. 1/4`);
  return { index, count };
}

/**
 * Rule errors when the rules could load on none of the kernels the scenario applies to (a typo, a syscall no
 * arch has): such a scenario cannot measure anything. A set that fails on some arch only is for the kernel to answer.
 */
function unloadableEverywhere(text: string, file: string, archs: readonly KernelArch[]): string[] {
  const perArch = archs.map((kernelArch) => parseRulesText(text, file, { kernelArch }).errors.filter((e) => e.severity === 'error'));
  return perArch.every((errors) => errors.length > 0) ? perArch[0]!.map(formatError) : [];
}

/**
 * The rules of each arch the scenario applies to: a missing rule set is a problem at the rules: node naming it
 * (each arch's), rules no kernel could load are their rule files' errors.
 */
async function unloadableRules(doc: ScenarioDocument, file: string): Promise<{ missing: ScenarioProblem[]; errors: string[] }> {
  const { scenario } = doc;
  const missing: ScenarioProblem[] = [];
  if (scenario.applyFails) return { missing, errors: [] };
  const perArch = rulesArchs(scenario);
  const archs = (scenario.applies.archs ?? perArch ?? ['x86_64', 'i686']) as KernelArch[];
  const read = (arch: KernelArch) => readRulesSource(scenario, file, arch).catch((e: Error) => {
    missing.push(doc.problemAt(['rules', 'inline' in scenario.rules ? 'inline' : 'ruleset', ...(perArch ? [arch] : [])], e.message.replace(`${file}: `, '')));
    return undefined;
  });
  // Rules given per arch are each checked on their own arch; one text on every arch the scenario applies to.
  const errors = perArch
    ? (await Promise.all(archs.map(async (a) => { const src = await read(a); return src ? unloadableEverywhere(src.text, src.file, [a]) : []; }))).flat()
    : await read(archs[0]!).then((src) => (src ? unloadableEverywhere(src.text, src.file, archs) : []));
  return { missing, errors };
}

export async function planScenarios(paths: readonly string[], opts: PlanOptions = {}): Promise<Plan> {
  const files: string[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    const st = await stat(abs).catch(() => undefined);
    if (!st) problems.push(`${p}: no such file or directory`);
    else if (st.isDirectory()) files.push(...(await findScenarioFiles(abs)));
    else files.push(abs);
  }
  const grep = opts.grep !== undefined ? new RegExp(opts.grep) : undefined;
  const scenarios: PlannedScenario[] = [];
  const ids = new Map<string, string>();
  for (const abs of [...new Set(files)].sort()) {
    const file = relative(repoRoot, abs).startsWith('..') ? abs : relative(repoRoot, abs);
    try {
      const doc = await readScenario(abs, file);
      const { scenario } = doc;
      // What needs more than the file (the ids before it, its rule sets), every problem of it; a file that does not
      // load is not checked so (its problems are what it must fix first, and its rules: may be one).
      const other = ids.get(scenario.id);
      if (!other) ids.set(scenario.id, file);
      const rules = await unloadableRules(doc, file);
      const located = [...(other ? [doc.problemAt(['id'], `id: "${scenario.id}" is also the id of ${other}`)] : []), ...rules.missing];
      const bad = [...(located.length ? [new ScenarioFileError(file, located).message] : []), ...rules.errors];
      if (bad.length) throw new Error(bad.join('\n'));
      if (grep && !grep.test(scenario.id) && !grep.test(scenario.title)) continue;
      scenarios.push({ scenario, file });
    } catch (e) {
      // Every problem names the file, whatever threw it.
      const message = (e as Error).message;
      const named = e instanceof ScenarioFileError || message.startsWith(`${file}:`) || message.startsWith(`${file} (`);
      problems.push(named ? message : `${file}: ${message}`);
    }
  }
  if (opts.shard !== undefined) {
    const { index, count } = parseShard(opts.shard);
    return { scenarios: scenarios.filter((_, i) => i % count === index - 1), problems };
  }
  return { scenarios, problems };
}

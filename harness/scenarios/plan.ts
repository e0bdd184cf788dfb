// Which scenarios a run takes: files and directories named on the command line, then --grep and --shard.
// Every problem (YAML, schema, a missing rule set, a rule auditctl could never parse) is collected with its
// file and line before anything boots.
import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { formatError, parseRulesText } from '../audit/rules/index.js';
import { repoRoot } from '../paths.js';
import { readRulesSource } from './apply.js';
import { findScenarioFiles, loadScenario, ScenarioFileError } from './load.js';
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

/** Rule lines that fail on every kernel: a typo, not an arch question (those are for the real kernel to answer). */
function syntaxErrors(text: string, file: string): string[] {
  const on64 = parseRulesText(text, file, { kernelArch: 'x86_64' }).errors.filter((e) => e.severity === 'error');
  const on32 = new Set(parseRulesText(text, file, { kernelArch: 'i686' }).errors.filter((e) => e.severity === 'error').map(formatError));
  return on64.map(formatError).filter((m) => on32.has(m));
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
      const scenario = await loadScenario(abs);
      const other = ids.get(scenario.id);
      if (other) throw new Error(`${file}: id "${scenario.id}" is also the id of ${other}`);
      ids.set(scenario.id, file);
      const src = await readRulesSource(scenario, file);
      const bad = syntaxErrors(src.text, src.file);
      if (bad.length) throw new Error(bad.join('\n'));
      if (grep && !grep.test(scenario.id) && !grep.test(scenario.title)) continue;
      scenarios.push({ scenario, file });
    } catch (e) {
      problems.push(e instanceof ScenarioFileError ? e.message.replace(abs, file) : (e as Error).message);
    }
  }
  if (opts.shard !== undefined) {
    const { index, count } = parseShard(opts.shard);
    return { scenarios: scenarios.filter((_, i) => i % count === index - 1), problems };
  }
  return { scenarios, problems };
}

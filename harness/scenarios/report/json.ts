// results.json: the whole run, every event with its full records, for tooling. Keys are sorted at every level so
// two runs diff cleanly whatever order the runner built its objects in.
import { readFile } from 'node:fs/promises';
import type { Outcome, RunResult } from '../result.js';
import { writeFileAtomic } from './atomic-write.js';
import { byTarget } from './group.js';
import { runProblems } from './results-schema.js';
import { OUTCOMES } from './text.js';
import { reproLinks } from '../../repro/command.js';
import { toolOf, validateCommand } from '../../tools/validate/tool-links.js';

export const RESULTS_FORMAT = 'audit-harness/results';
export const RESULTS_VERSION = 1;

function sortKeys(value: unknown): unknown {
  // Parsed records split their fields lazily and say how to serialise themselves, as JSON.stringify would ask.
  const json = (value as { toJSON?: unknown } | null)?.toJSON;
  if (typeof json === 'function') value = json.call(value);
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export type OutcomeCounts = Record<Outcome, number>;

/** Counts per outcome, overall and per target, so a tool need not walk the results for the headline. */
export function summarize(run: RunResult): { outcomes: OutcomeCounts; targets: Record<string, OutcomeCounts & { targetError?: string }> } {
  const count = (rs: RunResult['results']) => Object.fromEntries(OUTCOMES.map((o) => [o, rs.filter((r) => r.outcome === o).length])) as OutcomeCounts;
  const targets: Record<string, OutcomeCounts & { targetError?: string }> = {};
  for (const g of byTarget(run)) targets[g.info.name] = { ...count(g.results), ...(g.info.error ? { targetError: g.info.error } : {}) };
  return { outcomes: count(run.results), targets };
}

export function renderJson(run: RunResult): string {
  // Each gap and failure carries the command that reproduces it (run from the directory results.json is in).
  const repro = new Map(reproLinks(run, 'results.json').map((l) => [`${l.scenarioId}\n${l.target}`, l.command]));
  // ... and each result of a scenario checking a tool's claim, the command that shows that tool's own verdict there.
  const validate = (r: RunResult['results'][number]) => {
    const tool = r.target.startsWith('sim:') || r.outcome === 'not-applicable' ? undefined : toolOf(r.source)?.tool;
    return tool ? { validate: validateCommand(tool, [r.target]) } : {};
  };
  const linked = { ...run, results: run.results.map((r) => ({ ...r, ...(repro.has(`${r.scenarioId}\n${r.target}`) ? { repro: repro.get(`${r.scenarioId}\n${r.target}`) } : {}), ...validate(r) })) };
  const doc = { format: RESULTS_FORMAT, version: RESULTS_VERSION, summary: summarize(run), run: linked };
  return `${JSON.stringify(sortKeys(doc), null, 2)}\n`;
}

export async function writeJson(run: RunResult, file: string): Promise<void> {
  await writeFileAtomic(file, renderJson(run));
}

/** Reads a results.json back (for `report` style commands) and checks its contents; names the file and the place in it that is wrong. */
export async function readJson(file: string): Promise<RunResult> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not a results file: ${(err as Error).message}`);
  }
  const d = data as { format?: unknown; version?: unknown; run?: unknown };
  if (d?.format !== RESULTS_FORMAT || d.version !== RESULTS_VERSION || typeof d.run !== 'object' || d.run === null) {
    throw new Error(`${file}: not a ${RESULTS_FORMAT} v${RESULTS_VERSION} file`);
  }
  // Broken contents are named where they are (FILE: run.results[2].steps: ...), not met later as a TypeError.
  const problems = runProblems(d.run);
  if (problems.length) throw new Error(problems.map((p) => `${file}: ${p}`).join('\n'));
  return d.run as RunResult;
}

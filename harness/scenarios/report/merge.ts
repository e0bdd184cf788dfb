// Merges the results of runs that each took a part of the plan (CI shards: `run --shard I/N`, one job per target ×
// shard) into one run, so the reporters write one JUnit file, one results.json and one coverage matrix for all.
import type { RunResult, ScenarioResult, TargetRunInfo } from '../result.js';

export interface MergeInput {
  /** Where the run came from (a results.json), for errors. */
  source: string;
  run: RunResult;
}

/**
 * One run from many: targets in order of first appearance (their details taken from the input that booted them;
 * errors of a target in several inputs joined), results grouped per target and ordered by file then scenario id
 * (shards take every N-th scenario, so no input's order is the plan's), start = the earliest, duration = from the
 * earliest start to the latest end. A scenario on a target in two inputs is an error: the shards overlap.
 */
export function mergeRuns(inputs: readonly MergeInput[]): RunResult {
  if (inputs.length === 0) throw new Error('report merge: no results to merge');
  const targets = new Map<string, TargetRunInfo>();
  const seen = new Map<string, string>();
  const results: ScenarioResult[] = [];
  let start = Infinity;
  let end = -Infinity;
  for (const { source, run } of inputs) {
    const t0 = Date.parse(run.startedAt);
    if (Number.isNaN(t0)) throw new Error(`${source}: startedAt ${JSON.stringify(run.startedAt)} is not a date`);
    start = Math.min(start, t0);
    end = Math.max(end, t0 + run.durationMs);
    for (const info of run.targets) {
      const had = targets.get(info.name);
      if (!had) targets.set(info.name, { ...info });
      else {
        had.arch ??= info.arch;
        had.kernelRelease ??= info.kernelRelease;
        had.facts ??= info.facts;
        had.bootMs ??= info.bootMs;
        had.image ??= info.image; // shards built apart may have booted different images: the first is kept
        if (info.error && info.error !== had.error) had.error = had.error ? `${had.error}; ${info.error}` : info.error;
      }
    }
    for (const r of run.results) {
      const key = `${r.target}\0${r.scenarioId}`;
      const other = seen.get(key);
      if (other) throw new Error(`report merge: ${r.scenarioId} on ${r.target} is in both ${other} and ${source} (do the shards overlap?)`);
      seen.set(key, source);
      if (!targets.has(r.target)) targets.set(r.target, { name: r.target, arch: r.arch, ...(r.kernelRelease ? { kernelRelease: r.kernelRelease } : {}) });
      results.push(r);
    }
  }
  const order = [...targets.keys()];
  results.sort((a, b) => order.indexOf(a.target) - order.indexOf(b.target) || a.file.localeCompare(b.file) || a.scenarioId.localeCompare(b.scenarioId));
  return { startedAt: new Date(start).toISOString(), durationMs: Math.max(0, end - start), targets: [...targets.values()], results };
}

// Results grouped per target, shared by the JUnit suites and the console summary.
import type { RunResult, ScenarioResult, TargetRunInfo } from '../result.js';

/** Groups results by target, in the order of run.targets, then targets only the results name. */
export function byTarget(run: RunResult): { info: TargetRunInfo; results: ScenarioResult[] }[] {
  const groups = new Map<string, { info: TargetRunInfo; results: ScenarioResult[] }>();
  for (const t of run.targets) groups.set(t.name, { info: t, results: [] });
  for (const r of run.results) {
    let g = groups.get(r.target);
    if (!g) groups.set(r.target, (g = { info: { name: r.target, arch: r.arch, kernelRelease: r.kernelRelease }, results: [] }));
    g.results.push(r);
  }
  return [...groups.values()];
}

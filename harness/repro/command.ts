// The one command that turns a finding of a run (a documented gap or a failure) into a self-contained repro
// directory: what results.json, the coverage matrix and the console point a reader to.
import { shellJoin } from '../shell.js';
import type { RunResult, ScenarioResult } from '../scenarios/result.js';

export interface ReproLink {
  scenarioId: string;
  target: string;
  outcome: 'gap' | 'fail';
  command: string;
}

/** `audit-harness repro --results FILE --scenario ID --target T --out repro/ID@T` (its default step: the first gap or failure). */
export function reproCommand(r: Pick<ScenarioResult, 'scenarioId' | 'target'>, resultsFile: string): string {
  const dir = `repro/${r.scenarioId}@${r.target.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  return shellJoin(['audit-harness', 'repro', '--results', resultsFile, '--scenario', r.scenarioId, '--target', r.target, '--out', dir]);
}

/** Every gap and failure of a run with its repro command (resultsFile as the reader will name it). */
export function reproLinks(run: RunResult, resultsFile: string): ReproLink[] {
  return run.results
    .filter((r): r is ScenarioResult & { outcome: 'gap' | 'fail' } => r.outcome === 'gap' || r.outcome === 'fail')
    .map((r) => ({ scenarioId: r.scenarioId, target: r.target, outcome: r.outcome, command: reproCommand(r, resultsFile) }));
}

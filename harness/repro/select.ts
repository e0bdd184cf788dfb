// Which finding `repro` writes out: one scenario result of a results.json (by scenario id and target) and one
// of its steps (given, or the first one with a gap or a failed expectation).
import type { ExpectationResult, RunResult, ScenarioResult, StepResult } from '../scenarios/result.js';

export interface Finding {
  result: ScenarioResult;
  step: StepResult;
  /** The step's index in result.steps: the steps before it run as setup. */
  stepIndex: number;
  /** Expectations about this step (its records and its exit status). */
  expectations: ExpectationResult[];
}

const ofStep = (x: ExpectationResult, id: string) => x.description.startsWith(`step ${id}:`);

export function selectFinding(run: RunResult, file: string, scenarioId: string, stepId?: string, target?: string): Finding {
  const ofScenario = run.results.filter((r) => r.scenarioId === scenarioId);
  if (ofScenario.length === 0) {
    const ids = [...new Set(run.results.map((r) => r.scenarioId))];
    throw new Error(`${file}: no result for scenario "${scenarioId}" (it has: ${ids.join(', ') || 'none'})`);
  }
  const candidates = target ? ofScenario.filter((r) => r.target === target) : ofScenario;
  if (candidates.length !== 1) {
    const targets = ofScenario.map((r) => r.target).join(', ');
    throw new Error(target
      ? `${file}: scenario ${scenarioId} did not run on ${target} (it ran on: ${targets})`
      : `${file}: scenario ${scenarioId} ran on several targets (${targets}): choose one with --target`);
  }
  const result = candidates[0]!;
  if (result.steps.length === 0) {
    throw new Error(`${file}: scenario ${scenarioId} on ${result.target} ran no step (${result.outcome}${result.error ? `: ${result.error}` : ''}); nothing to reproduce`);
  }
  let stepIndex: number;
  if (stepId !== undefined) {
    stepIndex = result.steps.findIndex((s) => s.id === stepId);
    if (stepIndex < 0) throw new Error(`${file}: scenario ${scenarioId} has no step "${stepId}" (steps: ${result.steps.map((s) => s.id).join(', ')})`);
  } else {
    stepIndex = result.steps.findIndex((s) => result.expectations.some((x) => ofStep(x, s.id) && x.outcome !== 'pass'));
    if (stepIndex < 0) throw new Error(`${file}: scenario ${scenarioId} on ${result.target} has no gap or failure in its steps; name one with --step (${result.steps.map((s) => s.id).join(', ')})`);
  }
  const step = result.steps[stepIndex]!;
  return { result, step, stepIndex, expectations: result.expectations.filter((x) => ofStep(x, step.id)) };
}

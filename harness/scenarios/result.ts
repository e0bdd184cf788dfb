// What a scenario run produces: consumed by the reporters (console, junit, json) and the coverage matrix.
import type { AuditEvent } from '../audit/records/types.js';
import type { AllFacts } from '../releases/facts.js';

/** pass: every expectation met; gap: met, but includes a documented "absent" known gap; fail: an expectation not met;
 * error: infrastructure (boot, ssh) or a step that could not run; not-applicable: the target's arch/image is excluded. */
export type Outcome = 'pass' | 'gap' | 'fail' | 'error' | 'not-applicable';

export interface ExpectationResult {
  /** Human description, e.g. "step load: SYSCALL syscall=finit_module key=modules present". */
  description: string;
  outcome: 'pass' | 'fail' | 'gap';
  expected: string;
  actual: string;
  /** For a documented gap. */
  reason?: string;
  /** The release facts this expectation was conditioned on (`when:`), as text. */
  when?: string;
  reference?: string;
}

/** How a step reached the kernel, as rows of the coverage matrix. */
export interface StepResult {
  /** Step id in the scenario. */
  id: string;
  /** Load/unload path, e.g. insmod, rmmod, modprobe, modprobe-r, kmod-exec-a-insmod, loader:finit_module, loader32:init_module, run. */
  path: string;
  /** Who ran it. */
  as: 'root' | 'sudo' | 'user';
  /** What the step did (the scenario's `do:`), and which module file; absent in results written before they existed. */
  do?: 'insmod' | 'rmmod' | 'modprobe' | 'modprobe-r' | 'kmod-insmod' | 'kmod-remove' | 'kmod-exec-a' | 'kmod-symlink' | 'init_module' | 'finit_module' | 'delete_module' | 'autoload' | 'run';
  module?: 'distro' | 'ko' | 'xz' | 'stock';
  /** The exact command sent to the guest. */
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Events carrying the scenario's key(s) that were logged while this step ran (between its markers). */
  events: AuditEvent[];
  /** Summary of those events: one entry per event. */
  logged: Array<{ syscall?: string; key?: string; types: string[]; serial: number }>;
}

export interface ScenarioResult {
  scenarioId: string;
  title: string;
  /** The scenario's source: the seed file, control id or URL whose claim it checks. */
  source?: string;
  /** Scenario file, relative to the repo. */
  file: string;
  target: string;
  arch: string;
  kernelRelease?: string;
  /** Rule set name (or "inline"), for the matrix columns. */
  ruleset: string;
  /** How the rules were applied: auditctl, auditctl-R, augenrules. */
  apply: string;
  outcome: Outcome;
  durationMs: number;
  steps: StepResult[];
  expectations: ExpectationResult[];
  /** `auditctl -l` after applying the rules. */
  loadedRules?: string;
  /** The rules text as applied (name, where it came from), so a repro applies exactly what was run. */
  rules?: { name: string; file: string; text: string };
  /** results.json only: the command that reproduces this gap or failure. */
  repro?: string;
  /** results.json only: the command that shows the verdict of the tool whose claim this scenario checks. */
  validate?: string;
  /** Raw ausearch output for the scenario's key(s). */
  ausearchRaw?: string;
  error?: string;
  /** Infrastructure retries that happened before this result. */
  retries?: number;
}

export interface TargetRunInfo {
  name: string;
  arch?: string;
  kernelRelease?: string;
  /** The release facts expectations were conditioned on: measured on a real guest, the profile's for sim:. */
  facts?: AllFacts;
  /**
   * The cache key of the image the target booted (a qemu: target's manifest key): which image's packages the run
   * had, as a rebuild with new packages keeps the kernel release. Absent for sim: and vagrant: targets, and in
   * results written before it was recorded.
   */
  image?: string;
  bootMs?: number;
  error?: string;
}

export interface RunResult {
  startedAt: string;
  durationMs: number;
  targets: TargetRunInfo[];
  results: ScenarioResult[];
}

// What every place a scenario can run implements (Test Kitchen's "driver"), at two levels: `Target`, a guest that
// runs commands (qemu micro-VMs, vagrant boxes, an existing ssh host), and `ScenarioSession`, the step-level contract
// the one scenario path (harness/scenarios/run-scenario.ts) drives: a booted guest answers it through its Target,
// the simulator (`sim:<profile>`) from its model of the release.
import type { AuditEvent } from '../audit/records/types.js';
import type { AllFacts } from '../releases/facts.js';
import type { ApplyResult, RulesSource } from '../scenarios/apply.js';
import type { Scenario } from '../scenarios/schema.js';
import type { Fixtures } from '../scenarios/steps.js';

export type GuestArch = 'x86_64' | 'i686';

export interface TargetInfo {
  /** Target spec as the user writes it, e.g. `qemu:debian12-amd64`. */
  name: string;
  /** Kind of driver: qemu, vagrant, ssh, sim. */
  kind: 'qemu' | 'vagrant' | 'ssh' | 'sim';
  /** `uname -m` of the guest kernel. */
  arch: GuestArch;
  /** `uname -r` of the guest kernel, when known before boot. */
  kernelRelease?: string;
  /** The cache key of the image booted (qemu: targets: its manifest's key), so a report names the exact image. */
  image?: string;
  /** Distribution id and family, e.g. { id: 'debian12', family: 'debian' }. */
  distro: { id: string; family: 'debian' | 'rhel' | 'ubuntu' | 'other' };
  /** Where this target keeps what scenarios load and run (from the image manifest for qemu). */
  fixtures?: TargetFixtures;
}

export interface TargetFixtures {
  /**
   * The test module (module name audit_test_mod) under /lib/modules/<release>/extra, compressed as the release's
   * kernel package ships its own modules (.ko on Debian 11/12, .ko.xz on Debian 13), so modprobe finds it.
   */
  testModule: string;
  /** The same module uncompressed, outside the module tree: what a user's own out-of-tree build is (insmod FILE.ko). */
  testModuleKo: string;
  /** Same source, always xz-compressed, module name audit_test_mod_xz, under /lib/modules/<release>/extra. */
  testModuleXz: string;
  /** A module of the kernel package itself that the guest does not otherwise use (e.g. dummy), as the package ships it. */
  stockModule: { name: string; file: string };
  /** Static loader for the kernel's native arch (absent where the kernel is 32-bit only). */
  loader64?: string;
  /** Static 32-bit loader (on i686 the native one). */
  loader32: string;
  /** Login user with uid 1000 and a sudo rule. */
  user: string;
}

export interface ExecOptions {
  /** Kill the command (guest side: `timeout`) after this many ms. Default 120 s. */
  timeoutMs?: number;
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
}

export interface ExecResult {
  /** Exit status; 124 when the timeout fired (as timeout(1) reports it). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface Target {
  readonly info: TargetInfo;
  /**
   * Run a command as root in the guest. An argv array is quoted for the guest's
   * shell by the target (no word of it is ever interpreted by a shell); a string
   * is handed to the guest's `/bin/sh -c` as-is, for callers that built it with
   * `shellQuote`.
   */
  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Write a file in the guest (parent directory must exist). */
  putFile(remotePath: string, data: string | Buffer, mode?: number): Promise<void>;
  /** Read a file from the guest. */
  getFile(remotePath: string): Promise<Buffer>;
  /** Tear down: VM killed, temp files removed. Safe to call twice. */
  close(): Promise<void>;
}

/** Error from the infrastructure (boot, transport), never from a scenario's expectations. */
export class TargetError extends Error {
  constructor(
    readonly target: string,
    message: string,
    readonly detail?: string,
  ) {
    super(`${target}: ${message}`);
    this.name = 'TargetError';
  }
}

/**
 * One target opened for scenarios (harness/targets/index.ts openSession): a booted guest, or the model of a release.
 * The runner resets it between scenarios; run-scenario.ts applies the rules through it, runs the steps on it and
 * evaluates the expectations on the records it reads back. Nothing in that path asks which kind of target it is.
 */
export interface ScenarioSession {
  readonly info: TargetInfo;
  /** The release facts expectations are conditioned on: measured on a booted guest, stated by a simulator profile. */
  readonly facts: AllFacts;
  /** Where the test modules and loaders are: what a step's command names. */
  readonly fixtures: Fixtures;
  /** The guest's passwd and group files, for interpreted (`:i`) fields as the guest's ausearch -i names users. */
  readonly accounts?: { passwd: string; group: string };
  /** Back to no rules and no test module loaded; 'locked' when the audit configuration is immutable (-e 2). */
  reset(): Promise<'clean' | 'locked'>;
  /** Loads the rules the way the scenario's `apply` says; a refusal is a result, never a throw. */
  applyRules(src: RulesSource, apply: Scenario['apply'], rulesFile?: string): Promise<AppliedRules>;
  /** The steps of one scenario: run in order, then their records read back. */
  steps(scenarioId: string): ScenarioSteps;
  /** The whole audit log of this session, where the target keeps one (`run --out`'s logs/). */
  auditLog?(): Promise<Buffer>;
  /** Safe to call twice. */
  close(): Promise<void>;
}

export interface AppliedRules {
  ok: boolean;
  /** What applying showed: each command with its output and exit status, or the model's verdict. */
  transcript: string;
  /** `auditctl -l` afterwards. */
  listing: string;
  /**
   * What our own rules parser says the target's auditctl does with the text, to check the two agree; absent where
   * our parser is what applied them (the model), as there is nothing independent to compare with.
   */
  predicted?: ApplyResult['predicted'];
}

/** `ausearch -k KEY`, with -w (exact) one of the event's keys is KEY, without it KEY is part of one. */
export interface KeyQuery {
  key: string;
  exact: boolean;
}

export interface ScenarioSteps {
  /** Runs one step's command (harness/scenarios/steps.ts stepCommand) as root. */
  run(stepId: string, command: string): Promise<ExecResult>;
  /** Once the steps ran: what each of them logged under these keys. */
  records(keys: readonly KeyQuery[]): Promise<StepRecords>;
}

export interface StepRecords {
  /** The events logged under the key while the step ran (the harness's own plumbing left out). */
  events(stepId: string, q: KeyQuery): AuditEvent[];
  /** The raw records of these keys during the scenario as the target printed them (ausearch --raw), where it has them. */
  raw?: string;
}

/**
 * A question the target cannot answer: a fact a simulator profile does not state, a command or rule field the model
 * does not know. The scenario's result is an error naming it, never a guess, and it is not retried as a fault.
 */
export class UnansweredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnansweredError';
  }
}

// The load/unload battery a tool's verdict is checked against: one in-memory scenario (harness/scenarios/schema.ts)
// run by the scenario runner on rules that are already in the guest (apply: none), so what is measured is exactly
// what the tool (oscap's remediation, the CIS solution) left there.
import { resetGuest, runScenario, type TargetSession } from '../../scenarios/run-scenario.js';
import type { ScenarioResult } from '../../scenarios/result.js';
import { scenarioSchema, type Scenario } from '../../scenarios/schema.js';
import type { Target } from '../../targets/target.js';

type StepIn = Scenario['steps'][number];
const step = (s: Omit<StepIn, 'expectExit' | 'as'> & { as?: StepIn['as']; expectExit?: number }): StepIn => ({ as: 'root', expectExit: 0, ...s }) as StepIn;

/** The paths a person or an attacker loads and unloads a module by, as root and as the uid-1000 user through sudo. */
export function batterySteps(arch: Target['info']['arch']): StepIn[] {
  const steps = [
    step({ id: 'insmod', path: 'insmod (.ko)', do: 'insmod', module: 'ko' }),
    step({ id: 'rmmod', path: 'rmmod', do: 'rmmod' }),
    step({ id: 'modprobe-xz', path: 'modprobe (.ko.xz)', do: 'modprobe', module: 'xz' }),
    step({ id: 'modprobe-r-xz', path: 'modprobe -r (.ko.xz)', do: 'modprobe-r', module: 'xz' }),
    step({ id: 'sudo-insmod', path: 'sudo insmod (.ko)', as: 'sudo', do: 'insmod', module: 'ko' }),
    step({ id: 'sudo-rmmod', path: 'sudo rmmod', as: 'sudo', do: 'rmmod' }),
    step({ id: 'loader32-init', path: 'loader32:init_module', do: 'init_module', loader: '32', module: 'ko' }),
    step({ id: 'loader32-delete', path: 'loader32:delete_module', do: 'delete_module', loader: '32' }),
    // An unprivileged user's socket() makes the kernel's own modprobe load the module [S25, S26]; its EAFNOSUPPORT
    // (97) is the step's success. The rmmod after it shows the module was loaded, whatever was logged.
    step({ id: 'user-autoload', path: 'autoload (socket 13)', as: 'user', do: 'autoload', expectExit: 97 }),
    step({ id: 'rmmod-autoloaded', path: 'rmmod (the autoloaded module)', do: 'rmmod' }),
  ];
  if (arch === 'x86_64') {
    steps.push(
      step({ id: 'loader64-finit', path: 'loader:finit_module', do: 'finit_module', loader: '64', module: 'ko' }),
      step({ id: 'loader64-delete', path: 'loader:delete_module', do: 'delete_module', loader: '64' }),
    );
  }
  return steps;
}

export interface BatteryRow {
  path: string;
  as: string;
  exitCode: number;
  /** The status the step ends with when it did what it should (97 for autoload's socket()). */
  expectExit: number;
  /** Events with key `modules` logged while the step ran: syscall names (or the record types when none). */
  logged: string[];
  /** The step's own events, for the detection column. */
  events: ScenarioResult['steps'][number]['events'];
}

export interface Battery {
  label: string;
  /** `auditctl -l` when the battery ran. */
  loadedRules: string;
  rows: BatteryRow[];
  durationMs: number;
  result: ScenarioResult;
}

export interface BatteryOptions {
  id: string;
  label: string;
  /** The rules: those already in the guest (apply none: recorded for the report), or a text to load. */
  rules: string;
  apply?: 'none' | 'auditctl';
  /** The key whose events are collected (default modules). */
  key?: string;
}

/**
 * Runs the battery. Every step's events under the key are collected (one `count: {min: 0}` expectation per step
 * makes the runner search them); the verdict is the rows, read by the caller.
 */
export async function runBattery(session: TargetSession, o: BatteryOptions): Promise<Battery> {
  const steps = batterySteps(session.target.info.arch);
  const key = o.key ?? 'modules';
  const scenario = scenarioSchema.parse({
    id: o.id, title: o.label, source: 'audit-harness validate', apply: o.apply ?? 'none',
    rules: { inline: o.rules || '# (no rules on disk)\n', name: o.id },
    steps, expect: steps.map((s) => ({ step: s.id, key, count: { min: 0 } })),
  });
  const result = await runScenario(session, scenario, `validate:${o.id}`);
  const expectExit = new Map(steps.map((s) => [s.id, s.expectExit]));
  const rows = result.steps.map((s) => ({
    path: s.path, as: s.as, exitCode: s.exitCode, expectExit: expectExit.get(s.id) ?? 0, events: s.events,
    logged: s.logged.map((l) => l.syscall ?? l.types.join('+')),
  }));
  return { label: o.label, loadedRules: result.loadedRules ?? '', rows, durationMs: result.durationMs, result };
}

/** "insmod (.ko): finit_module logged" / "not logged", for reports. */
export function describeRow(r: BatteryRow): string {
  const who = r.as === 'root' ? '' : ` (${r.as})`;
  if (r.exitCode !== r.expectExit) return `${r.path}${who}: failed (exit ${r.exitCode})`;
  return r.logged.length > 0 ? `${r.path}${who}: ${[...new Set(r.logged)].join(', ')} logged` : `${r.path}${who}: not logged`;
}

/** Shell text printing every on-disk rules file (rules.d/*.rules, then audit.rules), each after a `# FILE` line. */
export const RULES_ON_DISK = 'for f in /etc/audit/rules.d/*.rules /etc/audit/audit.rules; do [ -f "$f" ] && { echo "# $f"; cat "$f"; }; done; true';

/** /etc/audit/audit.rules as booted: restored after each tool, since remediations edit it too. */
export async function pristineAuditRules(target: Target): Promise<Buffer> {
  return target.getFile('/etc/audit/audit.rules');
}

/** Brings the guest back to its pristine audit configuration: no rules loaded, rules.d and audit.rules as booted. */
export async function restoreAudit(session: TargetSession, pristine: Buffer): Promise<void> {
  await resetGuest(session);
  await session.target.putFile('/etc/audit/audit.rules', pristine, 0o640);
}

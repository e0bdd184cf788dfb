// The standard battery of `audit-harness coverage`: every way the scenarios know to load and unload a module
// (kmod's insmod/modprobe/rmmod, kmod under other names, the static loaders' raw syscalls, 64- and 32-bit, and module
// autoloading: a program's socket() that makes the kernel run modprobe itself), for the release's own module, an
// uncompressed one, an xz one and one of the kernel package, as root, through sudo and as uid 1000. Built as an
// ordinary scenario, so every target answers it through the one runner.
import { scenarioSchema, type Scenario } from '../scenarios/schema.js';
import type { StepSpec } from '../scenarios/steps.js';

export type Who = 'root' | 'sudo' | 'user';
export const WHO: readonly Who[] = ['root', 'sudo', 'user'];

export interface BatteryItem {
  kind: 'load' | 'unload';
  /** What a reader sees: "insmod of an uncompressed module". */
  label: string;
  do: StepSpec['do'];
  module: NonNullable<StepSpec['module']>;
  loader?: '64' | '32';
}

const MODULE_TEXT = { distro: 'the module as the release ships modules', ko: 'an uncompressed module', xz: 'an xz-compressed module', stock: 'a module of the kernel package' } as const;

export const LOADS: readonly BatteryItem[] = [
  ...(['distro', 'ko', 'xz', 'stock'] as const).map((m) => ({ kind: 'load' as const, label: `insmod of ${MODULE_TEXT[m]}`, do: 'insmod' as const, module: m })),
  ...(['distro', 'xz', 'stock'] as const).map((m) => ({ kind: 'load' as const, label: `modprobe of ${MODULE_TEXT[m]}`, do: 'modprobe' as const, module: m })),
  { kind: 'load', label: 'kmod run as insmod (exec -a) on an uncompressed module', do: 'kmod-exec-a', module: 'ko' },
  { kind: 'load', label: 'kmod through a symlink of one\'s own named insmod', do: 'kmod-symlink', module: 'ko' },
  { kind: 'load', label: 'kmod insmod (subcommand)', do: 'kmod-insmod', module: 'ko' },
  { kind: 'load', label: 'init_module by a 64-bit program', do: 'init_module', module: 'ko', loader: '64' },
  { kind: 'load', label: 'finit_module by a 64-bit program', do: 'finit_module', module: 'ko', loader: '64' },
  { kind: 'load', label: 'init_module by a 32-bit program', do: 'init_module', module: 'ko', loader: '32' },
  { kind: 'load', label: 'finit_module by a 32-bit program', do: 'finit_module', module: 'ko', loader: '32' },
  // Any process, unprivileged included, makes the kernel load the module the guest aliases to net-pf-13 [S25, S26].
  { kind: 'load', label: 'autoload by a 64-bit program\'s socket()', do: 'autoload', module: 'distro', loader: '64' },
  { kind: 'load', label: 'autoload by a 32-bit program\'s socket()', do: 'autoload', module: 'distro', loader: '32' },
];

export const UNLOADS: readonly BatteryItem[] = [
  ...(['distro', 'xz', 'stock'] as const).map((m) => ({ kind: 'unload' as const, label: `rmmod of ${MODULE_TEXT[m]}`, do: 'rmmod' as const, module: m })),
  ...(['distro', 'xz', 'stock'] as const).map((m) => ({ kind: 'unload' as const, label: `modprobe -r of ${MODULE_TEXT[m]}`, do: 'modprobe-r' as const, module: m })),
  { kind: 'unload', label: 'kmod remove (subcommand)', do: 'kmod-remove', module: 'distro' },
  { kind: 'unload', label: 'delete_module by a 64-bit program', do: 'delete_module', module: 'distro', loader: '64' },
  { kind: 'unload', label: 'delete_module by a 32-bit program', do: 'delete_module', module: 'distro', loader: '32' },
];

export interface BatteryStep {
  id: string;
  item: BatteryItem;
  as: Who;
}

const NAMES = { distro: 'audit_test_mod', ko: 'audit_test_mod', xz: 'audit_test_mod_xz', stock: undefined } as const;

/**
 * The battery for a kernel arch: on i686 there is no 64-bit program, so its loader rows are left out. uid 1000 does
 * not make its own symlink: /tmp/audit-harness-bin belongs to root once root made it, so the user's `ln` would fail
 * before kmod runs, on a real guest and not in the model.
 */
export function batterySteps(arch: 'x86_64' | 'i686'): BatteryStep[] {
  const out: BatteryStep[] = [];
  for (const as of WHO) {
    for (const item of [...LOADS, ...UNLOADS]) {
      if (arch === 'i686' && item.loader === '64') continue;
      if (item.do === 'kmod-symlink' && as === 'user') continue;
      out.push({ id: `${item.kind}-${as}-${out.length + 1}`, item, as });
    }
  }
  return out;
}

/**
 * The scenario: before each load the module is unloaded, before each unload it is loaded, by root with modprobe
 * (idempotent: no syscall when it is already so), so every step starts from the same state on every target. The
 * setup steps are not part of the verdict. `count: {min: 0}` per step and key: the battery asserts nothing, it only
 * collects what each step logged under the user's keys.
 */
export function batteryScenario(opts: { arch: 'x86_64' | 'i686'; rules: string; rulesName: string; rulesFile?: string; keys: readonly string[]; stockModule: string }): { scenario: Scenario; steps: BatteryStep[] } {
  const steps = batterySteps(opts.arch);
  const yamlSteps: unknown[] = [];
  const name = (m: BatteryItem['module']) => NAMES[m] ?? opts.stockModule;
  for (const s of steps) {
    const mod = name(s.item.module);
    yamlSteps.push({ id: `setup-${s.id}`, path: 'setup', do: 'run', argv: s.item.kind === 'load' ? ['modprobe', '-r', mod] : ['modprobe', mod], expectExit: 0 });
    // What a step exits with depends on the release (kmod's subcommands, EPERM for uid 1000): not asserted.
    yamlSteps.push({ id: s.id, path: s.item.label, as: s.as, do: s.item.do, module: s.item.module, ...(s.item.loader ? { loader: s.item.loader } : {}), expectExit: 0 });
  }
  const scenario = scenarioSchema.parse({
    id: `coverage-${opts.arch}`,
    title: `coverage of ${opts.rulesName}: the standard load/unload battery (${opts.arch})`,
    source: 'audit-harness coverage',
    applies: { archs: [opts.arch] },
    rules: { inline: opts.rules, name: opts.rulesName },
    apply: opts.rulesFile ? 'augenrules' : 'auditctl-R',
    ...(opts.rulesFile ? { rulesFile: opts.rulesFile } : {}),
    steps: yamlSteps,
    expect: steps.flatMap((s) => opts.keys.map((key) => ({ step: s.id, key, exactKey: true, count: { min: 0 } }))),
  });
  return { scenario, steps };
}

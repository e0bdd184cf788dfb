// Translates a scenario step into the exact command sent to the guest; every word is quoted with shellJoin.
import { AUTOLOAD } from '../images/guest-layout.js';
import { shellJoin } from '../shell.js';
import type { Scenario } from './schema.js';

export type Step = Scenario['steps'][number];
/** What stepCommand needs of a step (its expected exit status is not part of the command). */
export type StepSpec = Omit<Step, 'expectExit'>;

export interface Fixtures {
  /** audit_test_mod as the release ships modules (under /lib/modules/<release>/extra). */
  testModule: string;
  /** audit_test_mod uncompressed, outside the module tree. */
  testModuleKo: string;
  /** audit_test_mod_xz.ko.xz. */
  testModuleXz: string;
  /** A module of the kernel package itself. */
  stockModule: { name: string; file: string };
  loader64?: string;
  loader32: string;
  moduleName: string;
}

/** The file and module name a step's `module` names. */
export function moduleOf(step: StepSpec, fx: Fixtures): { file: string; name: string } {
  switch (step.module ?? 'distro') {
    case 'distro': return { file: fx.testModule, name: fx.moduleName };
    case 'ko': return { file: fx.testModuleKo, name: fx.moduleName };
    case 'xz': return { file: fx.testModuleXz, name: `${fx.moduleName}_xz` };
    case 'stock': return { file: fx.stockModule.file, name: fx.stockModule.name };
  }
}

/** The argv a step runs, before the root/sudo/user wrapping (the simulator interprets it too). */
export function loadArgv(step: StepSpec, fx: Fixtures): string[] {
  const { file, name } = moduleOf(step, fx);
  const loader = step.loader === '32' ? fx.loader32 : (fx.loader64 ?? fx.loader32);
  switch (step.do) {
    case 'insmod': return ['insmod', file];
    case 'rmmod': return ['rmmod', name];
    case 'modprobe': return ['modprobe', name];
    case 'modprobe-r': return ['modprobe', '-r', name];
    case 'kmod-insmod': return ['kmod', 'insmod', file];
    case 'kmod-remove': return ['kmod', 'remove', name];
    case 'kmod-exec-a': return ['bash', '-c', `exec -a insmod /usr/bin/kmod ${shellJoin([file])}`];
    case 'kmod-symlink': return ['sh', '-c', `mkdir -p /tmp/audit-harness-bin && ln -sf /usr/bin/kmod /tmp/audit-harness-bin/insmod && /tmp/audit-harness-bin/insmod ${shellJoin([file])}`];
    case 'init_module': return [loader, 'init_module', file];
    case 'finit_module': return [loader, 'finit_module', file];
    case 'delete_module': return [loader, 'delete_module', name];
    // the kernel, not the step, runs modprobe: the loader only makes the socket() call that asks for it
    case 'autoload': return [loader, 'socket', String(AUTOLOAD.family)];
    case 'run': return step.argv ?? [];
  }
}

/** The shell command line for a step, run as root, through sudo (auid 1000) or as uid 1000 (auid 1000). */
export function stepCommand(step: StepSpec, fx: Fixtures): string {
  const inner = shellJoin(loadArgv(step, fx));
  const asUser = (cmd: string) => `echo 1000 > /proc/self/loginuid && exec setpriv --reuid=1000 --regid=1000 --init-groups sh -c ${shellJoin([cmd])}`;
  switch (step.as ?? 'root') {
    case 'root': return inner;
    case 'user': return `sh -c ${shellJoin([asUser(inner)])}`;
    case 'sudo': return `sh -c ${shellJoin([asUser(`sudo -n ${inner}`)])}`;
  }
}

// How much a load/unload path matters to a reader: the everyday way first (modprobe of a module the release ships),
// then insmod of a .ko, modprobe of a .ko.xz, kmod under other names, and the raw-syscall loaders last; root before
// sudo before user. Used to name a rule set's most important miss and to order the matrix rows.
import type { StepResult } from '../result.js';

type Op = NonNullable<StepResult['do']>;
type Module = NonNullable<StepResult['module']>;

/** What a path did, from the result's `do`/`module` where present, else from the path's name (older results, `run` steps). */
function opOf(step: Pick<StepResult, 'path' | 'do'>): Op {
  if (step.do !== undefined && step.do !== 'run') return step.do;
  const p = step.path;
  const loader = /^loader(?:32)?:(init_module|finit_module|delete_module)\b/.exec(p);
  if (loader) return loader[1] as Op;
  if (/\bkmod remove\b/.test(p)) return 'kmod-remove';
  if (/\bkmod insmod\b/.test(p)) return 'kmod-insmod';
  if (/\bkmod\b/.test(p)) return 'kmod-exec-a';
  if (/\bmodprobe(?:-r| -r)\b/.test(p)) return 'modprobe-r';
  if (/\bmodprobe\b/.test(p)) return 'modprobe';
  if (/\brmmod\b/.test(p)) return 'rmmod';
  if (/\binsmod\b/.test(p)) return 'insmod';
  return 'run';
}

function moduleOf(step: Pick<StepResult, 'path' | 'module'>): Module {
  if (step.module !== undefined) return step.module;
  if (/\bstock\b/.test(step.path)) return 'stock';
  if (/\.ko\.xz\b|\bxz\b/.test(step.path)) return 'xz';
  if (/\(\.ko\)/.test(step.path)) return 'ko';
  return 'distro';
}

/** 0 = the path a reader cares about most. Loads and unloads are ranked on the same scale, each among its own. */
function kindRank(op: Op, module: Module, loader32: boolean): number {
  switch (op) {
    case 'modprobe':
    case 'modprobe-r':
      return module === 'stock' ? 0 : module === 'xz' ? 3 : 1;
    // the kernel's own modprobe, asked for by any process: as everyday as modprobe of a release's module
    case 'autoload':
      return 1;
    case 'insmod':
    case 'rmmod':
      return module === 'xz' ? 3 : 2;
    case 'kmod-insmod':
    case 'kmod-remove':
    case 'kmod-exec-a':
    case 'kmod-symlink':
      return 4;
    case 'init_module':
    case 'finit_module':
    case 'delete_module':
      return loader32 ? 6 : 5;
    case 'run':
      return 7;
  }
}

const AS_RANK: Record<StepResult['as'], number> = { root: 0, sudo: 1, user: 2 };

/** Lower is more important, whoever ran it (the matrix keeps a path's root/sudo/user rows together). */
export function pathKindRank(step: Pick<StepResult, 'path' | 'do' | 'module'>): number {
  // The tool started by a path of its own (`run: /sbin/insmod ...`) comes just after the tool by its plain name.
  const byOwnCommand = step.do === 'run' || step.path.startsWith('/');
  return kindRank(opOf(step), moduleOf(step), /^loader32:/.test(step.path)) + (byOwnCommand ? 0.5 : 0);
}

/** Lower is more important: kind of path first, then who ran it. */
export function pathRank(step: Pick<StepResult, 'path' | 'as' | 'do' | 'module'>): number {
  return pathKindRank(step) * 3 + AS_RANK[step.as];
}

// Why a battery step was not logged, derived by replaying it on the model of the target's release and evaluating
// the user's rules against each simulated call the way the kernel does (harness/sim/filter.ts): for every rule, the
// checks it failed (arch, syscall not named, auid or another field, the watch's name); the rules that came closest
// (fewest failed checks) give the reason. A call of the modprobe the kernel runs itself (module autoloading) says so,
// and so does a watch on the file the kernel executed without the execve syscall. For a qemu: target the model is the
// profile calibrated by it.
import type { AuditRule, RuleField } from '../audit/rules/index.js';
import { syscallName } from '../audit/syscalls/index.js';
import { ARCH_ELF, decide, fieldMatches, isWatchRule } from '../sim/filter.js';
import { SimUnsupported, UNSET, simulateCommand, type KernelExec, type SimCall, type SimWorld } from '../sim/processes.js';
import type { SimFs } from '../sim/fs.js';

const ARCH_NAME: Record<number, string> = { [ARCH_ELF.x86_64]: 'b64 (x86_64)', [ARCH_ELF.i386]: 'b32 (i386)' };
const MODULE_CALLS = new Set(['init_module', 'finit_module', 'delete_module']);

function fieldText(f: RuleField): string {
  if (f.name === 'arch') return `arch=${ARCH_NAME[f.value as number] ?? f.value}`;
  const v = (f.name === 'auid' || f.name === 'uid' || f.name === 'euid') && f.value === UNSET ? 'unset' : String(f.value);
  return `${f.name}${f.op}${v}`;
}

// The kernel's modprobe has no login session and runs as root, whoever made the kernel start it [S26, R11].
const KERNEL_MODPROBE = 'the caller is the kernel\'s own modprobe (module autoloading), the same whoever triggered it';

function actualOf(f: RuleField, call: SimCall): string {
  const t = call.task;
  const byKernel = t.byKernel ? `: ${KERNEL_MODPROBE}` : '';
  switch (f.name) {
    case 'arch': return `the call is ${t.arch}`;
    case 'auid': return `the caller's auid is ${t.auid === UNSET ? 'unset' : t.auid}${byKernel}`;
    case 'uid': return `uid is ${t.uid}${byKernel}`;
    case 'euid': return `euid is ${t.euid}${byKernel}`;
    case 'success': case 'exit': return call.error ? `the call failed with ${call.error}` : 'the call succeeded';
    case 'perm': return `${call.syscall} is not an exec`;
    default: return `${f.name} differs`;
  }
}

/** The checks a rule fails for a call (empty: the rule matches it). */
function failedChecks(r: AuditRule, fs: SimFs, call: SimCall): string[] {
  const out: string[] = [];
  const path = r.fields.find((f) => f.name === 'path' || f.name === 'dir')?.value;
  if (isWatchRule(r)) {
    const watched = typeof path === 'string' ? fs.entry(fs.resolveParent(path)) : undefined;
    if (!call.names.some((n) => n.ino !== undefined && n.ino === watched?.ino)) {
      const ran = call.syscall === 'execve' ? call.names[0]?.name ?? '?' : undefined;
      out.push(ran ? `watch's name: ${path} is not what was executed (${ran})` : `watch's name: ${call.syscall} names no file, a watch on ${path} cannot see it`);
    }
  } else {
    const arch = r.fields.find((f) => f.name === 'arch');
    if (arch && !fieldMatches(arch, call)) out.push(`arch: the rule has ${fieldText(arch)}, ${actualOf(arch, call)}`);
    // By name in the rule's own table: a b32 rule naming init_module does not name a 64-bit finit_module either.
    const named = r.syscalls === 'all' || (r.syscalls ?? []).some((n) => syscallName(r.syscallTable, n) === call.syscall);
    if (!named) out.push(`syscall not named: ${call.syscall}`);
  }
  for (const f of r.fields) {
    if (f.name === 'arch' || f.name === 'path' || f.name === 'dir' || f.name === 'key') continue;
    let ok: boolean;
    try {
      ok = fieldMatches(f, call);
    } catch (e) {
      if (e instanceof SimUnsupported) { out.push(`${f.name}: ${e.message}`); continue; }
      throw e;
    }
    if (!ok) out.push(`${f.name === 'auid' ? 'auid filter' : f.name}: ${fieldText(f)}, ${actualOf(f, call)}`);
  }
  return out;
}

export interface StepExplanation {
  /** The model logs some event under the searched keys in this step (an exec, or the module syscall). */
  modelLogged: boolean;
  /** The model logs the module syscall itself under a searched key. */
  moduleLogged: boolean;
  /** Why the module syscall is not logged (empty when it is). */
  why: string[];
  /** The module syscalls the model makes in this step ("finit_module (i386) EPERM"). */
  calls: string[];
}

function callText(c: SimCall, nativeArch: string): string {
  return `${c.syscall}${c.task.arch !== nativeArch ? ` (${c.task.arch})` : ''}${c.error ? ` ${c.error}` : ''}`;
}

const isAdd = (r: AuditRule) => r.list === 'exit' && r.op === 'add';
const watchedPath = (r: AuditRule) => r.fields.find((f) => f.name === 'path' || f.name === 'dir')?.value as string;

/**
 * The watches that would have seen a program the kernel executed itself, had it been an execve: none fires, as the
 * kernel used kernel_execve [S26] (R11: `-w /usr/sbin/modprobe -p x` did not fire for an autoload).
 */
function kernelExecMisses(w: SimWorld, watches: readonly AuditRule[], k: KernelExec): string | undefined {
  const inos = new Set(k.names.map((n) => n.ino));
  const seen = watches.map(watchedPath).filter((p) => inos.has(w.fs.entry(w.fs.resolveParent(p))?.ino));
  if (seen.length === 0) return undefined;
  return `watch's name: ${[...new Set(seen)].join(', ')} ${seen.length > 1 ? 'are' : 'is'} watched, but the kernel ran ${k.task.argv.join(' ')} itself (kernel_execve), not through the execve syscall: no watch sees it`;
}

/**
 * Runs `command` on the world (which keeps its loaded modules between calls, as the guest does) and explains the
 * outcome for the rules whose key is searched.
 */
export function explainStep(w: SimWorld, rules: readonly AuditRule[], keys: readonly string[], command: string): StepExplanation {
  const { status, calls, kernelExecs } = simulateCommand(w, command);
  const searched = (key: string | undefined) => key !== undefined && key.split('\x01').some((k) => keys.includes(k));
  const decisions = calls.map((c) => ({ c, d: decide(rules, w.fs, c) }));
  const modelLogged = decisions.some(({ d }) => d.record && searched(d.key));
  const moduleDecisions = decisions.filter(({ c }) => MODULE_CALLS.has(c.syscall));
  const moduleLogged = moduleDecisions.some(({ d }) => d.record && searched(d.key));
  const callList = moduleDecisions.map(({ c }) => callText(c, w.nativeArch));
  if (moduleLogged) return { modelLogged, moduleLogged, why: [], calls: callList };
  const why: string[] = [];
  if (moduleDecisions.length === 0) why.push(`no module syscall was made (the command exited ${status})`);
  // A never rule that decided first (auditsc.c: the first matching rule of the exit list wins).
  for (const { c } of moduleDecisions) {
    const never = rules.find((r) => isAdd(r) && r.action === 'never' && !isWatchRule(r) && failedChecks(r, w.fs, c).length === 0);
    if (never) { why.push(`a never rule matched first: ${never.text.trim()}`); break; }
  }
  const candidates = rules.filter((r) => isAdd(r) && r.action === 'always' && r.keys.some((k) => keys.includes(k)));
  if (candidates.length === 0) why.push('no always rule carries a searched key');
  // The syscall rules that came closest to the module syscall: their failed checks are the reason.
  let best: string[][] = [];
  let fewest = Infinity;
  for (const r of candidates.filter((x) => !isWatchRule(x))) {
    for (const { c } of moduleDecisions) {
      const failed = failedChecks(r, w.fs, c);
      if (failed.length === 0) continue;
      if (failed.length < fewest) { fewest = failed.length; best = [failed]; } else if (failed.length === fewest) best.push(failed);
    }
  }
  for (const f of best.flat()) if (!why.includes(f)) why.push(f);
  for (const k of kernelExecs) {
    const missed = kernelExecMisses(w, candidates.filter(isWatchRule), k);
    if (missed && !why.includes(missed)) why.push(missed);
  }
  // A watch sees only execs: where nothing at all was logged, say why the watches missed the tool's exec.
  if (!modelLogged) {
    const execs = calls.filter((c) => c.syscall === 'execve' && !c.error && c.names[0]);
    const watches = candidates.filter(isWatchRule);
    // Watches on other names of the executed file (links to it), grouped by how it ran.
    const byRun = new Map<string, string[]>();
    for (const r of watches) {
      const watched = watchedPath(r);
      const target = w.fs.resolve(watched);
      for (const c of execs.filter((x) => w.fs.resolve(x.names[0]!.name) === target)) {
        const failed = failedChecks(r, w.fs, c);
        if (failed.some((f) => f.startsWith('watch\'s name'))) {
          const k = `${target} ran as ${c.names[0]!.name}`;
          byRun.set(k, [...new Set([...(byRun.get(k) ?? []), watched])]);
        } else for (const f of failed) if (!why.includes(f)) why.push(f);
      }
    }
    for (const [ran, watched] of byRun) why.push(`watch's name: ${watched.join(', ')} ${watched.length > 1 ? 'are' : 'is'} watched, but ${ran}`);
    const last = execs[execs.length - 1];
    if (watches.length && byRun.size === 0 && !why.some((x) => !x.startsWith('no module') && !x.startsWith('syscall') && !x.startsWith('arch')) && last) {
      why.push(`watch's name: no watched file was executed (the tool ran as ${last.names[0]!.name})`);
    }
  }
  return { modelLogged, moduleLogged, why, calls: callList };
}

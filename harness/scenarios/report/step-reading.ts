// What the reporters read from a step: load or unload, setup or not, which syscalls it logged, its row in the matrix.
import { syscallName, type SyscallArch } from '../../audit/syscalls/index.js';
import type { AuditEvent } from '../../audit/records/types.js';
import type { ExpectationResult, ScenarioResult, StepResult } from '../result.js';

/** A row is a path and who ran it. */
export const rowKey = (step: Pick<StepResult, 'path' | 'as'>): string => JSON.stringify([step.path, step.as]);
export const rowLabel = (step: Pick<StepResult, 'path' | 'as'>): string => `${step.path} (${step.as})`;

/** An unload path by its name (results without `do`, and `run` steps). */
export function isUnload(path: string): boolean {
  return /rmmod|modprobe-r\b|modprobe -r\b|delete_module|remove|unload/.test(path);
}

const UNLOAD_DO: ReadonlySet<string> = new Set(['rmmod', 'modprobe-r', 'kmod-remove', 'delete_module']);

/** An unload step: by what it did where the result says so, else by its path's name. */
export function isUnloadStep(step: Pick<StepResult, 'path' | 'do'>): boolean {
  return step.do !== undefined && step.do !== 'run' ? UNLOAD_DO.has(step.do) : isUnload(step.path);
}

/** A generic `run` step that logged nothing and was asserted on by nothing is setup, not a load/unload path. */
export function isSetupStep(s: ScenarioResult, step: StepResult): boolean {
  return step.path === 'run' && step.logged.length === 0 && !s.expectations.some((e) => stepOf(e) === step.id);
}

export function archRank(arch: string): number {
  if (arch === 'x86_64' || arch === 'amd64') return 0;
  if (/^i[3-6]86$/.test(arch)) return 1;
  return 2;
}

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The expectations that name this step ("step load: ..."), and the ones that name no step at all. */
export function stepOf(e: ExpectationResult): string | undefined {
  return /^step\s+([^\s:]+)\s*:/.exec(e.description)?.[1];
}

const ARCH_BY_AUDIT: Record<string, SyscallArch> = { c000003e: 'x86_64', '40000003': 'i386' };

function eventArch(ev: AuditEvent | undefined): SyscallArch | undefined {
  const sys = ev?.records.find((r) => r.type === 'SYSCALL');
  const a = sys?.fields.find((f) => f.name === 'arch')?.value.toLowerCase();
  return a === undefined ? undefined : (ARCH_BY_AUDIT[a] ?? (a === 'x86_64' || a === 'i386' ? a : undefined));
}

/** The syscall of a logged entry by name (numbers are per arch: 350 is finit_module on i386), and its audit arch. */
export function loggedSyscall(entry: StepResult['logged'][number], bySerial: Map<number, AuditEvent>): { name: string; arch?: SyscallArch } | undefined {
  if (entry.syscall === undefined || entry.syscall === '') return undefined;
  const arch = eventArch(bySerial.get(entry.serial));
  let name = entry.syscall;
  if (/^\d+$/.test(name) && arch) name = syscallName(arch, Number(name)) ?? name;
  return { name, ...(arch ? { arch } : {}) };
}


const LOAD_SYSCALLS: ReadonlySet<string> = new Set(['init_module', 'finit_module']);
const UNLOAD_SYSCALLS: ReadonlySet<string> = new Set(['delete_module']);
const EXEC_SYSCALLS: ReadonlySet<string> = new Set(['execve', 'execveat']);

/**
 * What a step logged, as the verdict counts it: its module syscall (init_module/finit_module for a load,
 * delete_module for an unload, any arch), else only the execve of the tool (a watch), else something else, or nothing.
 */
export function loggedKind(step: StepResult, unload: boolean): 'module' | 'exec' | 'other' | 'nothing' {
  if (step.logged.length === 0) return 'nothing';
  const bySerial = new Map(step.events.map((e) => [e.serial, e] as const));
  const names = step.logged.map((l) => loggedSyscall(l, bySerial)?.name).filter((n): n is string => n !== undefined);
  const wanted = unload ? UNLOAD_SYSCALLS : LOAD_SYSCALLS;
  if (names.some((n) => wanted.has(n))) return 'module';
  return names.some((n) => EXEC_SYSCALLS.has(n)) ? 'exec' : 'other';
}

// The kernel's decision for one syscall (kernel/auditsc.c, __audit_syscall_exit): the exit list is walked in
// order and the first matching rule decides (audit_filter_syscall); then, per name the syscall touched, in order,
// the watch rules on that name's inode (audit_filter_inodes): the first name with a matching watch decides again,
// its key replacing the syscall rule's, but only a watch of a higher priority than the rule that decided:
// audit_filter_rules skips a rule whose prio is not above the context's, and the kernel keeps the exit list's prio in
// list order (auditfilter.c audit_add_rule: -A gets a rising prio_high, -a a falling prio_low), so only a watch
// listed before that rule. Measured on qemu:debian12-amd64 (2026-12-07): with `-S execve -k exec` listed before
// `-w /usr/bin/kmod -p x -k kmod-watch`, modprobe's execve carried the key exec.
import type { AuditRule, RuleField } from '../audit/rules/index.js';
import { syscallNumber } from '../audit/syscalls/index.js';
import type { SimFs } from './fs.js';
import { SimUnsupported, type SimCall } from './processes.js';

export const ARCH_ELF = { x86_64: 0xc000003e, i386: 0x40000003 } as const;
export const ERRNO = { EPERM: 1, ENOENT: 2, EEXIST: 17, EAFNOSUPPORT: 97 } as const;
const PERM_EXEC = 1;

export interface Decision {
  record: boolean;
  key?: string;
}

function compare(actual: number, f: RuleField): boolean {
  const v = f.value as number;
  switch (f.op) {
    case '=': return actual === v;
    case '!=': return actual !== v;
    case '<': return actual < v;
    case '>': return actual > v;
    case '<=': return actual <= v;
    case '>=': return actual >= v;
    case '&': return (actual & v) !== 0;
    case '&=': return (actual & v) === v;
  }
}

export function fieldMatches(f: RuleField, call: SimCall): boolean {
  const t = call.task;
  const rc = call.error ? -ERRNO[call.error] : 0;
  switch (f.name) {
    case 'key': case 'path': return true;
    case 'arch': return compare(ARCH_ELF[t.arch], f);
    case 'auid': return compare(t.auid, f);
    case 'uid': return compare(t.uid, f);
    case 'euid': return compare(t.euid, f);
    case 'success': return compare(call.error ? 0 : 1, f);
    case 'exit': return compare(rc, { ...f, value: (f.value as number) | 0 });
    case 'perm': return call.syscall === 'execve' ? compare(PERM_EXEC, { ...f, op: '&' }) : false;
    default: throw new SimUnsupported(`rule field ${f.name} is not modelled`);
  }
}

const keyOf = (r: AuditRule) => (r.keys.length ? r.keys.join('\x01') : undefined);
export const isWatchRule = (r: AuditRule) => r.fields.some((f) => f.name === 'path' || f.name === 'dir');

export function decide(rules: readonly AuditRule[], fs: SimFs, call: SimCall): Decision {
  const exit = rules.filter((r) => r.list === 'exit' && r.op === 'add');
  const nr = syscallNumber(call.task.arch, call.syscall);
  let decision: Decision = { record: false };
  // The place in the list of the rule that decided: a watch must come before it to decide again.
  let decided = exit.length;
  for (const [i, r] of exit.entries()) {
    if (isWatchRule(r)) continue;
    if (r.syscalls !== 'all' && (nr === undefined || !r.syscalls?.includes(nr))) continue;
    if (!r.fields.every((f) => fieldMatches(f, call))) continue;
    decision = { record: r.action === 'always', ...(keyOf(r) ? { key: keyOf(r) } : {}) };
    decided = i;
    break;
  }
  for (const name of call.names) {
    const hit = exit.slice(0, decided).find((r) => {
      const path = r.fields.find((f) => f.name === 'path')?.value;
      if (typeof path !== 'string') return false;
      const watched = fs.entry(fs.resolveParent(path));
      return name.ino !== undefined && watched?.ino === name.ino && r.fields.every((f) => fieldMatches(f, call));
    });
    if (hit) return { record: hit.action === 'always', ...(keyOf(hit) ? { key: keyOf(hit) } : {}) };
  }
  return decision;
}

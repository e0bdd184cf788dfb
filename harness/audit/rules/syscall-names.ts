// A -S name or number resolved in one arch's table, as libaudit's audit_rule_syscallbyname_data does.
import { syscallNumber } from '../syscalls/index.js';
import type { SyscallArch } from '../syscalls/index.js';
import { cNumber } from './arch.js';

const MAX_SYSCALL = 64 * 32; // AUDIT_BITMASK_SIZE words of 32 bits

/** Second names libaudit's tables give a number that ausyscall --dump lists once. */
const ALIASES: Partial<Record<SyscallArch, Record<string, number>>> = { i386: { madvise1: 219 } };

/** libaudit's audit_rule_syscallbyname_data for one name: 'all', a number, or undefined when unknown. */
export function syscallByName(table: SyscallArch, name: string): number | 'all' | undefined {
  if (name === 'all') return 'all';
  const lower = name.toLowerCase(); // libaudit's lookup folds case
  let nr = syscallNumber(table, lower) ?? ALIASES[table]?.[lower];
  if (nr === undefined && /^[0-9]/.test(name)) nr = cNumber(name);
  if (nr === undefined || nr < 0 || nr >= MAX_SYSCALL) return undefined;
  return nr;
}


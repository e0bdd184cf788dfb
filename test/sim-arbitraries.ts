// Random rule sets and load/unload sequences for the model's property tests (test/sim-property*.test.ts).
import fc from 'fast-check';
import type { StepSpec } from '../harness/scenarios/steps.js';

export const MODULE_SYSCALLS = ['init_module', 'finit_module', 'delete_module'] as const;

export const ruleLine = fc.record({
  action: fc.constantFrom('always', 'never'),
  arch: fc.constantFrom('b64', 'b32', undefined),
  syscalls: fc.subarray([...MODULE_SYSCALLS, 'execve'] as string[], { minLength: 1 }),
  auid: fc.constantFrom('-F auid>=1000 -F auid!=unset', '-F auid=0', '-F uid=0', '-F success=1', ''),
  key: fc.constantFrom('k1', 'k2'),
}).map((r) => `-a ${r.action},exit${r.arch ? ` -F arch=${r.arch}` : ''} -S ${r.syscalls.join(',')} ${r.auid} -k ${r.key}`.replace(/\s+/g, ' ').trim());
export const watchLine = fc.constantFrom('/sbin/insmod', '/usr/sbin/rmmod', '/usr/bin/kmod', '/sbin/modprobe').map((p) => `-w ${p} -p x -k kw`);
// auditctl -R stops at the first error (a duplicate rule is one): the sets are of distinct lines.
export const ruleSet = fc.uniqueArray(fc.oneof(ruleLine, watchLine), { maxLength: 8 });

export type Op = Pick<StepSpec, 'do' | 'module' | 'loader' | 'as'>;
export const op: fc.Arbitrary<Op> = fc.record({
  do: fc.constantFrom('insmod', 'rmmod', 'modprobe', 'modprobe-r', 'init_module', 'finit_module', 'delete_module', 'kmod-exec-a'),
  module: fc.constantFrom('distro', 'ko', 'xz', 'stock'),
  loader: fc.constantFrom('64', '32'),
  as: fc.constantFrom('root', 'sudo', 'user'),
}).map((o) => (['init_module', 'finit_module'].includes(o.do) ? { ...o, module: 'ko' as const } : ['kmod-exec-a'].includes(o.do) ? { ...o, module: 'ko' as const } : o));


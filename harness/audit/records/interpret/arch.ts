// arch= and syscall= of SYSCALL/SECCOMP records.
import { syscallName, syscallNumber, type SyscallArch } from '../../syscalls/index.js';
import { ERANGE, u32 } from './cnum.js';
import { T } from './tables.js';

/** AUDIT_ARCH_* value -> the machine name libaudit 3.0.9 prints (first name of its machine table). */
const ELF_MACHINES = new Map<number, string>([
  [0xc000003e, 'x86_64'],
  [0x40000003, 'i386'],
  [0x80000015, 'ppc64'],
  [0xc0000015, 'ppc64le'],
  [0x14, 'ppc'],
  [0x80000016, 's390x'],
  [0x16, 's390'],
  [0x40000028, 'armeb'],
  [0xc00000b7, 'aarch64'],
]);

/** libaudit's machine names (machinetab.h; Debian builds ARM and AArch64 in) -> the ELF arch of the machine. */
const MACHINE_NAMES = new Map<string, number>([
  ['i386', 0x40000003], ['i486', 0x40000003], ['i586', 0x40000003], ['i686', 0x40000003], ['x86_64', 0xc000003e],
  ['ppc64', 0x80000015], ['ppc64le', 0xc0000015], ['ppc', 0x14], ['s390x', 0x80000016], ['s390', 0x16],
  ['armeb', 0x40000028], ['arm', 0x40000028], ['armv5tejl', 0x40000028], ['armv5tel', 0x40000028],
  ['armv6l', 0x40000028], ['armv7l', 0x40000028], ['aarch64', 0xc00000b7], ['armv8l', 0xc00000b7],
]);

/** audit_name_to_machine then audit_machine_to_elf: the ELF arch of a machine name (lower-cased as libaudit's table does). */
export function elfOfMachineName(name: string): number | undefined {
  return MACHINE_NAMES.get(name.replace(/[A-Z]+/g, (m) => m.toLowerCase()));
}

/** Is this an ELF arch libaudit knows (audit_elf_to_machine)? */
export function knownElf(elf: number): boolean {
  return ELF_MACHINES.has(elf);
}

/** The machine ausearch falls back to (audit_detect_machine on this x86_64 host). */
export const HOST_MACHINE = 'x86_64';

/** Machine name for a logged arch= value, undefined when libaudit does not know it. */
export function machineOf(val: string): string | undefined {
  const v = u32(val, 16);
  return v === ERANGE ? undefined : ELF_MACHINES.get(v);
}

export function printArch(val: string): string {
  return machineOf(val) ?? `unknown-elf-type(${val})`;
}

/** Syscall name for a machine. */
export function syscallNameFor(machine: string, nr: number): string | undefined {
  if (machine === 'x86_64' || machine === 'i386') return syscallName(machine as SyscallArch, nr);
  return T.syscallsByMachine.get(machine)?.get(nr);
}

const numbersByMachine = new Map<string, Map<string, number>>();

/** audit_name_to_syscall on the machine of an ELF arch (the name already lower-cased); undefined when it has none. */
export function syscallNumberOn(elf: number, name: string): number | undefined {
  const machine = ELF_MACHINES.get(elf);
  if (machine === 'x86_64' || machine === 'i386') return syscallNumber(machine, name);
  const byNumber = machine === undefined ? undefined : T.syscallsByMachine.get(machine);
  if (byNumber === undefined) return undefined;
  let byName = numbersByMachine.get(machine!);
  if (byName === undefined) {
    byName = new Map([...byNumber].map(([nr, n]) => [n, nr]));
    numbersByMachine.set(machine!, byName);
  }
  return byName.get(name);
}

const plainNames = new Map<string, string>();

export function printSyscall(machine: string, nr: number, args: { readonly a0: bigint }): string {
  const key = `${machine}:${nr}`;
  const cached = plainNames.get(key);
  if (cached !== undefined) return cached;
  const sys = syscallNameFor(machine, nr);
  if (sys === undefined) return `unknown-syscall(${nr})`;
  if (sys !== 'socketcall' && sys !== 'ipc') {
    plainNames.set(key, sys);
    return sys;
  }
  // socketcall/ipc multiplexers show the call in a0
  let sub: string | undefined;
  const a0 = args.a0;
  const asInt = BigInt.asIntN(32, a0);
  if (BigInt.asUintN(64, asInt) === a0) {
    if (sys === 'socketcall') sub = T.sock.get(Number(asInt));
    else if (sys === 'ipc') sub = T.ipc.get(Number(asInt));
  }
  return sub ? `${sys}(${sub})` : sys;
}

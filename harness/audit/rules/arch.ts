// What `-F arch=VALUE` means on a given kernel, following libaudit's audit_determine_machine:
// b32/b64 are relative to the running kernel, machine names and ELF numbers are absolute,
// and a 32-bit kernel refuses b64.
import type { SyscallArch } from '../syscalls/index.js';
import { AUDIT_ARCH } from '../syscalls/index.js';
import type { KernelArch } from './types.js';

const ARCH_64BIT = 0x80000000;

/** Machine names libaudit knows; only the x86 ones have syscall tables here. */
const X86_NAMES: Record<string, SyscallArch> = { i386: 'i386', i486: 'i386', i586: 'i386', i686: 'i386', x86_64: 'x86_64' };
const OTHER_MACHINES = new Set(['ppc64', 'ppc64le', 'ppc', 's390x', 's390', 'armeb', 'arm', 'armv5tejl', 'armv5tel', 'armv6l', 'armv7l', 'aarch64', 'armv8l']);

export type ArchResult = { ok: true; elf: number; table: SyscallArch } | { ok: false; message: string };

/** The syscall table a kernel uses for rules that give no arch. */
export function kernelTable(kernel: KernelArch): SyscallArch {
  return kernel === 'x86_64' ? 'x86_64' : 'i386';
}

export function elfTable(elf: number): SyscallArch | undefined {
  if (elf === AUDIT_ARCH.x86_64) return 'x86_64';
  if (elf === AUDIT_ARCH.i386) return 'i386';
  return undefined;
}

export function is64bit(elf: number): boolean {
  return (elf & ARCH_64BIT) !== 0;
}

/** C strtol/strtoul(s, NULL, base) over the leading part of s, truncated to the u32 the kernel stores. */
export function cNumber(s: string, base: 0 | 16 = 0): number {
  const m = /^\s*([+-]?)(.*)$/s.exec(s)!;
  const neg = m[1] === '-';
  let body = m[2]!;
  let radix = base === 16 ? 16 : 10;
  if ((base === 0 || base === 16) && /^0[xX][0-9a-fA-F]/.test(body)) {
    body = body.slice(2);
    radix = 16;
  } else if (base === 0 && body.startsWith('0')) radix = 8;
  const digits = (radix === 16 ? /^[0-9a-fA-F]*/ : radix === 8 ? /^[0-7]*/ : /^[0-9]*/).exec(body)![0];
  if (digits === '') return 0;
  let v = BigInt(radix === 16 ? `0x${digits}` : radix === 8 ? `0o${digits}` : digits);
  if (neg) v = -v;
  return Number(BigInt.asUintN(32, v));
}

export function resolveArch(value: string, kernel: KernelArch): ArchResult {
  const notFound: ArchResult = { ok: false, message: 'elf mapping not found' };
  if (/^[0-9]/.test(value)) {
    const elf = cNumber(value);
    const table = elfTable(elf);
    return table ? { ok: true, elf, table } : notFound;
  }
  const lower = value.toLowerCase();
  if (lower === 'b64') {
    if (kernel === 'i686') return { ok: false, message: 'elf mapping not found (b64 on a 32-bit i686 kernel)' };
    return { ok: true, elf: AUDIT_ARCH.x86_64, table: 'x86_64' };
  }
  if (lower === 'b32') return { ok: true, elf: AUDIT_ARCH.i386, table: 'i386' };
  const table = Object.hasOwn(X86_NAMES, lower) ? X86_NAMES[lower] : undefined;
  if (table) return { ok: true, elf: AUDIT_ARCH[table], table };
  if (OTHER_MACHINES.has(lower)) return { ok: false, message: `elf mapping not found (${value} is not an x86 machine)` };
  // libaudit then tries the value as a hex ELF number.
  const elf = cNumber(value, 16);
  const hexTable = elfTable(elf);
  return hexTable ? { ok: true, elf, table: hexTable } : notFound;
}

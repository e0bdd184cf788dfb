// Syscall name <-> number tables per audit arch, generated from ausyscall (scripts/gen-syscalls.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../paths.js';

export type SyscallArch = 'x86_64' | 'i386';

interface Table {
  byName: Map<string, number>;
  byNumber: Map<number, string>;
}

const tables = new Map<SyscallArch, Table>();

function load(arch: SyscallArch): Table {
  let t = tables.get(arch);
  if (!t) {
    const file = path.join(repoRoot, 'harness/audit/syscalls', `${arch}.json`);
    const data = JSON.parse(readFileSync(file, 'utf8')) as { syscalls: Record<string, number> };
    t = { byName: new Map(Object.entries(data.syscalls)), byNumber: new Map() };
    for (const [name, nr] of t.byName) t.byNumber.set(nr, name);
    tables.set(arch, t);
  }
  return t;
}

export function syscallNumber(arch: SyscallArch, name: string): number | undefined {
  return load(arch).byName.get(name);
}

export function syscallName(arch: SyscallArch, nr: number): string | undefined {
  return load(arch).byNumber.get(nr);
}

export function syscallNames(arch: SyscallArch): string[] {
  return [...load(arch).byName.keys()];
}

/** AUDIT_ARCH_* values as the kernel writes them in SYSCALL records (arch=c000003e). */
export const AUDIT_ARCH = { x86_64: 0xc000003e, i386: 0x40000003 } as const;

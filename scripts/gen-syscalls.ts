// Regenerates harness/audit/syscalls/<arch>.json from `ausyscall <arch> --dump`
// (the audit userspace's own tables, so names match what auditctl accepts). The ausyscall used is
// the one unpacked from Debian's auditd package (harness/reference/tools.ts), not anything on the host.
// Usage: npx tsx scripts/gen-syscalls.ts
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SyscallArch } from '../harness/audit/syscalls/index.js';
import { repoRoot } from '../harness/paths.js';
import { referenceTool } from '../harness/reference/tools.js';

export const SYSCALL_ARCHS: readonly SyscallArch[] = ['x86_64', 'i386'];

export const syscallTableFile = (arch: SyscallArch) => path.join(repoRoot, 'harness/audit/syscalls', `${arch}.json`);

/** The text of <arch>.json: the marker naming this script and its source first, then the table. */
export async function syscallTableJson(arch: SyscallArch): Promise<string> {
  const ausyscall = await referenceTool('ausyscall');
  const out = execFileSync(ausyscall.path, [arch, '--dump'], { encoding: 'utf8', env: { ...process.env, ...ausyscall.env } });
  const table: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const m = /^(\d+)\t(\S+)$/.exec(line);
    if (m) table[m[2]] = Number(m[1]);
  }
  const generatedBy = `scripts/gen-syscalls.ts (npx tsx scripts/gen-syscalls.ts) from ausyscall ${arch} --dump of ${ausyscall.version}`;
  return JSON.stringify({ generatedBy, arch, syscalls: table }, null, 1) + '\n';
}

// Only when run as a script, never on import (a test compares its output with the committed tables).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const arch of SYSCALL_ARCHS) {
    const text = await syscallTableJson(arch);
    writeFileSync(syscallTableFile(arch), text);
    console.log(`${syscallTableFile(arch)}: ${Object.keys((JSON.parse(text) as { syscalls: object }).syscalls).length} syscalls`);
  }
}

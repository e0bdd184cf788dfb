// Regenerates harness/audit/syscalls/<arch>.json from `ausyscall <arch> --dump`
// (the audit userspace's own tables, so names match what auditctl accepts). The ausyscall used is
// the one unpacked from Debian's auditd package (harness/reference/tools.ts), not anything on the host.
// Usage: npx tsx scripts/gen-syscalls.ts
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { referenceTool } from '../harness/reference/tools.js';

const ausyscall = await referenceTool('ausyscall');
for (const arch of ['x86_64', 'i386'] as const) {
  const out = execFileSync(ausyscall.path, [arch, '--dump'], { encoding: 'utf8', env: { ...process.env, ...ausyscall.env } });
  const table: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const m = /^(\d+)\t(\S+)$/.exec(line);
    if (m) table[m[2]] = Number(m[1]);
  }
  const file = path.join(repoRoot, 'harness/audit/syscalls', `${arch}.json`);
  writeFileSync(file, JSON.stringify({ generatedBy: `ausyscall ${arch} --dump (${ausyscall.version})`, arch, syscalls: table }, null, 1) + '\n');
  console.log(`${file}: ${Object.keys(table).length} syscalls`);
}

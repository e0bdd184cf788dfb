// Captures real-kernel audit logs for the differential search test (test/search-diff.test.ts runs every
// test/fixtures/logs/*.txt against the real ausearch): boots each image, starts auditd on an empty log,
// applies module rules (init/finit/delete_module per arch, execve, a watch on kmod) and loads and unloads the
// test module every way (insmod/rmmod, modprobe of the xz module, the static loaders' raw syscalls, failures,
// sudo as the uid-1000 user with auid 1000), then copies /var/log/audit/audit.log.
// Everything happens in the guests; the host's audit configuration is never touched.
// Usage: npx tsx scripts/capture-real-logs.ts [--out DIR] [qemu:IMAGE...]
//   writes DIR/real-modules-<image>.txt (ENRICHED, Debian's log_format) and, for debian12-amd64,
//   DIR/real-modules-<image>-raw.txt (log_format = RAW). DIR defaults to test/fixtures/logs.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { shellQuote } from '../harness/shell.js';
import { openQemuTarget, type QemuTarget } from '../harness/targets/index.js';

type LogFormat = 'ENRICHED' | 'RAW';

interface Capture {
  spec: string;
  formats: LogFormat[];
}

const DEFAULT_CAPTURES: Capture[] = [
  { spec: 'qemu:debian12-amd64', formats: ['ENRICHED', 'RAW'] },
  { spec: 'qemu:debian12-i686', formats: ['ENRICHED'] },
];

/** Files are committed as fixtures: keep them small. */
const MAX_BYTES = 200 * 1024;
const MARKER = 'audit-harness-capture-done';

function rules(arch: string): string[] {
  // On i686 b32 is the kernel's own arch and b64 does not exist (auditctl: arch elf mapping not found).
  const arches = arch === 'x86_64' ? ['b64', 'b32'] : ['b32'];
  return [
    ...arches.map((a) => `-a always,exit -F arch=${a} -S init_module,finit_module,delete_module -k modules`),
    ...arches.map((a) => `-a always,exit -F arch=${a} -S execve -k exec`),
    '-w /usr/bin/kmod -p x -k kernel_modules',
  ];
}

/** One dash script: fresh log in FORMAT, the rules, every load/unload, a marker, wait until it is logged. */
function guestScript(vm: QemuTarget, format: LogFormat): string {
  const f = vm.info.fixtures!;
  const mod = f.testModule;
  const loader = f.loader64 ?? f.loader32;
  const asUser = (cmd: string) => `sh -c ${shellQuote(`echo 1000 > /proc/self/loginuid; exec setpriv --reuid 1000 --regid 1000 --init-groups ${cmd}`)}`;
  const steps = [
    `insmod ${shellQuote(mod)}`,
    'rmmod audit_test_mod',
    'modprobe audit_test_mod_xz',
    'modprobe -r audit_test_mod_xz',
    // Not loaded: kmod checks /sys/module first and makes no syscall.
    'rmmod audit_test_mod',
    `${loader} init_module ${shellQuote(mod)}`,
    `${loader} delete_module audit_test_mod`,
    `${loader} finit_module ${shellQuote(mod)}`,
    `${loader} delete_module audit_test_mod`,
    // On x86_64 the 32-bit loader's syscalls carry arch=i386 (only the b32 rules match).
    ...(f.loader64 ? [`${f.loader32} finit_module ${shellQuote(mod)}`, `${f.loader32} delete_module audit_test_mod`] : []),
    // Not loaded: delete_module fails with ENOENT (success=no), KERN_MODULE still logged.
    `${loader} delete_module audit_test_mod`,
    `insmod ${shellQuote(mod)}`,
    asUser('sudo -n rmmod audit_test_mod'),
    // Without sudo: EPERM.
    asUser(`${loader} finit_module ${shellQuote(mod)}`),
  ];
  return [
    'set -u',
    'auditctl -D > /dev/null',
    // Restart auditd on an empty log in the wanted format (auditd.conf otherwise as Debian ships it).
    'kill "$(cat /run/auditd.pid)"',
    'i=0; while [ -f /run/auditd.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done',
    'rm -f /var/log/audit/audit.log*',
    `sed -i 's/^log_format = .*/log_format = ${format}/' /etc/audit/auditd.conf`,
    '/sbin/auditd || exit 1',
    ...rules(vm.info.arch).map((r) => `auditctl ${r} > /dev/null || exit 1`),
    ...steps.map((s) => `${s}; echo "step rc=$?: "${shellQuote(s)}`),
    `auditctl -m ${MARKER}`,
    `i=0; until grep -q ${MARKER} /var/log/audit/audit.log || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done`,
    `grep -q ${MARKER} /var/log/audit/audit.log || { echo "marker not logged" >&2; exit 1; }`,
    'auditctl -D > /dev/null',
  ].join('\n');
}

async function capture(c: Capture, outDir: string): Promise<string[]> {
  const vm = await openQemuTarget(c.spec, { onProgress: (step, detail) => process.stderr.write(`${c.spec}: ${step}${detail ? ` ${detail}` : ''}\n`) });
  const written: string[] = [];
  try {
    const image = c.spec.replace(/^qemu:/, '');
    for (const format of c.formats) {
      const r = await vm.exec(guestScript(vm, format), { timeoutMs: 180_000 });
      process.stderr.write(r.stdout.replace(/^(?=.)/gm, `${c.spec} ${format}: `));
      if (r.code !== 0) throw new Error(`${c.spec}: capture script (${format}) exited ${r.code}: ${r.stderr}`);
      const log = await vm.getFile('/var/log/audit/audit.log');
      const first = log.toString('latin1').split('\n', 1)[0]!;
      if (!first.includes(`format=${format.toLowerCase()}`)) throw new Error(`${c.spec}: log does not start with a ${format} DAEMON_START: ${first}`);
      if (log.length > MAX_BYTES) throw new Error(`${c.spec}: ${format} log is ${log.length} bytes, over ${MAX_BYTES}`);
      const file = path.join(outDir, `real-modules-${image}${format === 'RAW' ? '-raw' : ''}.txt`);
      await writeFile(file, log);
      written.push(`${path.relative(repoRoot, file)} (${log.length} bytes)`);
    }
  } finally {
    await vm.close();
  }
  return written;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let outDir = path.join(repoRoot, 'test/fixtures/logs');
  const specs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') outDir = path.resolve(args[++i] ?? '');
    else specs.push(args[i]!);
  }
  const captures = specs.length === 0 ? DEFAULT_CAPTURES : specs.map((spec) => DEFAULT_CAPTURES.find((c) => c.spec === spec) ?? { spec, formats: ['ENRICHED'] as LogFormat[] });
  const results = await Promise.allSettled(captures.map((c) => capture(c, outDir)));
  let failed = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') r.value.forEach((w) => console.log(w));
    else {
      failed++;
      console.error(`error: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();

// The CIS 4.1.3.7 check on real guests (qemu:debian12-amd64 and -i686, one boot each, both at once): not compliant
// before, still not compliant with the Solution's file only on disk, compliant after augenrules --load, per arch;
// then what the battery logs on the compliant system.
import test from 'ava';
import { openQemuTarget, type QemuTarget } from '../harness/targets/index.js';
import { runCis, type CisRun } from '../harness/tools/cis/flow.js';
import { pristineAuditRules, type BatteryRow } from '../harness/tools/validate/battery.js';
import { probeGuest } from '../harness/scenarios/run-scenario.js';

const SPECS = ['qemu:debian12-amd64', 'qemu:debian12-i686'] as const;
const runs = new Map<string, CisRun | Error>();

test.before(async () => {
  await Promise.all(SPECS.map(async (spec) => {
    let target: QemuTarget | undefined;
    try {
      target = await openQemuTarget(spec);
      const session = await probeGuest(target);
      runs.set(spec, await runCis(session, await pristineAuditRules(target)));
    } catch (e) {
      runs.set(spec, e as Error);
    } finally {
      await target?.close();
    }
  }));
});

function run(spec: string): CisRun {
  const r = runs.get(spec);
  if (r instanceof Error) throw r;
  return r!;
}
const logged = (rows: BatteryRow[], path: string, as = 'root') => [...new Set(rows.find((r) => r.path === path && r.as === as)!.logged)].sort();

for (const spec of SPECS) {
  test(`${spec}: not compliant before, nor with the file only on disk; compliant after augenrules --load`, (t) => {
    const r = run(spec);
    const arch = spec.endsWith('amd64') ? 'x86_64' : 'i686';
    t.is(r.before.arch, arch);
    t.is(r.before.source, 'rules.d');
    t.false(r.before.compliant);
    t.true(r.before.lines.every((l) => l.onDisk === undefined && l.loaded === undefined));
    t.false(r.onDiskOnly.compliant);
    t.true(r.onDiskOnly.lines.every((l) => l.onDisk?.startsWith('/etc/audit/rules.d/50-modules.rules:') && l.loaded === undefined));
    t.is(r.augenrules.exitCode, 0, r.augenrules.output);
    t.true(r.after.compliant, JSON.stringify(r.after.lines));
    // auditctl -l prints the syscall line in its own spelling, which the check accepts as the benchmark's.
    t.regex(r.after.lines[3]!.expected, new RegExp(`arch=${arch === 'x86_64' ? 'b64' : 'b32'} -S init_module -S delete_module -k modules`));
    t.is(r.after.lines[3]!.loaded, `-a always,exit -F arch=${arch === 'x86_64' ? 'b64' : 'b32'} -S init_module,delete_module -F key=modules`);
  });

  test(`${spec}: compliant, and insmod of a .ko logs only the watch's execve (finit_module is not named)`, (t) => {
    const rows = run(spec).battery.rows;
    t.deepEqual(logged(rows, 'insmod (.ko)'), ['execve']);
    t.deepEqual(logged(rows, 'rmmod'), ['delete_module', 'execve']);
    t.deepEqual(logged(rows, 'modprobe (.ko.xz)'), ['execve', 'init_module']);
    t.deepEqual(logged(rows, 'sudo insmod (.ko)', 'sudo'), ['execve']);
  });
}

test('qemu:debian12-amd64: the 64-bit lines miss the 32-bit loader and the 64-bit finit_module', (t) => {
  const rows = run('qemu:debian12-amd64').battery.rows;
  t.deepEqual(logged(rows, 'loader32:init_module'), []);
  t.deepEqual(logged(rows, 'loader32:delete_module'), []);
  t.deepEqual(logged(rows, 'loader:finit_module'), []);
  t.deepEqual(logged(rows, 'loader:delete_module'), ['delete_module']);
});

test('qemu:debian12-i686: the 32-bit lines see the native loader\'s init_module and delete_module', (t) => {
  const rows = run('qemu:debian12-i686').battery.rows;
  t.deepEqual(logged(rows, 'loader32:init_module'), ['init_module']);
  t.deepEqual(logged(rows, 'loader32:delete_module'), ['delete_module']);
});

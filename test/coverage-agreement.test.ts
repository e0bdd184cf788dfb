// `audit-harness coverage` on rules files that are not in the library (CIS v4 style: the module syscalls with
// auid>=1000 auid!=unset, and -F path=/usr/bin/kmod -F perm=x) gives the same answer on every real kernel a profile is
// calibrated by (qemu:<id>, one boot each) as on that profile (sim:<id>), cell for cell. A 64-bit system's file names
// both ABIs; a 32-bit system's names b32 only, as an i686 kernel refuses arch=b64.
import test from 'ava';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { batterySteps } from '../harness/coverage/battery.js';
import { loadUserRules, runCoverage, type CoverageReport } from '../harness/coverage/coverage.js';
import { loadProfile, profileIds } from '../harness/sim/profile.js';

type Arch = 'x86_64' | 'i686';
const RULES: Record<Arch, string> = { x86_64: 'cis-v4-kernel-modules.rules', i686: 'cis-v4-kernel-modules-b32.rules' };
const rulesOf = (arch: Arch) => loadUserRules([join(repoRoot, 'test', 'fixtures', 'coverage', RULES[arch])]);
// Every calibrated profile with the real target it is calibrated by.
const PAIRS = profileIds().map(loadProfile).filter((p) => p.calibratedBy !== undefined).map((p) => ({ real: p.calibratedBy!, sim: `sim:${p.id}`, profile: p }));
const pairsOf = (arch: Arch) => PAIRS.filter((p) => p.profile.values.arch === arch);
// One boot per real target, started at load: the x86_64 pairs, then the i686 pairs; each run boots as many targets
// at once as there are cores.
const runArch = async (arch: Arch) => runCoverage({ rules: await rulesOf(arch), targets: pairsOf(arch).flatMap((p) => [p.real, p.sim]) });
const x86 = runArch('x86_64');
const reports: Record<Arch, Promise<CoverageReport>> = { x86_64: x86, i686: x86.catch(() => undefined).then(() => runArch('i686')) };
for (const r of Object.values(reports)) r.catch(() => undefined);

test('the agreement covers every calibrated profile, x86_64 and i686', (t) => {
  t.deepEqual(PAIRS.map((p) => p.sim).sort(), ['sim:debian11-amd64', 'sim:debian11-i686', 'sim:debian12-amd64', 'sim:debian12-i686', 'sim:debian12bpo-amd64', 'sim:debian13-amd64']);
  t.true(PAIRS.every((p) => p.real === p.sim.replace(/^sim:/, 'qemu:')));
  t.true(pairsOf('x86_64').length >= 1 && pairsOf('i686').length >= 1);
});

test('the 64-bit file is refused on an i686 kernel (arch=b64), which is why i686 gets a file of its own', async (t) => {
  const r = await runCoverage({ rules: await rulesOf('x86_64'), targets: pairsOf('i686').map((p) => p.sim) });
  for (const c of r.targets) t.regex(c.error ?? '', /the rules do not load here: .*arch elf mapping not found/, c.target);
});

for (const { real, sim, profile } of PAIRS) {
  const arch = profile.values.arch;
  test(`coverage of a CIS v4 style rules file (${RULES[arch]}) agrees between ${real} (measured) and ${sim} (modelled), step for step`, async (t) => {
    const r = await reports[arch];
    const q = r.targets.find((x) => x.target === real)!;
    const s = r.targets.find((x) => x.target === sim)!;
    t.is(q.error, undefined, `${real}: ${q.error}`);
    t.is(s.error, undefined, `${sim}: ${s.error}`);
    t.is(q.basis, 'measured');
    t.is(s.basis, 'modelled');
    t.is(s.profile?.calibratedBy, real);
    t.is(q.arch, profile.values.arch, `${real} boots the kernel arch its profile states`);
    // The whole battery of the kernel's arch ran (an i686 kernel has no 64-bit program to run).
    t.is(q.cells.length, batterySteps(profile.values.arch).length);
    const row = (c: (typeof q.cells)[number]) => `${c.label} (${c.as}): ${c.status} ${c.syscalls.join(',')} · ${c.keys.join(',')}`;
    t.deepEqual(q.cells.map(row), s.cells.map(row));
    t.is(q.verdict, s.verdict);
    // The battery means something here. Root's calls are filtered out by auid (unset without a login session).
    t.true(q.cells.filter((c) => c.as === 'root').every((c) => c.status === 'missed'));
    // Through sudo and as uid 1000 every call that reaches the kernel is logged (uid 1000's with EPERM); only kmod's
    // insmod/remove subcommands, which make no module syscall, leave the watch's execve of kmod alone; and an autoload
    // is missed, as the module is loaded by the kernel's own modprobe, whose auid is unset whoever triggered it.
    const others = q.cells.filter((c) => c.as !== 'root');
    const autoload = others.filter((c) => c.label.startsWith('autoload'));
    t.is(autoload.length, arch === 'x86_64' ? 4 : 2);
    t.true(autoload.every((c) => c.status === 'missed' && c.why[0]!.startsWith('auid filter: auid!=unset, the caller\'s auid is unset: the caller is the kernel\'s own modprobe')), autoload.map(row).join('\n'));
    t.true(others.filter((c) => !autoload.includes(c)).every((c) => c.status === 'logged' || (c.status === 'exec-only' && /^kmod (insmod|remove)/.test(c.label) && c.syscalls.join() === 'execve')), others.filter((c) => c.status !== 'logged').map(row).join('\n'));
    // A 32-bit program's calls: the b32 rule's, as i386 calls beside the native ones on x86_64 (IA32 emulation); on an
    // i686 kernel they are the native calls, there is no second ABI.
    const by32 = others.filter((c) => c.label.endsWith('by a 32-bit program'));
    t.is(by32.length, 6);
    const calls32 = by32.flatMap((c) => c.syscalls.filter((x) => x !== 'execve'));
    if (profile.values.ia32Emulation) t.true(calls32.every((x) => x.endsWith(' (i386)')), calls32.join(', '));
    else {
      t.is(profile.values.arch, 'i686');
      t.true(calls32.every((x) => /^(init|finit|delete)_module$/.test(x)), calls32.join(', '));
      t.false(q.cells.some((c) => c.syscalls.some((x) => x.includes('(i386)'))), 'no call on an i686 kernel is of another ABI');
    }
  });
}

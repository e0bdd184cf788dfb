// `audit-harness coverage` on a rules file that is not in the library (CIS v4 style: the module syscalls with
// auid>=1000 auid!=unset for both ABIs, and -F path=/usr/bin/kmod -F perm=x) gives the same answer on the real kernel
// (qemu:debian12-amd64, one boot) as on the profile that target calibrates (sim:debian12-amd64), cell for cell.
import test from 'ava';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { loadUserRules, runCoverage } from '../harness/coverage/coverage.js';

const PAIRS = [['qemu:debian12-amd64', 'sim:debian12-amd64']] as const;
const rules = await loadUserRules([join(repoRoot, 'test', 'fixtures', 'coverage', 'cis-v4-kernel-modules.rules')]);
// One boot for the whole file, started at load.
const report = runCoverage({ rules, targets: PAIRS.flat() });
report.catch(() => undefined);

for (const [real, sim] of PAIRS) {
  test(`coverage of a CIS v4 style rules file agrees between ${real} (measured) and ${sim} (modelled), step for step`, async (t) => {
    const r = await report;
    const q = r.targets.find((x) => x.target === real)!;
    const s = r.targets.find((x) => x.target === sim)!;
    t.is(q.error, undefined, `${real}: ${q.error}`);
    t.is(q.basis, 'measured');
    t.is(s.basis, 'modelled');
    t.is(s.profile?.calibratedBy, real);
    t.is(q.cells.length, 68);
    const row = (c: (typeof q.cells)[number]) => `${c.label} (${c.as}): ${c.status} ${c.syscalls.join(',')} · ${c.keys.join(',')}`;
    t.deepEqual(q.cells.map(row), s.cells.map(row));
    // The battery means something here: root's calls are filtered out by auid, sudo's and uid 1000's logged.
    t.true(q.cells.some((c) => c.status === 'logged' && c.as === 'user' && c.syscalls.includes('finit_module (i386)')));
    t.true(q.cells.filter((c) => c.as === 'root').every((c) => c.status === 'missed'));
    t.is(q.verdict, s.verdict);
  });
}

import test from 'ava';
import { execa } from 'execa';
import { stepCommand } from '../harness/scenarios/steps.js';

const fx = {
  testModule: "/opt/m o'd;$(x).ko", testModuleKo: '/opt/ko/audit_test_mod.ko', testModuleXz: '/opt/audit_test_mod_xz.ko.xz',
  stockModule: { name: 'dummy', file: '/opt/dummy.ko.xz' }, loader32: '/opt/loader32', loader64: '/opt/loader64', moduleName: 'audit_test_mod',
};

test('a hostile module path reaches the command as one word (checked with the real sh)', async (t) => {
  const cmd = stepCommand({ id: 'a', path: 'insmod', as: 'root', do: 'insmod' }, fx);
  const { stdout } = await execa('sh', ['-c', `insmod() { printf '%s\\n' "$#" "$1"; }; ${cmd}`]);
  t.deepEqual(stdout.split('\n'), ['1', fx.testModule]);
});

test('a step\'s module picks the release\'s file, the uncompressed build, the xz module or the stock module', (t) => {
  const step = (module: 'distro' | 'ko' | 'xz' | 'stock', d: 'insmod' | 'modprobe' = 'insmod') => stepCommand({ id: 'a', path: 'p', as: 'root', do: d, module }, fx);
  t.is(step('ko'), 'insmod /opt/ko/audit_test_mod.ko');
  t.is(step('xz'), 'insmod /opt/audit_test_mod_xz.ko.xz');
  t.is(step('stock'), 'insmod /opt/dummy.ko.xz');
  t.is(step('stock', 'modprobe'), 'modprobe dummy');
  t.is(step('distro', 'modprobe'), 'modprobe audit_test_mod');
});

test('the 32-bit loader is chosen for loader: "32"', (t) => {
  t.true(stepCommand({ id: 'a', path: 'loader32:finit_module', as: 'root', do: 'finit_module', loader: '32' }, fx).startsWith('/opt/loader32 finit_module'));
});

test('sudo and user steps set loginuid 1000 first', (t) => {
  const s = stepCommand({ id: 'a', path: 'rmmod', as: 'sudo', do: 'rmmod' }, fx);
  t.regex(s, /1000 > \/proc\/self\/loginuid/);
  t.regex(s, /sudo -n rmmod audit_test_mod/);
});

import { parseLog } from '../harness/audit/records/index.js';
import { evaluate, eventsOfStep } from '../harness/scenarios/evaluate.js';

const log = [
  'type=USER msg=audit(1700000000.100:10): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'text=audit-harness step=load begin exe="/usr/sbin/auditctl" hostname=? addr=? terminal=? res=success\'',
  'type=SYSCALL msg=audit(1700000000.200:11): arch=c000003e syscall=313 success=yes exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="insmod" exe="/usr/bin/kmod" key="modules"',
  'type=KERN_MODULE msg=audit(1700000000.200:11): name="audit_test_mod"',
  'type=PROCTITLE msg=audit(1700000000.200:11): proctitle=696E736D6F64',
  'type=USER msg=audit(1700000000.300:12): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'text=audit-harness step=load end exe="/usr/sbin/auditctl" hostname=? addr=? terminal=? res=success\'',
].join('\n') + '\n';

test('events between a step\'s markers are attributed to it; expectations and gaps evaluate', (t) => {
  const { events } = parseLog(log);
  const inLoad = eventsOfStep(events, { id: 'load', begin: 10, end: 12 });
  t.deepEqual(inLoad.map((e) => e.serial), [11]);
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, records: ['SYSCALL', 'KERN_MODULE', 'PROCTITLE'], fields: { 'KERN_MODULE.name': { regex: 'audit_test_mod' } } }, inLoad).outcome, 'pass');
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, absent: true, reason: 'r', reference: 'u' }, inLoad).outcome, 'fail', 'a contradicted gap is a fail');
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, absent: true, reason: 'r', reference: 'u' }, []).outcome, 'gap');
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, records: ['EXECVE'] }, inLoad).outcome, 'fail');
});

import { markerSerials, markerText, isHarnessPlumbing } from '../harness/scenarios/guest-log.js';
import { kernelAtLeast, whyNotApplicable } from '../harness/scenarios/applicability.js';
import { deriveFacts, type GuestFacts } from '../harness/releases/facts.js';

const debian12Facts: GuestFacts = {
  arch: 'x86_64', kernel: '6.1.0-57-cloud-amd64', kmod: 30, moduleCompression: 'none', kernelDecompression: 'none',
  usrMerge: true, sh: 'dash', auditd: '3.0.9', logFormat: 'ENRICHED', ia32Emulation: true, kernModule: true,
};
import { parseScenario, ScenarioFileError } from '../harness/scenarios/load.js';
import { planScenarios, parseShard } from '../harness/scenarios/plan.js';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths.js';

test('marker serials are read from ausearch -m USER --raw output (ENRICHED lines included)', (t) => {
  const begin = markerText(3, 'cis-64-root', 'insmod', 'begin');
  const raw = `type=USER msg=audit(1795387342.307:11): pid=135 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='text=${begin} exe="/usr/sbin/auditctl" hostname=? addr=? terminal=? res=success'\x1dUID="root" AUID="unset"\n`
    + 'type=USER msg=audit(1795387342.400:12): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'text=something else exe="/x" res=success\'\n';
  t.deepEqual([...markerSerials(raw)], [[begin, 11]]);
});

test('the marker shell and auditctl -m events are plumbing; the step\'s own commands are not', (t) => {
  const { events } = parseLog([
    // proctitle "auditctl -m audit-harness #1 s/x begin" (hex, NUL-separated)
    `type=SYSCALL msg=audit(1.000:5): arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=1 pid=2 auid=0 uid=0 comm="auditctl" exe="/usr/sbin/auditctl" key="exec"`,
    `type=PROCTITLE msg=audit(1.000:5): proctitle=${Buffer.from('auditctl\0-m\0audit-harness #1 s/x begin').toString('hex').toUpperCase()}`,
    `type=SYSCALL msg=audit(1.000:6): arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=1 pid=3 auid=0 uid=0 comm="rmmod" exe="/usr/bin/kmod" key="exec"`,
    `type=EXECVE msg=audit(1.000:6): argc=2 a0="rmmod" a1="audit_test_mod"`,
  ].join('\n') + '\n');
  t.deepEqual(events.map(isHarnessPlumbing), [true, false]);
});

test('kernel versions compare numerically, and applicability says why not', (t) => {
  t.true(kernelAtLeast('6.1.0-56-cloud-amd64', '5.8'));
  t.true(kernelAtLeast('6.1.0-56-cloud-amd64', '6.1'));
  t.false(kernelAtLeast('6.1.0-50-686', '6.10'));
  const s = parseScenario('id: x\ntitle: t\nsource: s\napplies: { archs: [x86_64], minKernel: "6.2" }\nrules: { ruleset: cis-64 }\n', 'x.yaml');
  const info = { name: 'qemu:debian12-i686', kind: 'qemu' as const, arch: 'i686' as const, distro: { id: 'debian12', family: 'debian' as const } };
  const facts = deriveFacts({ ...debian12Facts, kernel: '6.1.0-50-686' });
  t.regex(whyNotApplicable(s, info, facts) ?? '', /only for x86_64 kernels; qemu:debian12-i686 is i686/);
  t.regex(whyNotApplicable(s, { ...info, arch: 'x86_64' }, facts) ?? '', /needs kernel >= 6\.2/);
  const w = parseScenario('id: x\ntitle: t\nsource: s\napplies: { when: { ia32Emulation: true } }\nrules: { ruleset: cis-64 }\n', 'x.yaml');
  t.regex(whyNotApplicable(w, info, { ...facts, ia32Emulation: false }) ?? '', /only where ia32Emulation = true/);
  t.is(whyNotApplicable(w, info, { ...facts, ia32Emulation: true }), undefined);
});

test('a scenario file that contradicts itself is refused at its line', (t) => {
  const base = 'id: x\ntitle: t\nsource: s\nrules: { ruleset: cis-64 }\nsteps:\n  - { id: a, path: insmod, do: insmod }\n';
  const bad = [
    [`${base}  - { id: a, path: rmmod, do: rmmod }\n`, /:7:\d+: steps\.1\.id: step id "a" is used twice/],
    [`${base}expect:\n  - { step: b, key: modules }\n`, /:8:\d+: expect\.0\.step: no step "b" \(steps: a\)/],
    [`${base}expect:\n  - { step: a, key: modules, reason: r }\n`, /:8:\d+: expect\.0: reason and reference document a gap/],
    [`${base}  - { id: r, path: run, do: run }\n`, /:7:\d+: steps\.1: do: run needs argv/],
  ] as const;
  for (const [text, re] of bad) {
    const err = t.throws(() => parseScenario(text, 'x.yaml'), { instanceOf: ScenarioFileError });
    t.regex(err!.message, re);
  }
});

test('absent with fields: other events of the key may exist, none may match', (t) => {
  const { events } = parseLog(log);
  const inLoad = eventsOfStep(events, { id: 'load', begin: 10, end: 12 });
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, absent: true, fields: { 'SYSCALL.syscall:i': 'init_module' }, reason: 'r', reference: 'u' }, inLoad).outcome, 'gap');
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, absent: true, fields: { 'SYSCALL.syscall:i': 'finit_module' } }, inLoad).outcome, 'fail');
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, fields: { 'SYSCALL.arch:i': 'x86_64', 'PROCTITLE.proctitle:i': 'insmod' } }, inLoad).outcome, 'pass');
});

test('--grep and --shard select from the library; the shards partition it', async (t) => {
  const dir = join(repoRoot, 'scenarios');
  const all = await planScenarios([dir]);
  t.deepEqual(all.problems, []);
  const ssg = await planScenarios([dir], { grep: '^ssg-' });
  t.true(ssg.scenarios.length >= 3);
  t.true(ssg.scenarios.every((p) => p.scenario.id.startsWith('ssg-')));
  const shards = await Promise.all([1, 2, 3].map((i) => planScenarios([dir], { shard: `${i}/3` })));
  t.deepEqual(shards.flatMap((s) => s.scenarios.map((p) => p.scenario.id)).sort(), all.scenarios.map((p) => p.scenario.id).sort());
  t.throws(() => parseShard('0/2'), { message: /--shard 0\/2/ });
});

test('run --target sim:…: the whole library on the model, no guest booted, exit 0', async (t) => {
  const { mkdtemp, rm, readdir } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const tmp = await mkdtemp(join(tmpdir(), 'sim-run-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  const r = await execa('node', [join(repoRoot, 'dist/harness/cli.js'), 'run', '-t', 'sim:debian12-amd64,sim:debian12-i686', '-r', 'console,json', '-o', join(tmp, 'out')],
    { reject: false, env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1' } });
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /sim:debian12-amd64 .* 0 +0 +\d+ +6\.1\.0-\d+-cloud-amd64 x86_64/);
  t.deepEqual((await readdir(tmp)).sort(), ['out'], 'no qemu temp dir: nothing booted');
});

import { bracketed, MARKER_FAILED } from '../harness/scenarios/guest-log.js';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

// The host's own auditctl must never run (it would write to the host's audit log), so these two run the guest's
// marker shell with the real sh and a stand-in auditctl on PATH that succeeds or fails.
for (const markerWorks of [true, false]) {
  test(`marker shell with a stand-in auditctl that ${markerWorks ? 'works' : 'fails'}: a step's own exit 97 (autoload's EAFNOSUPPORT) is the step's status${markerWorks ? '' : '; a failed marker says MARKER_FAILED'}`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-harness-marker-'));
    try {
      await writeFile(join(dir, 'auditctl'), markerWorks ? '#!/bin/sh\nexit 0\n' : '#!/bin/sh\necho "Error sending user message request" >&2\nexit 1\n');
      await chmod(join(dir, 'auditctl'), 0o755);
      const r = await execa('sh', ['-c', bracketed('echo step; exit 97', 'b', 'e')], { reject: false, env: { PATH: `${dir}:${process.env.PATH}` } });
      t.is(r.exitCode, 97);
      if (markerWorks) {
        t.is(r.stdout, 'step');
        t.false(r.stderr.includes(MARKER_FAILED), r.stderr);
      } else {
        t.is(r.stdout, '', 'the step does not run when its begin marker cannot be logged');
        t.true(r.stderr.includes(MARKER_FAILED), r.stderr);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

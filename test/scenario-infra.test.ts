// Infrastructure faults with real qemu guests: a guest that dies in the middle of a step, a guest that never
// boots, and the exit statuses and messages of `audit-harness run` (a fail, bad usage, an infrastructure error).
import test from 'ava';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { repoRoot } from '../harness/paths.js';
import { parseScenario } from '../harness/scenarios/load.js';
import { runScenarios, type PlannedScenario } from '../harness/scenarios/runner.js';
import { openSession } from '../harness/targets/index.js';

const AMD64 = 'qemu:debian12-amd64';
const CLI = join(repoRoot, 'dist/harness/cli.js');

/**
 * qemu processes of this test process (QemuTarget's temp dir names its pid) or, given a directory, of a CLI run
 * whose TMPDIR was that directory. Other test files boot guests at the same time: never count theirs.
 */
function qemuCount(tmp?: string): number {
  const pattern = tmp ?? `audit-harness-qemu-[^ ]*-${process.pid}-`;
  try {
    return Number(execFileSync('pgrep', ['-c', '-f', pattern], { encoding: 'utf8' }).trim());
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

const scenario = (file: string, text: string): PlannedScenario => ({ scenario: parseScenario(text, file), file });

const GUEST_DIES = `id: guest-dies
title: the guest powers off in the middle of a step
source: test
rules: { inline: "-a always,exit -F arch=b64 -S delete_module -F key=t" }
steps:
  - { id: die, path: poweroff, do: run, argv: [sh, -c, 'echo o > /proc/sysrq-trigger; sleep 5'] }
expect:
  - { step: die, key: t, absent: true }
`;
const LOADS = (id: string, expectSyscall: string) => `id: ${id}
title: insmod under a finit_module rule
source: test
rules: { inline: "-a always,exit -F arch=b64 -S finit_module -F key=t" }
steps:
  - { id: load, path: insmod, do: insmod }
expect:
  - { step: load, key: t, fields: { SYSCALL.syscall:i: ${expectSyscall} } }
`;

test.serial('a guest that dies mid-step: that scenario is an infrastructure error after one retry on a fresh boot; the next one runs', async (t) => {
  let boots = 0;
  const failed: string[] = [];
  const run = await runScenarios({
    targets: [AMD64],
    scenarios: [scenario('dies.yaml', GUEST_DIES), scenario('loads.yaml', LOADS('after-the-crash', 'finit_module'))],
    open: (spec, opts) => { boots++; return openSession(spec, opts); },
    hooks: { targetFailed: (i) => failed.push(i.name) },
  });
  const [dies, after] = run.results;
  t.is(dies?.outcome, 'error');
  t.is(dies?.retries, 1);
  t.regex(dies?.error ?? '', /^qemu:debian12-amd64: ssh connection lost/);
  t.is(after?.outcome, 'pass', JSON.stringify(after?.expectations));
  t.is(boots, 3, 'first boot, the retry on a fresh boot, a fresh boot for the next scenario');
  t.deepEqual(failed, [], 'the target itself did not fail');
  t.is(qemuCount(), 0, 'no qemu left running');
});

test.serial('a guest that never boots: the boot is tried twice, then every scenario is an error naming the target', async (t) => {
  let boots = 0;
  const failed: string[] = [];
  const run = await runScenarios({
    targets: [AMD64],
    scenarios: [scenario('a.yaml', LOADS('a', 'finit_module')), scenario('b.yaml', LOADS('b', 'finit_module'))],
    open: (spec, opts) => { boots++; return openSession(spec, opts); },
    qemu: { extraAppend: 'rdinit=/no-such-init', bootTimeoutMs: 60_000 },
    hooks: { targetFailed: (i) => failed.push(i.name) },
  });
  t.is(boots, 2);
  t.deepEqual(failed, [AMD64]);
  t.regex(run.targets[0]?.error ?? '', /^qemu:debian12-amd64: /);
  t.deepEqual(run.results.map((r) => [r.scenarioId, r.outcome]), [['a', 'error'], ['b', 'error']]);
  for (const r of run.results) t.regex(r.error ?? '', /target never became ready: qemu:debian12-amd64/);
  t.is(qemuCount(), 0);
});

/** `audit-harness run ARGS` with its own TMPDIR (where its qemu temp dirs go), reports in TMPDIR/out. */
async function cliRun(args: string[], env: Record<string, string> = {}) {
  const tmp = await tmpDir({ unsafeCleanup: true });
  const r = await execa('node', [CLI, 'run', ...args, '-o', join(tmp.path, 'out')], { reject: false, env: { ...process.env, ...env, TMPDIR: tmp.path, NO_COLOR: '1' } });
  return { ...r, tmp: tmp.path, cleanup: tmp.cleanup };
}

test.serial('run: a failed expectation exits 1 and shows expected against actual; junit and results.json are written', async (t) => {
  const dir = await tmpDir({ unsafeCleanup: true });
  t.teardown(() => dir.cleanup());
  await writeFile(join(dir.path, 'wrong.yaml'), LOADS('wrong-claim', 'init_module'));
  const r = await cliRun([dir.path, '-t', AMD64]);
  t.teardown(() => r.cleanup());
  t.is(r.exitCode, 1, r.stderr);
  t.regex(r.stdout, /✗ qemu:debian12-amd64 +wrong-claim/);
  t.regex(r.stdout, /SYSCALL\.syscall:i=init_module/);
  t.regex(r.stdout, /SYSCALL\.syscall:i=finit_module/, 'the actual side names what the kernel logged');
  t.regex(r.stderr, /wrote .*junit\.xml/);
  t.is(qemuCount(r.tmp), 0);
});

test.serial('run: a guest that cannot boot exits 3 (infrastructure), not 1', async (t) => {
  const dir = await tmpDir({ unsafeCleanup: true });
  t.teardown(() => dir.cleanup());
  await writeFile(join(dir.path, 'a.yaml'), LOADS('a', 'finit_module'));
  const r = await cliRun([dir.path, '-t', AMD64], { AUDIT_HARNESS_BOOT_TIMEOUT: '1' });
  t.teardown(() => r.cleanup());
  t.is(r.exitCode, 3, r.stdout + r.stderr);
  t.regex(r.stdout, /! qemu:debian12-amd64/);
  t.is(qemuCount(r.tmp), 0);
});

test('run: an unknown target, a bad scenario file and an empty selection exit 2 with the reason, before booting anything', async (t) => {
  const dir = await tmpDir({ unsafeCleanup: true });
  t.teardown(() => dir.cleanup());
  await mkdir(join(dir.path, 'bad'));
  await writeFile(join(dir.path, 'bad/typo.yaml'), LOADS('typo', 'finit_module').replace('do: insmod', 'do: insmodd'));
  await writeFile(join(dir.path, 'bad/rule.yaml'), LOADS('rule', 'finit_module').replace('-S finit_module', '-S finit_modul'));
  const unknown = await cliRun([join(dir.path, 'bad'), '-t', 'qemu:debian99-amd64']);
  t.is(unknown.exitCode, 2);
  t.regex(unknown.stderr, /--target: unknown qemu:debian99-amd64; known: qemu:debian12-amd64, .*qemu:debian13-amd64, .*sim:debian12-amd64/);
  const bad = await cliRun([join(dir.path, 'bad')]);
  t.is(bad.exitCode, 2);
  t.regex(bad.stderr, /2 scenario file\(s\) cannot run/);
  t.regex(bad.stderr, /rule\.yaml \(rules\.inline\):1:\d+: .*finit_modul/);
  t.regex(bad.stderr, /typo\.yaml:6:\d+: steps\.0\.do/);
  const none = await cliRun([join(repoRoot, 'scenarios'), '--grep', 'no-scenario-is-called-this']);
  t.is(none.exitCode, 2);
  t.regex(none.stderr, /no scenario selected/);
  const shard = await cliRun([join(repoRoot, 'scenarios'), '--shard', '3/2']);
  t.is(shard.exitCode, 2);
  t.regex(shard.stderr, /--shard 3\/2: expected I\/N/);
  for (const r of [unknown, bad, none, shard]) await r.cleanup();
});

test.serial('run: Ctrl-C in the middle of a run exits 130 and leaves no qemu and no temp dir behind', async (t) => {
  const tmp = await tmpDir({ unsafeCleanup: true });
  t.teardown(() => tmp.cleanup());
  const child = execa('node', [CLI, 'run', join(repoRoot, 'scenarios'), '-t', AMD64, '-o', join(tmp.path, 'out')], {
    reject: false, env: { ...process.env, TMPDIR: tmp.path, NO_COLOR: '1' },
  });
  // Wait until a scenario is running on the booted guest, then interrupt.
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (d: Buffer) => { if (/✓|◆|…/.test(d.toString())) resolve(); });
    void child.finally(() => resolve());
  });
  child.kill('SIGINT');
  const r = await child;
  t.is(r.exitCode, 130, r.stderr);
  t.is(qemuCount(tmp.path), 0);
  const left = readdirSync(tmp.path).filter((f) => f !== 'out');
  t.deepEqual(left, [], 'no temp dir of the run is left');
});

test.serial('a scenario that locks the audit configuration (-e 2) is followed by a fresh boot, not by a failure', async (t) => {
  let boots = 0;
  const locks = `id: locks
title: rules that end with -e 2
source: test
rules: { inline: "-a always,exit -F arch=b64 -S finit_module -F key=t\\n-e 2\\n" }
steps:
  - { id: load, path: insmod, do: insmod }
expect:
  - { step: load, key: t, fields: { SYSCALL.syscall:i: finit_module } }
`;
  const run = await runScenarios({
    targets: [AMD64],
    scenarios: [scenario('locks.yaml', locks), scenario('next.yaml', LOADS('next', 'finit_module'))],
    open: (spec, opts) => { boots++; return openSession(spec, opts); },
  });
  t.deepEqual(run.results.map((r) => [r.scenarioId, r.outcome, r.retries ?? 0]), [['locks', 'pass', 0], ['next', 'pass', 0]]);
  t.is(boots, 2);
  t.is(qemuCount(), 0);
});

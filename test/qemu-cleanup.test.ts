// Nothing outlives the harness: the CLI is started as a child process (`vm exec … -- sleep 600`)
// and killed with SIGINT mid-boot, SIGTERM after ready, and SIGKILL (the watchdog's case); then no
// process of that run (qemu, watchdog) may remain and its temp dir must be gone.
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../harness/paths.js';
import { knownTargets } from '../harness/targets/index.js';

const cli = path.join(repoRoot, 'dist', 'harness', 'cli.js');

function processesOf(tempDir: string): string[] {
  const r = spawnSync('pgrep', ['-a', '-f', tempDir], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startVmExec(): Run {
  const child = spawn(process.execPath, [cli, 'vm', 'exec', 'qemu:debian12-amd64', '--', 'sleep', '600'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => err, exit };
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number, run?: Run): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${run ? `; stderr so far:\n${run.stderr()}` : ''}`);
    await sleep(100);
  }
}

/** The run's temp dir, from the 'qemu start' progress line. */
function tempDirOf(run: Run): string | undefined {
  const m = /console (\/\S+)\/console\.log/.exec(run.stderr());
  return m?.[1];
}

async function assertGone(t: import('ava').ExecutionContext, tempDir: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline && (processesOf(tempDir).length || existsSync(tempDir))) await sleep(100);
  t.deepEqual(processesOf(tempDir), [], 'no qemu/watchdog of this run is left');
  t.false(existsSync(tempDir), 'temp dir removed');
}

test.serial('SIGINT while the guest boots: exit 130, qemu killed, temp dir removed', async (t) => {
  const run = startVmExec();
  try {
    const dir = await waitFor('qemu start', () => tempDirOf(run), 60_000, run);
    await waitFor('qemu process', () => processesOf(dir).some((l) => l.includes('qemu-system')), 10_000, run);
    t.false(run.stderr().includes('ssh ready'), 'still booting when interrupted');
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    t.is(code, 130);
    await assertGone(t, dir, 2000);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test.serial('SIGTERM while a command runs: exit 143, qemu killed, temp dir removed', async (t) => {
  const run = startVmExec();
  try {
    await waitFor('ssh ready', () => run.stderr().includes('ssh ready'), 120_000, run);
    const dir = tempDirOf(run)!;
    await sleep(500); // `sleep 600` is running in the guest now
    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    t.is(code, 143);
    await assertGone(t, dir, 2000);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test.serial('SIGKILL of node: the watchdog kills qemu and removes the temp dir', async (t) => {
  const run = startVmExec();
  try {
    await waitFor('ssh ready', () => run.stderr().includes('ssh ready'), 120_000, run);
    const dir = tempDirOf(run)!;
    t.true(processesOf(dir).some((l) => l.includes('qemu-system')));
    run.child.kill('SIGKILL');
    await run.exit;
    // TERM, up to 2 s grace, then KILL: well within 10 s.
    await assertGone(t, dir, 10_000);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test.serial('vm exec prints the command output and exits with its status', async (t) => {
  const r = spawnSync(process.execPath, [cli, 'vm', 'exec', '-q', 'qemu:debian12-amd64', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7'], { encoding: 'utf8', timeout: 180_000 });
  t.is(r.status, 7);
  t.is(r.stdout, 'out\n');
  t.is(r.stderr, 'err\n');
});

test('vm exec with an unknown target lists the known ones, no stack trace', (t) => {
  const r = spawnSync(process.execPath, [cli, 'vm', 'exec', 'qemu:debian13-arm', '--', 'true'], { encoding: 'utf8', timeout: 30_000 });
  t.is(r.status, 2);
  t.is(r.stderr, `audit-harness: qemu:debian13-arm: unknown target; known targets: ${knownTargets.map((k) => k.spec).join(', ')}\n`);
  t.false(r.stderr.includes('    at '));
});

test('vm list names every known target, one per line', (t) => {
  const r = spawnSync(process.execPath, [cli, 'vm', 'list'], { encoding: 'utf8' });
  t.is(r.status, 0);
  // Guests started with `vm start` follow in a section of their own (test/vm-exec.test.ts).
  const listed = r.stdout.split('\n\nrunning guests:\n')[0]!;
  t.deepEqual(listed.trimEnd().split('\n').map((l) => l.split(/ +/)[0]), knownTargets.map((k) => k.spec));
});

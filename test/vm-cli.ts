// Helpers for the vm tests: the CLI as a child process, and a cache of its own per test (the images linked from
// the real cache, so nothing is rebuilt) so `vm stop --all` and the handle checks see only that test's guests.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir, repoRoot } from '../harness/paths.js';

export const cliPath = path.join(repoRoot, 'dist', 'harness', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI; `input` is piped to its stdin (then closed); without it stdin is /dev/null. */
export function cli(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** A cache dir of its own sharing the real cache's images, packages and accel probe. */
export function privateCache(): { env: NodeJS.ProcessEnv; dir: string; vmsDir: string; remove: () => void } {
  const real = cacheDir();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-vmtest-'));
  for (const sub of ['images', 'debs', 'apt', 'toolchains']) if (existsSync(path.join(real, sub))) symlinkSync(path.join(real, sub), path.join(dir, sub));
  if (existsSync(path.join(real, 'accel-probe.json'))) copyFileSync(path.join(real, 'accel-probe.json'), path.join(dir, 'accel-probe.json'));
  return { env: { ...process.env, AUDIT_HARNESS_CACHE: dir }, dir, vmsDir: path.join(dir, 'vms'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Processes whose command line names `text` (qemu, watchdogs of a guest dir). */
export function processesNaming(text: string): string[] {
  return spawnSync('pgrep', ['-a', '-f', text], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

/** Is `pid` a live process (not gone, not a zombie waiting for whoever reaps it)? */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

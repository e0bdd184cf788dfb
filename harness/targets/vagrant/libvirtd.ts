// libvirtd for the libvirt provider. There is no systemd here: if no libvirtd answers on qemu:///system, the
// harness starts one (its own config and log in a temp dir, the system socket) and stops it when the last box that
// needed it is gone; one already running is used and left alone. Whoever starts it stops it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { registerCleanup } from '../cleanup.js';
import { TargetError } from '../target.js';

export const LIBVIRT_URI = 'qemu:///system';

interface Ours {
  pid: number;
  dir: string;
  users: number;
  unregister: () => void;
}

let ours: Ours | undefined;
let starting: Promise<void> | undefined;

export async function libvirtdAnswers(): Promise<boolean> {
  const r = await execa('virsh', ['-c', LIBVIRT_URI, 'version'], { reject: false, timeout: 30_000 });
  return r.exitCode === 0;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function stopSync(o: Ours): void {
  if (alive(o.pid)) {
    try {
      process.kill(o.pid, 'SIGTERM');
    } catch {
      // gone already
    }
    const t0 = Date.now();
    while (alive(o.pid) && Date.now() - t0 < 10_000) execFileSync('sleep', ['0.2']);
    if (alive(o.pid)) process.kill(o.pid, 'SIGKILL');
  }
  rmSync(o.dir, { recursive: true, force: true });
}

async function start(target: string, onProgress?: (step: string, detail?: string) => void): Promise<void> {
  if (await libvirtdAnswers()) return;
  const dir = await mkdtemp(path.join(tmpdir(), 'audit-harness-libvirtd-'));
  const pidFile = path.join(dir, 'libvirtd.pid');
  const conf = path.join(dir, 'libvirtd.conf');
  await writeFile(conf, `log_outputs = "3:file:${path.join(dir, 'libvirtd.log')}"\n`);
  const r = await execa('libvirtd', ['--daemon', '--pid-file', pidFile, '--config', conf], { reject: false, timeout: 60_000 });
  if (r.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new TargetError(target, `libvirtd did not start (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()} (scripts/setup.sh installs and configures it)`);
  }
  const t0 = Date.now();
  while (!existsSync(pidFile) && Date.now() - t0 < 30_000) await new Promise((res) => setTimeout(res, 200));
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
  const o: Ours = { pid, dir, users: 0, unregister: () => undefined };
  o.unregister = registerCleanup(() => stopSync(o));
  while (!(await libvirtdAnswers())) {
    if (!alive(pid) || Date.now() - t0 > 60_000) {
      const log = await readFile(path.join(dir, 'libvirtd.log'), 'utf8').catch(() => '');
      o.unregister();
      stopSync(o);
      throw new TargetError(target, `libvirtd (pid ${pid}) does not answer on ${LIBVIRT_URI}`, log.split('\n').slice(-20).join('\n'));
    }
    await new Promise((res) => setTimeout(res, 300));
  }
  onProgress?.('libvirtd', `started (pid ${pid}), stopped again after the run`);
  ours = o;
}

export interface LibvirtdLease {
  /** pid of the libvirtd the harness started, if it did. */
  pid?: number;
  /** Done with it: the last lease of a libvirtd the harness started stops it. */
  release(): Promise<void>;
  /** The same, synchronously (the signal path, after the lease holder removed its domain). */
  releaseSync(): void;
  /** The box stays (--keep): this libvirtd is left running too, and no longer stopped on exit. */
  abandon(): void;
}

export async function acquireLibvirtd(target: string, onProgress?: (step: string, detail?: string) => void): Promise<LibvirtdLease> {
  starting ??= start(target, onProgress).finally(() => {
    starting = undefined;
  });
  await starting;
  const o = ours;
  if (!o) return { release: async () => undefined, releaseSync: () => undefined, abandon: () => undefined };
  // From now on the lease holders stop it, after their domains are gone (cleanups run in registration order,
  // and this one would come before theirs).
  o.unregister();
  o.users++;
  let done = false;
  const releaseSync = () => {
    if (done) return;
    done = true;
    if (--o.users > 0 || ours !== o) return;
    ours = undefined;
    stopSync(o);
  };
  return {
    pid: o.pid,
    release: async () => releaseSync(),
    releaseSync,
    abandon: () => {
      if (done) return;
      done = true;
      o.users--;
      if (ours === o) ours = undefined;
    },
  };
}

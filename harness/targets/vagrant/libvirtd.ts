// libvirtd for the libvirt provider. There is no systemd here: if no libvirtd answers on qemu:///system, the
// harness starts one (its own config and log in a state dir, the system socket) and stops it when the last
// harness process holding a lease on it is done; a libvirtd the harness did not start is used and left alone.
// Leases are files named by the holder's pid in the state dir, so several harness processes (parallel test files,
// two runs) share one libvirtd and the last one out stops it. Whoever starts it, stops it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { registerCleanup } from '../cleanup.js';
import { TargetError } from '../target.js';

export const LIBVIRT_URI = 'qemu:///system';
/** State of the libvirtd the harness started: libvirtd.pid, libvirtd.conf, libvirtd.log, lease-<pid> files. */
export const LIBVIRTD_STATE_DIR = path.join(tmpdir(), 'audit-harness-libvirtd');
const LOCK = `${LIBVIRTD_STATE_DIR}.lock`;
const PID_FILE = path.join(LIBVIRTD_STATE_DIR, 'libvirtd.pid');

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
const sleepSync = (s: number) => execFileSync('sleep', [String(s)]);

/** A lock across processes (mkdir is atomic); a lock whose holder died is taken over. */
function withLockSync<T>(fn: () => T): T {
  const t0 = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = Number(readFileSync(path.join(LOCK, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if ((holder && !alive(holder)) || Date.now() - t0 > 120_000) rmSync(LOCK, { recursive: true, force: true });
      else sleepSync(0.1);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

const ownPid = () => (existsSync(PID_FILE) ? Number(readFileSync(PID_FILE, 'utf8').trim()) || 0 : 0);
const lease = (pid: number) => path.join(LIBVIRTD_STATE_DIR, `lease-${pid}`);
const liveLeases = () =>
  existsSync(LIBVIRTD_STATE_DIR)
    ? readdirSync(LIBVIRTD_STATE_DIR).filter((f) => f.startsWith('lease-')).map((f) => Number(f.slice(6))).filter((pid) => alive(pid))
    : [];

/** Boxes left running with --keep (keep-<domain> files, removed by their destroy.sh): libvirtd stays for them. */
const keptBoxes = () => (existsSync(LIBVIRTD_STATE_DIR) ? readdirSync(LIBVIRTD_STATE_DIR).filter((f) => f.startsWith('keep-')) : []);
export const keepMarker = (domain: string) => path.join(LIBVIRTD_STATE_DIR, `keep-${domain}`);

function stopOwnSync(): void {
  const pid = ownPid();
  if (pid && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const t0 = Date.now();
    while (alive(pid) && Date.now() - t0 < 10_000) sleepSync(0.2);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(LIBVIRTD_STATE_DIR, { recursive: true, force: true });
}

/** Drops this process's lease; with no live lease left, stops the harness's libvirtd. */
function releaseSync(): void {
  withLockSync(() => {
    rmSync(lease(process.pid), { force: true });
    if (ownPid() && liveLeases().length === 0 && keptBoxes().length === 0) stopOwnSync();
  });
}

/** pids of the live harness processes holding a lease on the harness's libvirtd (tests: is it still needed?). */
export function libvirtdLeaseHolders(): number[] {
  return liveLeases();
}

/** Domains left running with --keep, for which the harness's libvirtd stays up. */
export function libvirtdKeptBoxes(): string[] {
  return keptBoxes().map((f) => f.slice('keep-'.length));
}

/** pid of the libvirtd a harness process started, while it runs (a libvirtd that answers without one is foreign). */
export function harnessLibvirtd(): number | undefined {
  const pid = ownPid();
  return pid && alive(pid) ? pid : undefined;
}

/** Stops the harness's libvirtd if no live process holds a lease and no kept box needs it (after a kept box is destroyed). */
export function stopUnusedLibvirtd(): boolean {
  return withLockSync(() => {
    if (!ownPid() || liveLeases().length > 0 || keptBoxes().length > 0) return false;
    stopOwnSync();
    return true;
  });
}

export interface LibvirtdLease {
  /** pid of the libvirtd the harness started (this process or another), if the harness started it. */
  pid?: number;
  /** Done with it: the last lease on a libvirtd the harness started stops it. */
  release(): Promise<void>;
  /** The same, synchronously (the signal path, after the holder removed its domains). */
  releaseSync(): void;
  /** The box `domain` stays (--keep): the libvirtd is left running while its keep marker exists. */
  abandon(domain: string): void;
}

let held = 0;
const noLease: LibvirtdLease = { release: async () => undefined, releaseSync: () => undefined, abandon: () => undefined };

export async function acquireLibvirtd(target: string, onProgress?: (step: string, detail?: string) => void): Promise<LibvirtdLease> {
  // Under the lock: whether one answers, whether it is ours, and starting one are one step for all processes.
  const started = withLockSync(() => {
    const answers = (() => {
      try {
        execFileSync('virsh', ['-c', LIBVIRT_URI, 'version'], { stdio: 'ignore', timeout: 30_000 });
        return true;
      } catch {
        return false;
      }
    })();
    const own = ownPid();
    if (answers && !(own && alive(own))) return 'foreign' as const;
    if (!answers) {
      if (own && alive(own)) throw new TargetError(target, `libvirtd (pid ${own}, started by the harness) does not answer on ${LIBVIRT_URI}`);
      rmSync(LIBVIRTD_STATE_DIR, { recursive: true, force: true });
      mkdirSync(LIBVIRTD_STATE_DIR, { recursive: true });
      const conf = path.join(LIBVIRTD_STATE_DIR, 'libvirtd.conf');
      writeFileSync(conf, `log_outputs = "3:file:${path.join(LIBVIRTD_STATE_DIR, 'libvirtd.log')}"\n`);
      try {
        execFileSync('libvirtd', ['--daemon', '--pid-file', PID_FILE, '--config', conf], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      } catch (e) {
        rmSync(LIBVIRTD_STATE_DIR, { recursive: true, force: true });
        const err = e as { stderr?: Buffer; message: string };
        throw new TargetError(target, `libvirtd did not start: ${err.stderr?.toString().trim() || err.message} (scripts/setup.sh installs and configures it)`);
      }
      const t0 = Date.now();
      while (!ownPid() && Date.now() - t0 < 30_000) sleepSync(0.2);
    }
    writeFileSync(lease(process.pid), '');
    return answers ? ('shared' as const) : ('started' as const);
  });
  if (started === 'foreign') return noLease;
  const pid = ownPid();
  held++;
  // Until the holder (a booting target) takes over teardown, an interrupted process still drops its lease.
  const unregister = registerCleanup(() => releaseOnce());
  let done = false;
  const releaseOnce = () => {
    if (done) return;
    done = true;
    unregister();
    if (--held === 0) releaseSync();
  };
  if (started === 'started') {
    const t0 = Date.now();
    while (!(await libvirtdAnswers())) {
      if (!alive(pid) || Date.now() - t0 > 60_000) {
        const log = existsSync(LIBVIRTD_STATE_DIR) ? readFileSync(path.join(LIBVIRTD_STATE_DIR, 'libvirtd.log'), { encoding: 'utf8', flag: 'a+' }) : '';
        releaseOnce();
        throw new TargetError(target, `libvirtd (pid ${pid}) does not answer on ${LIBVIRT_URI}`, log.split('\n').slice(-20).join('\n'));
      }
      await new Promise((res) => setTimeout(res, 300));
    }
    onProgress?.('libvirtd', `started (pid ${pid}); the last harness process using it stops it`);
  }
  return {
    pid,
    release: async () => releaseOnce(),
    releaseSync: () => releaseOnce(),
    abandon: (domain: string) => {
      if (done) return;
      writeFileSync(keepMarker(domain), '');
      releaseOnce();
    },
  };
}


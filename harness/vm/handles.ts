// Guests started by `vm start`: one directory per guest under <cache>/vms/<handle> (0700) holding handle.json,
// the ssh client key (0600), qemu's pidfile and console log. A handle whose qemu is gone is stale: list and stop
// remove it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from '../paths.js';
import type { TargetInfo } from '../targets/target.js';

export interface GuestHandle {
  handle: string;
  /** Target spec it was started from, e.g. qemu:debian12-amd64. */
  target: string;
  info: TargetInfo;
  dir: string;
  pid: number;
  port: number;
  /** Pinned host key line of the guest's dropbear. */
  hostKeyPub: string;
  /** Epoch ms. */
  startedAt: number;
  lifetimeMs: number;
  /** The host-side lifetime watchdog (kills qemu at startedAt + lifetimeMs). */
  watchdogPid?: number;
}

const HANDLE_FILE = 'handle.json';
export const CLIENT_KEY_FILE = 'client_key';
const HANDLE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function vmsDir(): string {
  return path.join(cacheDir(), 'vms');
}

/** Is `word` (an argument of vm exec/shell/stop) a handle name rather than a target spec? */
export function looksLikeHandle(word: string): boolean {
  return HANDLE_NAME.test(word) && !word.includes(':');
}

/** Creates <cache>/vms/<id>-<hex> (0700) for a new guest; returns its handle and dir. */
export async function newHandleDir(targetId: string): Promise<{ handle: string; dir: string }> {
  await mkdir(vmsDir(), { recursive: true, mode: 0o700 });
  await chmod(vmsDir(), 0o700);
  for (;;) {
    const handle = `${targetId.replace(/[^a-z0-9-]/g, '-')}-${randomBytes(3).toString('hex')}`;
    const dir = path.join(vmsDir(), handle);
    try {
      await mkdir(dir, { mode: 0o700 });
      return { handle, dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export async function writeHandle(h: GuestHandle): Promise<void> {
  await writeFile(path.join(h.dir, HANDLE_FILE), `${JSON.stringify(h, null, 2)}\n`, { mode: 0o600 });
}

/** Is this pid a live process of this guest (qemu or its watchdog: their command lines name the guest's dir; pid reuse)? */
export function processOf(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

function readHandleFile(dir: string): GuestHandle | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, HANDLE_FILE), 'utf8')) as GuestHandle;
  } catch {
    return undefined;
  }
}

/** A running guest by handle; a clear error for an unknown or stale one (the stale one is removed). */
export async function findHandle(handle: string): Promise<GuestHandle> {
  const dir = path.join(vmsDir(), handle);
  const h = looksLikeHandle(handle) ? readHandleFile(dir) : undefined;
  if (!h) {
    const running = (await listHandles()).map((x) => x.handle);
    throw new Error(`no running guest "${handle}" (running: ${running.join(', ') || 'none'}; start one with vm start TARGET; targets are written like qemu:debian12-amd64)`);
  }
  if (!processOf(h.pid, h.dir)) {
    await removeGuest(h);
    throw new Error(`guest ${handle} is no longer running (lifetime of ${Math.round(h.lifetimeMs / 1000)} s over, powered off or killed); removed its handle`);
  }
  return h;
}

/**
 * Running guests, oldest first. Directories whose qemu is gone (or that never got a handle.json and whose
 * boot is over) are removed on the way.
 */
export async function listHandles(): Promise<GuestHandle[]> {
  let names: string[];
  try {
    names = await readdir(vmsDir());
  } catch {
    return [];
  }
  const out: GuestHandle[] = [];
  for (const name of names) {
    const dir = path.join(vmsDir(), name);
    const h = readHandleFile(dir);
    if (h && processOf(h.pid, h.dir)) out.push(h);
    else if (h) await removeGuest(h);
    else if (!bootInProgress(dir)) await rm(dir, { recursive: true, force: true });
  }
  return out.sort((a, b) => a.startedAt - b.startedAt);
}

/** A dir without handle.json: a `vm start` still booting (its qemu pidfile names a live qemu) or left over. */
function bootInProgress(dir: string): boolean {
  const pidFile = path.join(dir, 'qemu.pid');
  try {
    if (!existsSync(pidFile)) return Date.now() - statSync(dir).mtimeMs < 60_000; // qemu not spawned yet
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && processOf(pid, dir);
  } catch {
    return false;
  }
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Kills the guest's watchdog and qemu (TERM, KILL after 3 s) and removes its directory. */
export async function removeGuest(h: GuestHandle): Promise<void> {
  // The watchdog first: it must not act on a pid that is about to be reused.
  if (h.watchdogPid && processOf(h.watchdogPid, h.dir)) signal(h.watchdogPid, 'SIGKILL');
  if (processOf(h.pid, h.dir)) {
    signal(h.pid, 'SIGTERM');
    const deadline = Date.now() + 3000;
    while (processOf(h.pid, h.dir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (processOf(h.pid, h.dir)) signal(h.pid, 'SIGKILL');
    while (processOf(h.pid, h.dir)) await new Promise((r) => setTimeout(r, 20));
  }
  await rm(h.dir, { recursive: true, force: true });
}

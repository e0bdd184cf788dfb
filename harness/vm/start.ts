// `vm start`: boots a guest that outlives this process, with a lifetime limit, and records its handle.
import { chmod, copyFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { openQemuTarget, parseTargetSpec, type OpenTargetOptions } from '../targets/index.js';
import type { QemuTarget } from '../targets/qemu/index.js';
import { CLIENT_KEY_FILE, newHandleDir, writeHandle, type GuestHandle } from './handles.js';
import { startGuestTimer, startLifetimeWatchdog } from './lifetime.js';

export const DEFAULT_LIFETIME_MS = 30 * 60_000;

export async function startGuest(spec: string, lifetimeMs: number, opts: Pick<OpenTargetOptions, 'onProgress' | 'signal'> = {}): Promise<GuestHandle> {
  const { id } = parseTargetSpec(spec);
  const { handle, dir } = await newHandleDir(id);
  let t: QemuTarget;
  try {
    t = await openQemuTarget(spec, { ...opts, qemu: { keepAliveDir: dir } });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  let watchdogPid: number | undefined;
  try {
    const startedAt = Date.now();
    await startGuestTimer(t.ssh(), lifetimeMs);
    const m = t.image.manifest;
    await copyFile(path.join(t.image.dir, m.files.clientKey), path.join(dir, CLIENT_KEY_FILE));
    await chmod(path.join(dir, CLIENT_KEY_FILE), 0o600);
    const pid = t.pid!;
    watchdogPid = startLifetimeWatchdog(pid, dir, startedAt + lifetimeMs);
    const h: GuestHandle = {
      handle, target: t.info.name, info: t.info, dir, pid, port: t.port,
      hostKeyPub: (await readFile(path.join(t.image.dir, m.files.hostKeyPub), 'utf8')).trim(),
      startedAt, lifetimeMs, watchdogPid,
    };
    await writeHandle(h);
    await t.detach();
    return h;
  } catch (e) {
    if (watchdogPid) process.kill(watchdogPid, 'SIGKILL');
    await t.close();
    throw e;
  }
}

// The floor a guest's boot is measured against: the image's own kernel, with the same qemu command line, booting an
// initramfs whose /init powers off at once (the image's static busybox helper and nothing else). bench/qemu.bench.ts
// compares `vm exec TARGET -- true` with it.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { packInitramfs, unpackInitramfs } from '../../images/initramfs.js';
import { BUSYBOX_HELPER } from '../../images/rootfs.js';
import type { BuiltImage } from '../../images/manifest.js';
import type { Accel } from './accel.js';
import { qemuCommandLine } from './qemu-target.js';

const POWEROFF_INIT = `#!/bin/busybox sh
/bin/busybox poweroff -f
`;

/** A bare initramfs for `image` in a new temp dir; remove `dir` when done. */
export async function makeBareInitramfs(image: BuiltImage): Promise<{ dir: string; initrd: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `audit-harness-bare-${image.manifest.id}-`));
  try {
    const root = path.join(dir, 'root');
    await mkdir(path.join(root, 'bin'), { recursive: true });
    // Only the helper out of the image's initramfs (static busybox, so no libraries).
    await unpackInitramfs(path.join(image.dir, image.manifest.files.initrd), root, [BUSYBOX_HELPER.replace(/^\//, '')]);
    await execa('mv', [path.join(root, BUSYBOX_HELPER), path.join(root, 'bin/busybox')]);
    await rm(path.join(root, 'usr'), { recursive: true, force: true });
    await writeFile(path.join(root, 'init'), POWEROFF_INIT, { mode: 0o755 });
    const initrd = path.join(dir, 'bare.img');
    await packInitramfs(root, initrd);
    await rm(root, { recursive: true, force: true });
    return { dir, initrd };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Boots the image's kernel with `initrd` until qemu exits; resolves to the wall time in ms. Kills qemu past timeoutMs. */
export async function bareBoot(image: BuiltImage, initrd: string, accel: Accel, timeoutMs = 120_000): Promise<number> {
  const dir = path.dirname(initrd);
  const args = qemuCommandLine(image, { accel, append: image.manifest.append, pidFile: path.join(dir, 'qemu.pid'), initrd });
  const t0 = Date.now();
  const child = spawn(image.manifest.qemuBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  }).finally(() => clearTimeout(killer));
  const ms = Date.now() - t0;
  if (code !== 0) throw new Error(`bare boot of ${image.manifest.id} ended with ${signal ?? `exit status ${code}`}:\n${out.trim()}`);
  return ms;
}

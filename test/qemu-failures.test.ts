// Boots that fail are reported with the console tail, within the timeout, and leave nothing behind.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureImage, type BuiltImage } from '../harness/images/index.js';
import { QemuTarget, TargetError } from '../harness/targets/index.js';
import { freeLocalPort } from '../harness/targets/qemu/index.js';
import { HostKeyMismatchError } from '../harness/targets/ssh/transport.js';

let image: BuiltImage;
test.before(async () => {
  image = await ensureImage('debian12-amd64');
});

/** Temp dirs of this process's VMs (the pid is part of their name). */
async function ourTempDirs(): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((n) => n.startsWith('audit-harness-qemu-') && n.includes(`-${process.pid}-`));
}

function qemuOfOurs(): string {
  try {
    return execFileSync('pgrep', ['-a', '-f', `audit-harness-qemu-debian12-amd64-${process.pid}-`], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

test.serial('a missing kernel file: qemu exits, the error names the target and shows qemu’s message', async (t) => {
  const bogus: BuiltImage = { dir: image.dir, manifest: { ...image.manifest, files: { ...image.manifest.files, kernel: 'no-such-vmlinuz' } } };
  const t0 = Date.now();
  const err = await t.throwsAsync(QemuTarget.boot(bogus, { bootTimeoutMs: 60_000, accel: 'tcg' }), { instanceOf: TargetError });
  t.true(Date.now() - t0 < 20_000);
  t.regex(err!.message, /^qemu:debian12-amd64: qemu exited during boot \(exit status 1\)\n--- last 40 console lines \(.*console\.log\) ---\n/);
  t.regex(err!.message, /no-such-vmlinuz/);
  t.deepEqual(await ourTempDirs(), []);
});

test.serial('a kernel that panics: reported at once with the panic line and the console tail', async (t) => {
  const t0 = Date.now();
  // No such init in the initramfs: the kernel falls back to mounting a root it does not have and panics.
  const err = await t.throwsAsync(QemuTarget.boot(image, { bootTimeoutMs: 120_000, accel: 'tcg', extraAppend: 'rdinit=/no-such-init' }), { instanceOf: TargetError });
  t.true(Date.now() - t0 < 60_000, 'well before the boot timeout');
  t.regex(err!.message, /^qemu:debian12-amd64: guest kernel panicked: Kernel panic - not syncing: /);
  const tail = (err as TargetError).detail!;
  t.true(tail.split('\n').length <= 41);
  t.regex(tail, /Kernel panic/);
  t.deepEqual(await ourTempDirs(), []);
  t.is(qemuOfOurs(), '');
});

test.serial('boot timeout: a clear error within the timeout, VM and temp dir gone', async (t) => {
  const t0 = Date.now();
  const err = await t.throwsAsync(QemuTarget.boot(image, { bootTimeoutMs: 1500, accel: 'tcg' }), { instanceOf: TargetError });
  t.true(Date.now() - t0 < 10_000);
  t.regex(err!.message, /^qemu:debian12-amd64: guest not ready within 1\.5 s \(no AUDIT-HARNESS-READY on the console\)/);
  t.deepEqual(await ourTempDirs(), []);
  t.is(qemuOfOurs(), '');
});

test.serial('abort signal during boot: rejects, VM and temp dir gone', async (t) => {
  const ac = new AbortController();
  const p = QemuTarget.boot(image, {
    accel: 'tcg',
    signal: ac.signal,
    onProgress: (step) => {
      if (step === 'qemu start') setTimeout(() => ac.abort(new Error('stop now')), 500);
    },
  });
  await t.throwsAsync(p, { message: 'stop now' });
  t.deepEqual(await ourTempDirs(), []);
  t.is(qemuOfOurs(), '');
});

test.serial('a manifest pinning another host key: the boot is refused with a clear error', async (t) => {
  // A copy of the image whose host_key.pub is a fresh key the guest does not have.
  const copy = await mkdtemp(path.join(os.tmpdir(), 'audit-harness-test-image-'));
  try {
    const f = image.manifest.files;
    for (const name of [f.kernel, f.initrd, f.clientKey]) await symlink(path.join(image.dir, name), path.join(copy, name));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', path.join(copy, 'other')]);
    await writeFile(path.join(copy, f.hostKeyPub), await readFile(path.join(copy, 'other.pub')));
    const err = await t.throwsAsync(QemuTarget.boot({ dir: copy, manifest: image.manifest }, { accel: 'tcg', bootTimeoutMs: 120_000 }), { instanceOf: HostKeyMismatchError });
    t.regex(err!.message, /^qemu:debian12-amd64: ssh host key mismatch on 127\.0\.0\.1:\d+: presented SHA256:[A-Za-z0-9+/]+, pinned ssh-ed25519 SHA256:[A-Za-z0-9+/]+; refusing to connect$/);
    t.deepEqual(await ourTempDirs(), []);
    t.is(qemuOfOurs(), '');
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});

test.serial('port taken between picking and qemu binding it: another port is tried', async (t) => {
  // A port somebody else holds, offered first; then free ones.
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const taken = (blocker.address() as net.AddressInfo).port;
  const offered: number[] = [];
  const steps: string[] = [];
  try {
    const vm = await QemuTarget.boot(image, {
      accel: 'tcg',
      pickPort: async () => {
        const p = offered.length === 0 ? taken : await freeLocalPort();
        offered.push(p);
        return p;
      },
      onProgress: (step) => steps.push(step),
    });
    try {
      t.is(offered.length, 2);
      t.is(vm.port, offered[1]);
      t.is(steps.filter((s) => s === 'qemu start').length, 2);
      t.is((await vm.exec(['echo', 'ok'])).stdout, 'ok\n');
    } finally {
      await vm.close();
    }
  } finally {
    blocker.close();
  }
  t.deepEqual(await ourTempDirs(), []);
});

// QemuTarget against real guests: each image is booted ONCE (serial tests share it) and closed at the end.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { openQemuTarget, QemuTarget, TargetError } from '../harness/targets/index.js';
import { SshTransport } from '../harness/targets/ssh/transport.js';

const IMAGES = [
  { spec: 'qemu:debian12-amd64', arch: 'x86_64' },
  { spec: 'qemu:debian12-i686', arch: 'i686' },
] as const;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const booted = new Map<string, Promise<QemuTarget>>();
function target(spec: string): Promise<QemuTarget> {
  let p = booted.get(spec);
  if (!p) {
    p = openQemuTarget(spec, { qemu: { bootTimeoutMs: 180_000 } });
    booted.set(spec, p);
  }
  return p;
}

test.after.always(async () => {
  for (const p of booted.values()) {
    const t = await p.catch(() => undefined);
    if (!t) continue;
    await t.close();
    // close() leaves nothing: temp dir (console log, pidfile) gone.
    if (existsSync(t.tempDir)) throw new Error(`temp dir ${t.tempDir} left behind`);
  }
});

for (const img of IMAGES) {
  test.serial(`${img.spec}: boots, info and uname -m ${img.arch}`, async (t) => {
    const vm = await target(img.spec);
    t.is(vm.info.name, img.spec);
    t.is(vm.info.kind, 'qemu');
    t.is(vm.info.arch, img.arch);
    t.is(vm.info.distro.id, 'debian12');
    const r = await vm.exec(['uname', '-m']);
    t.deepEqual(r, { code: 0, stdout: `${img.arch}\n`, stderr: '' });
    t.is((await vm.exec(['uname', '-r'])).stdout.trim(), vm.image.manifest.kernelRelease);
    t.log(`${img.spec}: ssh ready ${(vm.bootMs / 1000).toFixed(1)} s after qemu start (accel ${vm.accel})`);
  });

  test.serial(`${img.spec}: fixtures from the manifest exist in the guest`, async (t) => {
    const vm = await target(img.spec);
    const f = vm.info.fixtures!;
    for (const p of [f.testModule, f.testModuleXz, f.loader32, ...(f.loader64 ? [f.loader64] : [])]) {
      t.is((await vm.exec(['test', '-f', p])).code, 0, p);
    }
    t.is((await vm.exec(['id', '-u', f.user])).stdout.trim(), '1000');
  });

  test.serial(`${img.spec}: exit codes, stdout and stderr kept apart`, async (t) => {
    const vm = await target(img.spec);
    t.deepEqual(await vm.exec('echo out; echo err >&2; exit 3'), { code: 3, stdout: 'out\n', stderr: 'err\n' });
    t.is((await vm.exec(['false'])).code, 1);
    const missing = await vm.exec(['/no/such/program']);
    t.is(missing.code, 127);
    t.regex(missing.stderr, /no\/such\/program/);
  });

  test.serial(`${img.spec}: argv words reach the program unchanged`, async (t) => {
    const vm = await target(img.spec);
    const words = ["it's", '$HOME', '`id`', 'a b', '"q"', '*', '', 'x;y', 'ünï', '-n', '\\'];
    const r = await vm.exec(['printf', '%s\\n', ...words]);
    t.is(r.code, 0);
    t.deepEqual(r.stdout.split('\n').slice(0, -1), words);
  });

  test.serial(`${img.spec}: stdin is delivered and closed`, async (t) => {
    const vm = await target(img.spec);
    t.deepEqual(await vm.exec(['wc', '-c'], { stdin: Buffer.alloc(100_000, 0x61) }), { code: 0, stdout: '100000\n', stderr: '' });
    // No stdin given: the command sees EOF at once instead of waiting.
    t.is((await vm.exec(['cat'], { timeoutMs: 10_000 })).code, 0);
  });

  test.serial(`${img.spec}: putFile/getFile round-trip binary data and set the mode`, async (t) => {
    const vm = await target(img.spec);
    const data = Buffer.concat([Buffer.from([...Array(256).keys()]), randomBytes(1 << 20)]);
    await vm.putFile('/tmp/blob.bin', data, 0o640);
    t.true((await vm.getFile('/tmp/blob.bin')).equals(data));
    t.is((await vm.exec(['stat', '-c', '%a %s', '/tmp/blob.bin'])).stdout.trim(), `640 ${data.length}`);
    await vm.putFile('/tmp/a file', 'text\n');
    t.is((await vm.getFile('/tmp/a file')).toString(), 'text\n');
    const err = await t.throwsAsync(vm.getFile('/tmp/missing'), { instanceOf: TargetError });
    t.regex(err!.message, new RegExp(`^${img.spec}: cannot read /tmp/missing: .*No such file`));
  });

  test.serial(`${img.spec}: a hung command is killed in the guest (124) and the VM stays usable`, async (t) => {
    const vm = await target(img.spec);
    const t0 = Date.now();
    const r = await vm.exec('echo started; sleep 61', { timeoutMs: 1500 });
    t.is(r.code, 124);
    t.is(r.stdout, 'started\n');
    t.true(Date.now() - t0 < 15_000);
    // (the guest's /init has its own `sleep 3600`; look for ours only)
    t.is((await vm.exec("pgrep -f 'sleep [6]1' || echo none")).stdout.trim(), 'none');
    t.is((await vm.exec(['echo', 'still here'])).stdout, 'still here\n');
  });

  test.serial(`${img.spec}: ssh dropped mid-command is a TargetError, the next command reconnects`, async (t) => {
    const vm = await target(img.spec);
    // Kill this session's dropbear process (an ancestor of the shell): the TCP connection drops.
    const killSession = 'p=$$; while [ "$(cat /proc/$p/comm)" != dropbear ]; do p=$(cut -d" " -f4 /proc/$p/stat); done; kill -9 $p; sleep 30';
    const err = await t.throwsAsync(vm.exec(killSession, { timeoutMs: 60_000 }), { instanceOf: TargetError });
    t.regex(err!.message, new RegExp(`^${img.spec}: .*(connection lost|without an exit status)`));
    t.is((await vm.exec(['echo', 'reconnected'])).stdout, 'reconnected\n');
  });

  test.serial(`${img.spec}: a session as uid 1000 with auid 1000 (loginuid, then setpriv)`, async (t) => {
    const vm = await target(img.spec);
    const r = await vm.exec(
      `echo 1000 > /proc/self/loginuid; exec setpriv --reuid 1000 --regid 1000 --init-groups sh -c 'id -u; cat /proc/self/loginuid; echo; sudo -n sh -c "id -u; cat /proc/self/loginuid"'`,
    );
    // uid 1000 with loginuid 1000; through sudo: uid 0, loginuid still 1000.
    t.deepEqual(r, { code: 0, stdout: '1000\n1000\n0\n1000', stderr: '' });
  });
  test.serial(`${img.spec}: another pinned host key is refused with a clear error`, async (t) => {
    const vm = await target(img.spec);
    const m = vm.image.manifest;
    const otherKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    const ssh = new SshTransport({
      target: vm.info.name,
      host: '127.0.0.1',
      port: vm.port,
      username: 'root',
      privateKey: await readFile(path.join(vm.image.dir, m.files.clientKey)),
      hostKeyPub: otherKey,
    });
    const err = await t.throwsAsync(ssh.connect(), { instanceOf: TargetError });
    t.regex(err!.message, /^qemu:debian12-[a-z0-9]+: ssh host key mismatch on 127\.0\.0\.1:\d+: presented SHA256:\S+, pinned ssh-ed25519 SHA256:\S+; refusing to connect$/);
    ssh.close();
    // The pinned key still works on the same VM.
    t.is((await vm.exec(['true'])).code, 0);
  });

  test.serial(`${img.spec}: close() kills qemu, waits for it and removes the temp dir`, async (t) => {
    const vm = await target(img.spec);
    const pid = Number((await readFile(vm.pidFile, 'utf8')).trim());
    t.true(pid > 0 && isAlive(pid));
    await vm.close();
    t.false(isAlive(pid));
    t.false(existsSync(vm.tempDir));
    await vm.close(); // twice is fine
    await t.throwsAsync(vm.exec(['true']), { instanceOf: TargetError, message: /target is closed/ });
  });
}

// vagrant:debian12-local is torn down however the harness ends: SIGTERM in the middle of `vagrant up` (the CLI as a
// child process) leaves no domain, pool, qemu, run dir or libvirtd; --keep leaves the box running and its
// destroy.sh removes it, and the host key pinned on first use is the box's own; `vm exec vagrant:NAME` boots it for one command and removes it.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureImage } from '../harness/images/index.js';
import { repoRoot } from '../harness/paths.js';
import { openTarget } from '../harness/targets/index.js';
import { harnessLibvirtd, libvirtdAnswers, libvirtdKeptBoxes, libvirtdLeaseHolders, LIBVIRT_URI, stopUnusedLibvirtd } from '../harness/targets/vagrant/libvirtd.js';

const cli = path.join(repoRoot, 'dist', 'harness', 'cli.js');
const virshNames = (what: 'list' | 'pool-list', prefix: string) =>
  (spawnSync('virsh', ['-c', LIBVIRT_URI, what, '--all', '--name'], { encoding: 'utf8' }).stdout ?? '').split('\n').map((s) => s.trim()).filter((s) => s.startsWith(prefix));
/** Another harness process (a parallel test file) holds the harness's libvirtd, or a kept box needs it: it stays. */
const liveLeasesExist = () => libvirtdLeaseHolders().length > 0 || libvirtdKeptBoxes().length > 0;
/** A libvirtd that answers and that no harness process started (a parallel test file's is not foreign). */
const foreignLibvirtd = async () => (await libvirtdAnswers()) && harnessLibvirtd() === undefined;
const runDirs = (pid: number) => readdirSync('/tmp').filter((d) => d.startsWith(`audit-harness-vagrant-debian12-local-${pid}-`));

test.serial('SIGTERM during vagrant up: exit 143, and no domain, pool, qemu, run dir or libvirtd left', async (t) => {
  const libvirtdBefore = await foreignLibvirtd();
  const child = spawn(process.execPath, [cli, 'vm', 'exec', 'vagrant:debian12-local', '--', 'sleep', '600'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const prefix = `audit-harness-${child.pid}-`;
  const deadline = Date.now() + 15 * 60_000;
  while (!/Starting domain|Waiting for domain/.test(err)) {
    if (Date.now() > deadline || child.exitCode !== null) t.fail(`vagrant never started the domain:\n${err}`);
    await sleep(200);
  }
  t.true(virshNames('list', prefix).length === 1, 'the domain exists when SIGTERM comes');
  child.kill('SIGTERM');
  t.is(await exit, 143, err);
  t.deepEqual(virshNames('list', prefix), [], 'no domain');
  t.deepEqual(virshNames('pool-list', prefix), [], 'no pool');
  t.is(spawnSync('pgrep', ['-f', `guest=${prefix}`], { encoding: 'utf8' }).stdout.trim(), '', 'no qemu');
  t.deepEqual(runDirs(child.pid!), [], 'no run dir');
  if (!liveLeasesExist()) t.is(await libvirtdAnswers(), libvirtdBefore, 'libvirtd as before');
});

test.serial('--keep: the box stays up after close, and its destroy.sh removes it', async (t) => {
  const libvirtdBefore = await foreignLibvirtd();
  const progress: string[] = [];
  const target = await openTarget('vagrant:debian12-local', { vagrant: { keep: true }, onProgress: (s, d) => progress.push(`${s}: ${d ?? ''}`) });
  const domain = (target as unknown as { domainName: string }).domainName;
  t.is((await target.exec(['uname', '-r'])).code, 0);
  await target.close();
  const kept = progress.find((p) => p.startsWith('keep: '));
  t.truthy(kept, progress.join('\n'));
  const script = /destroy it with (\S+)$/.exec(kept!)![1]!;
  const libvirtdPid = /libvirtd pid (\d+)/.exec(kept!)?.[1];
  // The key pinned on the first connection is the box's real host key: the image's dropbear key.
  const image = await ensureImage('debian12-vagrant-amd64');
  const pinned = (await readFile(path.join(path.dirname(script), 'host_key.pub'), 'utf8')).trim();
  t.is(pinned, (await readFile(path.join(image.dir, image.manifest.files.hostKeyPub), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' '));
  t.deepEqual(virshNames('list', domain), [domain], 'still defined');
  t.regex(spawnSync('virsh', ['-c', LIBVIRT_URI, 'domstate', domain], { encoding: 'utf8' }).stdout, /running/);
  const d = spawnSync('sh', [script], { encoding: 'utf8' });
  t.is(d.status, 0, d.stderr);
  t.deepEqual(virshNames('list', domain), [], 'destroy.sh removed the domain');
  t.deepEqual(virshNames('pool-list', domain.slice(0, -'debian12-local'.length)), [], 'and its pool');
  // Whoever starts libvirtd stops it: the kept box kept the one this process started; nothing else needs it now.
  if (libvirtdPid && !libvirtdBefore) t.true(stopUnusedLibvirtd() || liveLeasesExist(), 'the harness libvirtd is stopped once unused');
  for (let i = 0; i < 50 && (await libvirtdAnswers()) !== libvirtdBefore; i++) await sleep(200);
  if (!liveLeasesExist()) t.is(await libvirtdAnswers(), libvirtdBefore);
});

test.serial('vm exec vagrant:debian12-local: runs the command as root in the box (vm shell opens the same guest), then removes it', async (t) => {
  const r = spawnSync(process.execPath, [cli, 'vm', 'exec', '-q', 'vagrant:debian12-local', '--', 'sh', '-c', 'id -u; uname -r; ls /usr/local/bin/audit-harness-loader32'], { encoding: 'utf8', timeout: 20 * 60_000 });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^0\n6\.1\.0-\d+-cloud-amd64\n\/usr\/local\/bin\/audit-harness-loader32\n$/);
  // No domain is left whose harness process (the pid in its name) has exited: the CLI's is among them.
  const orphans = virshNames('list', 'audit-harness-').filter((d) => spawnSync('kill', ['-0', d.split('-')[2]!]).status !== 0);
  t.deepEqual(orphans, []);
});

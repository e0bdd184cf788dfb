// Builds the qemu images (cold: minutes; warm: cache hit) and inspects what went into them.
// Booting them is QemuTarget's test; here: layout, closure, modules, loaders, keys, cache.
import test from 'ava';
import { execa } from 'execa';
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureImage, listRecipes, loadRecipe, parseRecipe, type BuiltImage } from '../harness/images/index.js';
import { findMissingLibraries, resolveInRoot } from '../harness/images/elf-closure.js';
import { unpackInitramfs } from '../harness/images/initramfs.js';
import { libraryDirs, mergedUsrLinks, BUSYBOX_HELPER } from '../harness/images/rootfs.js';

const IMAGES = [
  { id: 'debian12-amd64', debArch: 'amd64' as const, arch: 'x86_64' as const, native: 'ELF64' },
  { id: 'debian12-i686', debArch: 'i386' as const, arch: 'i686' as const, native: 'ELF32' },
];

async function readelf(args: string[], file: string): Promise<string> {
  return (await execa('readelf', [...args, file], { env: { LC_ALL: 'C' } })).stdout;
}

async function modinfo(field: string, file: string): Promise<string> {
  return (await execa('modinfo', ['-F', field, file])).stdout.trim();
}

test('recipes: both images are listed and valid', async (t) => {
  const ids = await listRecipes();
  for (const img of IMAGES) {
    t.true(ids.includes(img.id));
    const r = await loadRecipe(img.id);
    t.is(r.debArch, img.debArch);
    t.is(r.arch, img.arch);
  }
});

test('recipes: bad input names the file, line and field', async (t) => {
  const err = t.throws(() => parseRecipe('id: x\ndistro: { id: d, family: debian }\narch: sparc\n', '/tmp/x.yaml'));
  t.regex(err!.message, /^\/tmp\/x\.yaml:3: arch: /);
  await t.throwsAsync(loadRecipe('no-such-image'), { message: /no image recipe "no-such-image".*known: .*debian12-amd64/ });
});

for (const img of IMAGES) {
  test.serial(`${img.id}: builds, and the initramfs is a Debian 12 root`, async (t) => {
    const steps: string[] = [];
    const built: BuiltImage = await ensureImage(img.id, { onProgress: (s) => steps.push(s) });
    const m = built.manifest;
    t.is(m.id, img.id);
    t.is(m.arch, img.arch);
    t.regex(m.kernelRelease, img.debArch === 'amd64' ? /^6\.1\.0-\d+-cloud-amd64$/ : /^6\.1\.0-\d+-686$/);
    t.regex(m.append, /audit=1/);
    t.truthy(m.packages.auditd && m.packages.kmod && m.packages['dropbear-bin'] && m.packages[`linux-image-${m.kernelRelease}`]);
    for (const f of Object.values(m.files)) t.true((await stat(path.join(built.dir, f))).size > 0, f);
    t.regex(await readFile(path.join(built.dir, m.files.hostKeyPub), 'utf8'), /^ssh-ed25519 [A-Za-z0-9+/=]+/);
    t.regex(await readFile(path.join(built.dir, m.files.clientKey), 'utf8'), /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    t.regex(await readelf(['-h'], path.join(built.dir, m.files.kernel)).catch(() => 'not ELF'), /not ELF|Error/, 'kernel is a bzImage');

    const root = await mkdtemp(path.join(os.tmpdir(), 'audit-harness-initrd-'));
    t.teardown(() => rm(root, { recursive: true, force: true }));
    await unpackInitramfs(path.join(built.dir, m.files.initrd), root);
    const g = (p: string) => path.join(root, p);

    // merged /usr
    for (const d of mergedUsrLinks(img.debArch)) t.is(await readlink(g(d)), `usr/${d}`, `/${d}`);
    // kmod and its names, as Debian ships them
    t.is(await readlink(g('usr/bin/lsmod')), 'kmod');
    for (const n of ['insmod', 'rmmod', 'modprobe', 'lsmod', 'depmod', 'modinfo']) {
      t.is(await readlink(g(`usr/sbin/${n}`)), '/bin/kmod', n);
      t.is(await resolveInRoot(root, `/sbin/${n}`), g('usr/bin/kmod'), `/sbin/${n} resolves to kmod`);
    }
    t.is(await readlink(g('usr/bin/sh')), 'dash');
    t.is(await resolveInRoot(root, '/bin/sh'), g('usr/bin/dash'));
    t.truthy(await resolveInRoot(root, '/usr/bin/awk'));
    // busybox only off PATH
    t.truthy(await resolveInRoot(root, BUSYBOX_HELPER));
    for (const dir of ['usr/bin', 'usr/sbin', 'usr/local/bin', 'usr/local/sbin']) {
      const { stdout } = await execa('find', [g(dir), '-lname', '*busybox*']);
      t.is(stdout, '', `no busybox links in /${dir}`);
      await t.throwsAsync(stat(g(`${dir}/busybox`)));
    }
    // users, shells, sudo
    const passwd = await readFile(g('etc/passwd'), 'utf8');
    t.regex(passwd, /^root:x:0:0:root:\/root:\/bin\/bash$/m);
    t.regex(passwd, new RegExp(`^${m.guest.user}:x:1000:1000:[^:]*:/home/${m.guest.user}:/bin/bash$`, 'm'));
    t.regex(await readFile(g('etc/group'), 'utf8'), new RegExp(`^sudo:x:27:.*\\b${m.guest.user}\\b`, 'm'));
    t.regex(await readFile(g('etc/sudoers.d/90-audit-harness'), 'utf8'), /NOPASSWD: ALL/);
    t.is((await stat(g('usr/bin/sudo'))).mode & 0o4000, 0o4000, 'sudo is setuid');
    const chkpwd = await stat(g('usr/sbin/unix_chkpwd'));
    t.is(chkpwd.gid, 42, 'unix_chkpwd keeps its package group (shadow)');
    t.is(chkpwd.mode & 0o2000, 0o2000, 'unix_chkpwd is setgid');
    t.regex(await readFile(g('etc/pam.d/common-session'), 'utf8'), /^session\trequired\tpam_unix\.so/m);
    t.regex(await readFile(g('root/.ssh/authorized_keys'), 'utf8'), /^ssh-ed25519 /);
    // every PAM module the stacks name is there (libpam dlopens them: not in any DT_NEEDED);
    // a '-type' line (runuser-l's -session pam_systemd.so) is allowed to name a missing one
    const triplet = img.debArch === 'amd64' ? 'x86_64-linux-gnu' : 'i386-linux-gnu';
    const { stdout: pamMods } = await execa('bash', ['-c', 'cat "$1"/etc/pam.d/* | grep -v "^[[:space:]]*[#-]" | grep -o "pam_[a-z_]*\\.so" | sort -u', 'x', root]);
    t.true(pamMods.split('\n').length >= 5);
    for (const so of pamMods.split('\n')) t.truthy(await resolveInRoot(root, `/usr/lib/${triplet}/security/${so}`), so);
    // Debian's own auditd.conf
    const auditdConf = await readFile(g('etc/audit/auditd.conf'), 'utf8');
    t.regex(auditdConf, /^log_file = \/var\/log\/audit\/audit\.log$/m);
    t.regex(auditdConf, /^log_format = ENRICHED$/m);
    t.truthy(await resolveInRoot(root, '/sbin/augenrules'));
    t.truthy(await resolveInRoot(root, '/usr/sbin/dropbear'));

    // every dynamic ELF finds its libraries inside the root
    t.deepEqual(await findMissingLibraries(root, libraryDirs(img.debArch)), []);

    // modules: drivers, the test modules (names, vermagic), depmod index
    const modDir = `usr/lib/modules/${m.kernelRelease}`;
    const mod = await resolveInRoot(root, m.guest.testModule);
    const modXz = await resolveInRoot(root, m.guest.testModuleXz);
    t.truthy(mod && modXz);
    t.is(await modinfo('name', mod!), 'audit_test_mod');
    t.is(await modinfo('name', modXz!), 'audit_test_mod_xz');
    t.regex(await modinfo('vermagic', mod!), new RegExp(`^${m.kernelRelease.replace(/\./g, '\\.')} `));
    t.regex((await execa('xz', ['--robot', '--list', modXz!])).stdout, /\tCRC32\t/);
    const dep = await readFile(g(`${modDir}/modules.dep`), 'utf8');
    t.regex(dep, /^extra\/audit_test_mod\.ko:/m);
    t.regex(dep, /^extra\/audit_test_mod_xz\.ko\.xz:/m);
    t.regex(dep, /virtio_net\.ko:/);
    t.regex(dep, /virtio_pci\.ko:/);

    // loaders: static executables of the right class
    const loaders = [m.guest.loader32, ...(m.guest.loader64 ? [m.guest.loader64] : [])];
    if (img.debArch === 'amd64') t.truthy(m.guest.loader64);
    else t.is(m.guest.loader64, undefined);
    for (const l of loaders) {
      const file = await resolveInRoot(root, l);
      t.truthy(file, l);
      const header = await readelf(['-h'], file!);
      const want = l === m.guest.loader64 ? 'ELF64' : 'ELF32';
      t.regex(header, new RegExp(`Class:\\s+${want}`), l);
      t.regex(header, /Type:\s+EXEC/, l);
      t.notRegex(await readelf(['-l'], file!), /program interpreter/, `${l} is static`);
    }
    t.is(m.guest.loader32 === m.guest.loader64, false);
    t.regex(await readelf(['-h'], (await resolveInRoot(root, '/usr/bin/kmod'))!), new RegExp(`Class:\\s+${img.native}`));

    // second call: the cached image, untouched
    const again: string[] = [];
    const second = await ensureImage(img.id, { onProgress: (s) => again.push(s) });
    t.is(second.dir, built.dir);
    t.is(second.manifest.key, m.key);
    t.is(second.manifest.builtAt, m.builtAt);
    t.true(again.includes('cached'));
    t.false(again.includes('download'));
  });
}

test('closure check: a dynamic ELF without its libraries is reported', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'audit-harness-closure-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await execa('mkdir', ['-p', path.join(root, 'usr/bin')]);
  await execa('cp', ['/usr/bin/true', path.join(root, 'usr/bin/true')]);
  const missing = await findMissingLibraries(root, libraryDirs('amd64'));
  t.deepEqual(
    missing.map((m) => `${m.file} ${m.needed}`),
    ['/usr/bin/true /lib64/ld-linux-x86-64.so.2', '/usr/bin/true libc.so.6'],
  );
});

// Builds the qemu images (cold: minutes; warm: cache hit) and inspects what went into them.
// Booting them is QemuTarget's test; here: layout, closure, modules, loaders, keys, cache.
import test from 'ava';
import { execa } from 'execa';
import { mkdtemp, readFile, readlink, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureImage, listRecipes, loadRecipe, parseRecipe, type BuiltImage } from '../harness/images/index.js';
import { findMissingLibraries, resolveInRoot } from '../harness/images/elf-closure.js';
import { AUTOLOAD } from '../harness/images/guest-layout.js';
import { unpackInitramfs } from '../harness/images/initramfs.js';
import { libraryDirs, mergedUsrLinks, BUSYBOX_HELPER } from '../harness/images/rootfs.js';
import { checkStatedFacts, measureFacts } from '../harness/images/release-facts.js';
import { factValues } from '../harness/releases/facts.js';
import { cacheDir } from '../harness/paths.js';
import { recipesDir } from '../harness/images/recipe-file.js';
import { YamlFileError } from '../harness/yaml-errors.js';
import { loadProfile } from '../harness/sim/profile.js';
import { simSessionOf } from '../harness/sim/session.js';

/** Every recipe, with what its release looks like. */
const IMAGES = [
  { id: 'debian12-amd64', debArch: 'amd64' as const, arch: 'x86_64' as const, native: 'ELF64', release: /^6\.1\.0-\d+-cloud-amd64$/, ext: '.ko' },
  { id: 'debian12-i686', debArch: 'i386' as const, arch: 'i686' as const, native: 'ELF32', release: /^6\.1\.0-\d+-686$/, ext: '.ko' },
  { id: 'debian11-amd64', debArch: 'amd64' as const, arch: 'x86_64' as const, native: 'ELF64', release: /^5\.10\.0-\d+-cloud-amd64$/, ext: '.ko' },
  { id: 'debian11-i686', debArch: 'i386' as const, arch: 'i686' as const, native: 'ELF32', release: /^5\.10\.0-\d+-686$/, ext: '.ko' },
  { id: 'debian12bpo-amd64', debArch: 'amd64' as const, arch: 'x86_64' as const, native: 'ELF64', release: /^6\.12\.\d+\+deb12-cloud-amd64$/, ext: '.ko.xz' },
  { id: 'debian13-amd64', debArch: 'amd64' as const, arch: 'x86_64' as const, native: 'ELF64', release: /^6\.12\.\d+\+deb13-cloud-amd64$/, ext: '.ko.xz' },
];

async function readelf(args: string[], file: string): Promise<string> {
  return (await execa('readelf', [...args, file], { env: { LC_ALL: 'C' } })).stdout;
}

async function modinfo(field: string, file: string): Promise<string> {
  return (await execa('modinfo', ['-F', field, file])).stdout.trim();
}

test('recipes: every image is listed and valid', async (t) => {
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
  t.regex(err!.message, /^\/tmp\/x\.yaml:3:7: arch: Invalid option: expected one of "x86_64"\|"i686"$/m);
  await t.throwsAsync(loadRecipe('no-such-image'), { message: /no image recipe "no-such-image".*known: .*debian12-amd64/ });
});

test('recipes: a schema error, a syntax error and an id that is not the file name each name file:line:col', async (t) => {
  const text = await readFile(path.join(recipesDir, 'debian12-amd64.yaml'), 'utf8');
  const lineCol = (of: string, re: RegExp, what: string) => {
    const lines = of.split('\n');
    const i = lines.findIndex((l) => re.test(l));
    t.true(i >= 0, what);
    return `${i + 1}:${lines[i]!.search(re) + 1}`;
  };
  t.notThrows(() => parseRecipe(text, '/tmp/r.yaml', 'debian12-amd64'));
  // One line per schema issue, in file order.
  const bad = text.replace(/^arch: x86_64$/m, 'arch: sparc').replace(/^(\s+memoryMiB: )\d+/m, '$164');
  const e = t.throws(() => parseRecipe(bad, '/tmp/r.yaml'), { instanceOf: YamlFileError });
  t.deepEqual(e!.message.split('\n'), [
    `/tmp/r.yaml:${lineCol(bad, /(?<=^arch: )sparc$/, 'arch')}: arch: Invalid option: expected one of "x86_64"|"i686"`,
    `/tmp/r.yaml:${lineCol(bad, /(?<=^\s+memoryMiB: )64/, 'memoryMiB')}: qemu.memoryMiB: Too small: expected number to be >=128`,
  ]);
  const syntax = t.throws(() => parseRecipe(`${text}notes: [unclosed\n`, '/tmp/r.yaml'), { instanceOf: YamlFileError });
  t.regex(syntax!.message, /^\/tmp\/r\.yaml:\d+:\d+: [^\n]+$/);
  t.is(syntax!.problems[0]!.line, text.split('\n').length + 1, 'after the last line of the recipe');
  t.throws(() => parseRecipe(text, '/tmp/r.yaml', 'debian13-amd64'), { message: `/tmp/r.yaml:${lineCol(text, /(?<=^id: )debian12-amd64$/, 'id')}: id: "debian12-amd64", expected "debian13-amd64" (the file name)` });
});

for (const img of IMAGES) {
  test.serial(`${img.id}: builds, and the initramfs is its release's root`, async (t) => {
    const steps: string[] = [];
    const built: BuiltImage = await ensureImage(img.id, { onProgress: (s) => steps.push(s) });
    const m = built.manifest;
    t.is(m.id, img.id);
    t.is(m.arch, img.arch);
    t.regex(m.kernelRelease, img.release);
    t.deepEqual(m.facts, (await loadRecipe(img.id)).facts, 'manifest.facts are the recipe\'s');
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
    t.is(await resolveInRoot(root, '/usr/bin/lsmod'), g('usr/bin/kmod'));
    for (const n of ['insmod', 'rmmod', 'modprobe', 'lsmod', 'depmod', 'modinfo']) {
      // Debian 11 and 12's kmod ship /sbin/insmod -> /bin/kmod; 13's /usr/sbin/insmod -> ../bin/kmod
      t.regex(await readlink(g(`usr/sbin/${n}`)), /^(\/bin\/kmod|\.\.\/bin\/kmod)$/, n);
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
    // module autoloading: the release's own modprobe resolves the kernel's request to the test module as shipped
    t.is(await readFile(g(AUTOLOAD.conf), 'utf8'), AUTOLOAD.text);
    const autoload = await execa('chroot', [root, '/sbin/modprobe', '--show-depends', '-S', m.kernelRelease, AUTOLOAD.alias]);
    t.is(autoload.stdout.trim(), `insmod ${m.guest.testModule}`, `modprobe ${AUTOLOAD.alias}`);
    // the simulator's model of this release (sim:<id>, at this image's kernel release) has this guest's accounts and paths
    const sim = simSessionOf({ ...loadProfile(img.id), kernelRelease: m.kernelRelease });
    for (const f of ['passwd', 'group'] as const) {
      const lines = new Set((await readFile(g(`etc/${f}`), 'utf8')).split('\n'));
      for (const l of (await readFile(sim.accounts[f], 'utf8')).trimEnd().split('\n')) t.true(lines.has(l), `the sim's /etc/${f} line "${l}" is the image's`);
    }
    const { moduleName: simModuleName, ...simPaths } = sim.fixtures;
    // The sim's login user: the account of uid 1000 in its passwd (its fixtures name no user).
    const simUser = (await readFile(sim.accounts.passwd, 'utf8')).split('\n').find((l) => l.split(':')[2] === '1000')?.split(':')[0];
    t.deepEqual({ ...simPaths, user: simUser }, m.guest, 'the sim\'s fixtures and login user are the manifest\'s');
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
    // the dynamic linker's cache, as libc-bin's trigger leaves it, read back by the release's own ldconfig
    t.regex((await execa('chroot', [root, '/sbin/ldconfig', '-p'])).stdout, /^\s+libc\.so\.6 \(/m);

    // modules: drivers, the test modules (names, vermagic), depmod index
    const modDir = `usr/lib/modules/${m.kernelRelease}`;
    const mod = await resolveInRoot(root, m.guest.testModule);
    const modKo = await resolveInRoot(root, m.guest.testModuleKo);
    const modXz = await resolveInRoot(root, m.guest.testModuleXz);
    const stock = await resolveInRoot(root, m.guest.stockModule.file);
    t.truthy(mod && modKo && modXz && stock);
    t.is(m.guest.testModule, `/lib/modules/${m.kernelRelease}/extra/audit_test_mod${img.ext}`, 'compressed as the kernel ships its modules');
    t.is(m.guest.testModuleKo, '/usr/local/lib/audit-harness/audit_test_mod.ko');
    t.deepEqual(m.guest.stockModule, { name: 'dummy', file: `/lib/modules/${m.kernelRelease}/kernel/drivers/net/dummy${img.ext}` });
    t.is(await modinfo('name', mod!), 'audit_test_mod');
    t.is(simModuleName, 'audit_test_mod', 'the sim names the test module as modinfo does');
    t.is(await modinfo('name', modKo!), 'audit_test_mod');
    t.is(await modinfo('name', modXz!), 'audit_test_mod_xz');
    t.is(await modinfo('name', stock!), 'dummy');
    t.regex(await modinfo('vermagic', modKo!), new RegExp(`^${m.kernelRelease.replace(/[.+]/g, '\\$&')} `));
    t.regex((await execa('xz', ['--robot', '--list', modXz!])).stdout, /\tCRC32\t/);
    if (img.ext === '.ko.xz') t.regex((await execa('xz', ['--robot', '--list', mod!])).stdout, /\tCRC32\t/);
    t.not((await readFile(modKo!)).subarray(0, 4).toString('latin1'), '\xfd7zX', 'testModuleKo is uncompressed');
    const dep = await readFile(g(`${modDir}/modules.dep`), 'utf8');
    t.regex(dep, new RegExp(`^extra/audit_test_mod${img.ext.replace(/\./g, '\\.')}:`, 'm'));
    t.regex(dep, /^extra\/audit_test_mod_xz\.ko\.xz:/m);
    t.regex(dep, new RegExp(`^kernel/drivers/net/dummy${img.ext.replace(/\./g, '\\.')}:`, 'm'));
    t.regex(dep, /virtio_net\.ko(\.xz)?:/);
    // virtio_pci is a module up to 6.1 and built in from 6.12 (modules.builtin, which modprobe reads)
    const builtin = await readFile(g(`${modDir}/modules.builtin`), 'utf8');
    t.true(/virtio_pci\.ko(\.xz)?:/.test(dep) || /\/virtio_pci\.ko$/m.test(builtin), 'virtio_pci is a module or built in');
    t.notRegex(await readFile(g('etc/audit-harness/drivers'), 'utf8'), /dummy/, 'the stock module is not loaded at boot');

    // the stated facts, measured again from the kernel package and the built root
    const kernelDeb = path.join(cacheDir(), 'debs', `linux-image-${m.kernelRelease}_${m.packages[`linux-image-${m.kernelRelease}`].replace(/:/g, '%3a')}_${img.debArch}.deb`);
    const kernelRoot = await mkdtemp(path.join(os.tmpdir(), 'audit-harness-kernel-'));
    t.teardown(() => rm(kernelRoot, { recursive: true, force: true }));
    await execa('dpkg-deb', ['-x', kernelDeb, kernelRoot]);
    await stat(path.join(kernelRoot, 'lib')).catch(() => symlink('usr/lib', path.join(kernelRoot, 'lib')));
    const recipe = await loadRecipe(img.id);
    const measured = await measureFacts({ recipe, kernelRoot, root, release: m.kernelRelease, versions: m.packages });
    const stated = factValues(m.facts);
    t.deepEqual({ ...measured.facts, auditd: stated.auditd }, stated);
    t.true(measured.facts.auditd.startsWith(stated.auditd));
    // a wrong stated fact fails naming its recipe line
    const wrongKmod = stated.kmod + 1;
    const bad = parseRecipe(recipe.text.replace(/^(\s+kmod: \{ value: )\d+/m, `$1${wrongKmod}`), recipe.file);
    const kmodLine = recipe.text.split('\n').findIndex((l) => /^\s+kmod: \{ value:/.test(l)) + 1;
    t.throws(() => checkStatedFacts(bad, measured), { message: new RegExp(`${recipe.file}:${kmodLine}: facts\\.kmod is ${wrongKmod}, but the packages say ${stated.kmod}`) });

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

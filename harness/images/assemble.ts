// The build of one image, once build.ts found no cached one for its key: download the packages, unpack them into a
// merged-/usr root, build the test modules and loaders, configure the guest, check its stated release facts, pack
// the initramfs and write the manifest into `out`. Where the guest's accounts, test modules and loaders are is
// guest-layout.ts's, which the simulator models too. Imported only when a build is needed, so that a cached image
// costs node's start none of this (issue 16: `vm exec` starts a node process per call).
import { chmod, copyFile, lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { downloadDebs, extractDeb, type AptState, type DebArch } from '../debian/apt.js';
import { repoRoot } from '../paths.js';
import { buildLoader, buildTestModules, xzModule } from './compile.js';
import { writeDpkgStatus } from './dpkg-status.js';
import { findMissingLibraries } from './elf-closure.js';
import { guestFixtures, guestLoaders, STOCK_MODULE, TEST_MODULE_NAME, TEST_MODULE_XZ_NAME, testModuleDir } from './guest-layout.js';
import { packInitramfs } from './initramfs.js';
import { installKernelModules, runDepmod } from './kernel-modules.js';
import { MANIFEST_FILE, type ImageManifest } from './manifest.js';
import type { ResolvedImagePackages, ResolvedPackage } from './packages.js';
import type { Recipe } from './recipe.js';
import { configureGuest, createMergedUsrRoot, libraryDirs, unpackDeb } from './rootfs.js';
import { checkStatedFacts, measureFacts } from './release-facts.js';
import { makeClientKey, makeDropbearHostKey } from './ssh-keys.js';
import type { Toolchain } from './toolchain.js';

export interface AssembleInput {
  recipe: Recipe;
  state: AptState;
  resolved: ResolvedImagePackages;
  toolchain: Toolchain | undefined;
  /** The cache key the manifest records. */
  key: string;
  /** The hash of the inputs that need no apt (build.ts sourcesHash), recorded beside the key. */
  sourcesHash: string;
  /** The build's temp dir (removed by the caller). */
  tmp: string;
  /** Where the image's files and manifest go (a new dir inside tmp). */
  out: string;
  signal?: AbortSignal;
  /** build.ts's progress wrapper: reports a step's start and end. */
  step: <T>(name: string, detail: string, fn: () => Promise<T>) => Promise<T>;
  onProgress?: (step: string, detail?: string) => void;
}

export async function assembleImage(input: AssembleInput): Promise<ImageManifest> {
  const { recipe, state, resolved, toolchain, key, sourcesHash, tmp, out, signal, step, onProgress } = input;
  const allPkgs = [...resolved.guest, ...resolved.build];
  const debs = await step('download', `${allPkgs.length} packages`, () =>
    downloadAll(state, allPkgs, signal, (msg) => onProgress?.('download', msg)),
  );
  const root = path.join(tmp, 'root');
  const kernelRoot = path.join(tmp, 'kernel');
  const kbuildRoot = path.join(tmp, 'kbuild');
  await mkdir(out);

  await step('extract', `${resolved.guest.length} packages into a merged-/usr root`, async () => {
    await createMergedUsrRoot(root, recipe.debArch);
    const kernelPkg = resolved.guest[resolved.guest.length - 1];
    for (const p of resolved.guest) {
      signal?.throwIfAborted();
      if (p === kernelPkg) await extractDeb(debs.get(p.name)!, kernelRoot);
      else await unpackDeb(debs.get(p.name)!, root, signal);
    }
    await writeDpkgStatus(root, resolved.guest.map((p) => debs.get(p.name)!), signal);
    // trixie's kernel package has its modules under usr/lib/modules only; depmod -b looks in lib/modules.
    if (!(await lstat(path.join(kernelRoot, 'lib')).then(() => true, () => false))) await symlink('usr/lib', path.join(kernelRoot, 'lib'));
    // The release's own compiler: a hard-linked copy of the cached chroot, the headers unpacked into it.
    if (toolchain) await execa('cp', ['-al', toolchain.dir, kbuildRoot], { cancelSignal: signal });
    for (const p of resolved.build) await extractDeb(debs.get(p.name)!, kbuildRoot);
  });

  const rel = resolved.kernelRelease;
  const modules = await step('build module', `audit_test_mod and audit_test_mod_xz against ${rel} (${toolchain ? `${state.name} toolchain` : 'host gcc'})`, () =>
    buildTestModules(kbuildRoot, rel, recipe.debArch, tmp, { makeVars: recipe.moduleBuild.makeVars, chroot: !!toolchain, signal }),
  );

  const loaders = guestLoaders(recipe.arch);
  await step('build loaders', loaders.loader64 ? 'static 64-bit and 32-bit' : 'static 32-bit', async () => {
    for (const [bits, file] of [[64, loaders.loader64], [32, loaders.loader32]] as const) {
      if (!file) continue;
      await mkdir(path.join(root, path.dirname(file)), { recursive: true });
      await buildLoader(bits, path.join(root, file), signal);
    }
  });

  const keys = await step('keys', 'client key and dropbear host key', async () => {
    const clientPub = await makeClientKey(path.join(out, 'client_key'), `audit-harness@${recipe.id}`);
    const hostKeyFile = path.join(tmp, 'dropbear_ed25519_host_key');
    const hostKeyPub = await makeDropbearHostKey(hostKeyFile);
    await writeFile(path.join(out, 'host_key.pub'), hostKeyPub + '\n');
    return { clientPub, hostKeyFile, hostKeyPub };
  });

  const guest = await step('assemble', 'guest configuration, kernel modules, stated facts, library closure', async () => {
    await configureGuest(root, {
      hostname: recipe.hostname,
      authorizedKey: keys.clientPub,
      hostKeyFile: keys.hostKeyFile,
      drivers: recipe.drivers,
      alternatives: recipe.alternatives,
      initScript: await readFile(path.join(repoRoot, 'vms/guest/init'), 'utf8'),
      poweroffScript: await readFile(path.join(repoRoot, 'vms/guest/poweroff'), 'utf8'),
    });
    const installed = await installKernelModules(kernelRoot, root, rel, [...recipe.drivers, recipe.stockModule]);
    const stockFile = installed.get(recipe.stockModule);
    if (!stockFile) throw new Error(`${recipe.file}: stockModule ${recipe.stockModule} is built into ${rel}, not a module file`);
    const measured = await measureFacts({ recipe, kernelRoot, root, release: rel, versions: Object.fromEntries(allPkgs.map((p) => [p.name, p.version])) });
    checkStatedFacts(recipe, measured);
    const compression = measured.facts.moduleCompression;
    if (compression !== 'none' && compression !== 'xz') {
      throw new Error(`kernel ${rel} ships ${compression} modules; the builder only makes .ko and .ko.xz test modules`);
    }
    const layout = guestFixtures(rel, compression, recipe.arch);
    const shipped = { name: recipe.stockModule, file: `/lib/modules/${rel}/${stockFile}` };
    if (shipped.name !== layout.stockModule.name || shipped.file !== layout.stockModule.file) {
      throw new Error(`${recipe.file}: stockModule ${shipped.name} is ${shipped.file} in ${rel}; the guest layout the simulator models (harness/images/guest-layout.ts) has ${STOCK_MODULE.name} at ${layout.stockModule.file}`);
    }
    // The test module as the kernel package ships its own modules (in the tree's extra/); uncompressed also outside
    // the tree. Through the guest's /lib symlink: merged /usr puts them in usr/lib/modules.
    const extra = path.join(root, testModuleDir(rel));
    await mkdir(extra, { recursive: true });
    await copyFile(modules.plain, path.join(extra, `${TEST_MODULE_NAME}.ko`));
    if (compression === 'xz') await xzModule(path.join(extra, `${TEST_MODULE_NAME}.ko`), signal);
    await mkdir(path.join(root, path.dirname(layout.testModuleKo)), { recursive: true });
    await copyFile(modules.plain, path.join(root, layout.testModuleKo));
    await copyFile(modules.xzSource, path.join(extra, `${TEST_MODULE_XZ_NAME}.ko`));
    await xzModule(path.join(extra, `${TEST_MODULE_XZ_NAME}.ko`), signal);
    for (const file of [layout.testModule, layout.testModuleKo, layout.testModuleXz, layout.stockModule.file, layout.loader32, ...(layout.loader64 ? [layout.loader64] : [])]) {
      if (!(await stat(path.join(root, file)).then((st) => st.isFile(), () => false))) throw new Error(`${recipe.id}: the guest layout's ${file} was not made (harness/images/guest-layout.ts)`);
    }
    await runDepmod(root, rel);
    const missing = await findMissingLibraries(root, libraryDirs(recipe.debArch));
    if (missing.length) {
      throw new Error(
        `${recipe.file}: the guest's shared-library closure is incomplete (add the packages that ship these):\n` +
          missing.map((m) => `  ${m.file} needs ${m.needed}`).join('\n'),
      );
    }
    // What libc-bin's trigger leaves on every Debian system: the dynamic linker's cache, made by the release's own
    // ldconfig (static, so an i386 root's runs here too).
    await execa('chroot', [root, '/sbin/ldconfig'], { cancelSignal: signal });
    await copyFile(path.join(kernelRoot, 'boot', `vmlinuz-${rel}`), path.join(out, 'vmlinuz'));
    return layout;
  });

  await step('initramfs', 'cpio (uncompressed)', () => packInitramfs(root, path.join(out, 'initrd.img'), signal));
  await chmod(path.join(out, 'client_key'), 0o600);

  const manifest: ImageManifest = {
    id: recipe.id,
    arch: recipe.arch,
    distro: recipe.distro,
    qemuBinary: recipe.qemu.binary,
    machine: recipe.qemu.machine,
    cpu: recipe.qemu.cpu,
    memoryMiB: recipe.qemu.memoryMiB,
    append: recipe.append,
    kernelRelease: rel,
    packages: Object.fromEntries(allPkgs.map((p) => [p.name, p.version])),
    key,
    sourcesHash,
    files: { kernel: 'vmlinuz', initrd: 'initrd.img', clientKey: 'client_key', hostKeyPub: 'host_key.pub' },
    guest,
    facts: recipe.facts,
    builtAt: new Date().toISOString(),
  };
  await writeFile(path.join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

async function downloadAll(state: AptState, pkgs: ResolvedPackage[], signal?: AbortSignal, onProgress?: (msg: string) => void): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const arch of ['amd64', 'i386'] as DebArch[]) {
    const group = pkgs.filter((p) => p.fetchArch === arch);
    if (!group.length) continue;
    signal?.throwIfAborted();
    const files = await downloadDebs(Object.fromEntries(group.map((p) => [p.name, p.version])), arch, onProgress, state, signal);
    group.forEach((p, i) => result.set(p.name, files[i]));
  }
  return result;
}

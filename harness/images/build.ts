// ensureImage: resolve exact versions, compute the cache key, and build the image in a temp
// directory that is renamed into place only when complete (an interrupted build leaves nothing).
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { downloadDebs, extractDeb, openAptState, type AptState, type DebArch } from '../debian/apt.js';
import { cacheDir, repoRoot } from '../paths.js';
import { buildLoader, buildTestModules, xzModule } from './compile.js';
import { writeDpkgStatus } from './dpkg-status.js';
import { findMissingLibraries } from './elf-closure.js';
import { packInitramfs } from './initramfs.js';
import { isAlive } from './process-alive.js';
import { checkBuildHost } from './preflight.js';
import { installKernelModules, runDepmod } from './kernel-modules.js';
import type { BuiltImage, ImageManifest } from './manifest.js';
import { resolveImagePackages, type ResolvedImagePackages, type ResolvedPackage } from './packages.js';
import { loadRecipe, type Recipe } from './recipe.js';
import { configureGuest, createMergedUsrRoot, libraryDirs, unpackDeb } from './rootfs.js';
import { checkStatedFacts, measureFacts } from './release-facts.js';
import { makeClientKey, makeDropbearHostKey } from './ssh-keys.js';
import { ensureToolchain, type Toolchain } from './toolchain.js';

export interface EnsureImageOptions {
  /**
   * Called at the start of each step (detail: what it does) and at its end (detail: "done in N s").
   * Steps: apt (the private apt state, updated when its lists are a day old), resolve, toolchain (recipes that build
   * with the release's own compiler), download, extract, build module, build loaders, keys, assemble, initramfs;
   * or 'cached' (detail: the image dir) when nothing needs building, 'waiting' while another
   * process builds the same image.
   */
  onProgress?: (step: string, detail?: string) => void;
  /** Aborting (e.g. on SIGINT) stops the build and removes its temp dir. */
  signal?: AbortSignal;
}

export const GUEST_USER = 'tester';
export const GUEST_UID = 1000;
const MANIFEST = 'manifest.json';

/** Where images live: <cache>/images/<recipe id>/<key>/. */
export function imagesDir(): string {
  return path.join(cacheDir(), 'images');
}

const guestSourcesDirs = ['vms/module', 'vms/loader', 'vms/guest'].map((d) => path.join(repoRoot, d));
const builderDir = path.dirname(fileURLToPath(import.meta.url));

async function hashTree(hash: ReturnType<typeof createHash>, dir: string): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await hashTree(hash, p);
    else if (e.isFile()) hash.update(`${path.relative(repoRoot, p)}\0`).update(await readFile(p)).update('\0');
  }
}

async function cacheKey(recipe: Recipe, pkgs: ResolvedPackage[], toolchain?: Toolchain): Promise<string> {
  const h = createHash('sha256');
  h.update(recipe.text).update('\0');
  for (const p of [...pkgs].sort((a, b) => a.name.localeCompare(b.name))) h.update(`${p.name}=${p.version}:${p.fetchArch}\n`);
  if (toolchain) h.update(`toolchain ${path.basename(toolchain.dir)}\n`);
  for (const d of guestSourcesDirs) await hashTree(h, d);
  h.update(builderCodeHash);
  return h.digest('hex').slice(0, 16);
}

/**
 * The builder's own code (this directory, as compiled) is an input of every image. Hashed once, when this module
 * loads, so that the key describes the code this process runs: hashed per build, a process started before a
 * rebuild of dist/ put an image built by its old code under the new code's key.
 */
const builderCodeHash = (() => {
  const h = createHash('sha256');
  for (const f of readdirSync(builderDir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort()) {
    h.update(f).update(readFileSync(path.join(builderDir, f)));
  }
  return h.digest('hex');
})();

async function readManifest(dir: string): Promise<ImageManifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as ImageManifest;
  } catch {
    return undefined;
  }
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

/** The image for a recipe from the cache, built first if its inputs changed. */
export async function ensureImage(recipeId: string, opts: EnsureImageOptions = {}): Promise<BuiltImage> {
  try {
    return await buildOrReuse(recipeId, opts);
  } catch (err) {
    if (opts.signal?.aborted) throw new Error(`building image ${recipeId} was aborted (nothing was kept)`, { cause: err });
    throw err;
  }
}

async function buildOrReuse(recipeId: string, opts: EnsureImageOptions): Promise<BuiltImage> {
  const { signal } = opts;
  const step = async <T>(name: string, detail: string, fn: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    opts.onProgress?.(name, detail);
    const t0 = Date.now();
    const r = await fn();
    opts.onProgress?.(name, `done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  };

  const recipe = await loadRecipe(recipeId);
  const state = await step('apt', `private apt state for ${recipe.apt.suites.join(', ')}`, () =>
    openAptState(recipe.apt, { signal, onProgress: (msg) => opts.onProgress?.('apt', msg) }),
  );
  const resolved = await step('resolve', `exact versions for ${recipe.id} (${recipe.debArch})`, () => resolveCached(recipe, state));
  const allPkgs = [...resolved.guest, ...resolved.build];
  const toolchain =
    recipe.moduleBuild.toolchain === 'suite'
      ? await step('toolchain', `${recipe.moduleBuild.packages!.join(' ')} from ${state.name}`, () =>
          ensureToolchain(state, recipe.moduleBuild.packages!, { signal, onProgress: (msg) => opts.onProgress?.('toolchain', msg) }),
        )
      : undefined;
  const key = await cacheKey(recipe, allPkgs, toolchain);
  const idDir = path.join(imagesDir(), recipe.id);
  const finalDir = path.join(idDir, key);
  const existing = await readManifest(finalDir);
  if (existing && existing.key === key) {
    opts.onProgress?.('cached', finalDir);
    return { dir: finalDir, manifest: existing };
  }

  await checkBuildHost(recipe.id);
  await mkdir(idDir, { recursive: true });
  // Another process (a parallel test file, the CLI) building the same key: wait for its result
  // instead of building twice on a shared machine.
  for (;;) {
    const others = (await liveBuilds(idDir)).filter((b) => b.key === key && b.pid !== process.pid);
    if (!others.length) break;
    opts.onProgress?.('waiting', `for build of ${recipe.id} by pid ${others[0].pid}`);
    await sleep(1000, undefined, { signal });
    const theirs = await readManifest(finalDir);
    if (theirs?.key === key) return { dir: finalDir, manifest: theirs };
  }
  await removeDeadBuilds(idDir);
  // The pid in the name tells other processes whether this build is still alive.
  const tmp = await mkdtemp(path.join(idDir, `.build-${key}-${process.pid}-`));
  try {
    const debs = await step('download', `${allPkgs.length} packages`, () =>
      downloadAll(state, allPkgs, signal, (msg) => opts.onProgress?.('download', msg)),
    );
    const root = path.join(tmp, 'root');
    const kernelRoot = path.join(tmp, 'kernel');
    const kbuildRoot = path.join(tmp, 'kbuild');
    const out = path.join(tmp, 'image');
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

    const loaders = await step('build loaders', recipe.debArch === 'amd64' ? 'static 64-bit and 32-bit' : 'static 32-bit', async () => {
      const dir = path.join(root, 'usr/local/bin');
      await mkdir(dir, { recursive: true });
      const native = '/usr/local/bin/audit-harness-loader';
      if (recipe.debArch === 'amd64') {
        const compat = '/usr/local/bin/audit-harness-loader32';
        await buildLoader(64, path.join(root, native), signal);
        await buildLoader(32, path.join(root, compat), signal);
        return { loader64: native, loader32: compat };
      }
      await buildLoader(32, path.join(root, native), signal);
      return { loader64: undefined, loader32: native };
    });

    const keys = await step('keys', 'client key and dropbear host key', async () => {
      const clientPub = await makeClientKey(path.join(out, 'client_key'), `audit-harness@${recipe.id}`);
      const hostKeyFile = path.join(tmp, 'dropbear_ed25519_host_key');
      const hostKeyPub = await makeDropbearHostKey(hostKeyFile);
      await writeFile(path.join(out, 'host_key.pub'), hostKeyPub + '\n');
      return { clientPub, hostKeyFile, hostKeyPub };
    });

    const guestModuleXz = `/lib/modules/${rel}/extra/audit_test_mod_xz.ko.xz`;
    const guestModuleKo = '/usr/local/lib/audit-harness/audit_test_mod.ko';
    const assembled = await step('assemble', 'guest configuration, kernel modules, stated facts, library closure', async () => {
      await configureGuest(root, {
        hostname: recipe.hostname,
        user: GUEST_USER,
        uid: GUEST_UID,
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
      // The test module as the kernel package ships its own modules; uncompressed also outside the tree.
      const extra = path.join(root, 'usr/lib/modules', rel, 'extra');
      await mkdir(extra, { recursive: true });
      await copyFile(modules.plain, path.join(extra, 'audit_test_mod.ko'));
      let testModule = `/lib/modules/${rel}/extra/audit_test_mod.ko`;
      if (measured.facts.moduleCompression === 'xz') {
        await xzModule(path.join(extra, 'audit_test_mod.ko'), signal);
        testModule += '.xz';
      } else if (measured.facts.moduleCompression !== 'none') {
        throw new Error(`kernel ${rel} ships ${measured.facts.moduleCompression} modules; the builder only makes .ko and .ko.xz test modules`);
      }
      await mkdir(path.join(root, path.dirname(guestModuleKo)), { recursive: true });
      await copyFile(modules.plain, path.join(root, guestModuleKo));
      await copyFile(modules.xzSource, path.join(extra, 'audit_test_mod_xz.ko'));
      await xzModule(path.join(extra, 'audit_test_mod_xz.ko'), signal);
      await runDepmod(root, rel);
      const missing = await findMissingLibraries(root, libraryDirs(recipe.debArch));
      if (missing.length) {
        throw new Error(
          `${recipe.file}: the guest's shared-library closure is incomplete (add the packages that ship these):\n` +
            missing.map((m) => `  ${m.file} needs ${m.needed}`).join('\n'),
        );
      }
      await copyFile(path.join(kernelRoot, 'boot', `vmlinuz-${rel}`), path.join(out, 'vmlinuz'));
      return { testModule, stockModule: { name: recipe.stockModule, file: `/lib/modules/${rel}/${stockFile}` } };
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
      files: { kernel: 'vmlinuz', initrd: 'initrd.img', clientKey: 'client_key', hostKeyPub: 'host_key.pub' },
      guest: {
        testModule: assembled.testModule,
        testModuleKo: guestModuleKo,
        testModuleXz: guestModuleXz,
        stockModule: assembled.stockModule,
        ...(loaders.loader64 ? { loader64: loaders.loader64 } : {}),
        loader32: loaders.loader32,
        user: GUEST_USER,
      },
      facts: recipe.facts,
      builtAt: new Date().toISOString(),
    };
    await writeFile(path.join(out, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    signal?.throwIfAborted();
    try {
      await rename(out, finalDir);
    } catch (err) {
      // Another process finished the same image first: use theirs.
      const theirs = await readManifest(finalDir);
      if (!theirs) throw err;
      return { dir: finalDir, manifest: theirs };
    }
    await removeOtherBuilds(idDir, key);
    return { dir: finalDir, manifest };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// apt-cache takes ~0.8 s per call here; the answer only changes with the private apt state (sources, pins, when
// its lists were fetched), so it is remembered per recipe text and that state's fingerprint.
async function resolveCached(recipe: Recipe, state: AptState): Promise<ResolvedImagePackages> {
  const idDir = path.join(imagesDir(), recipe.id);
  const hash = createHash('sha256').update(recipe.text).update('\0').update(state.fingerprint).digest('hex').slice(0, 16);
  const file = path.join(idDir, `.resolved-${hash}.json`);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ResolvedImagePackages;
  } catch {
    /* resolve below */
  }
  const resolved = await resolveImagePackages(recipe, state);
  await mkdir(idDir, { recursive: true });
  for (const n of await readdir(idDir)) if (n.startsWith('.resolved-')) await rm(path.join(idDir, n), { force: true });
  await writeFile(`${file}.${process.pid}`, JSON.stringify(resolved));
  await rename(`${file}.${process.pid}`, file);
  return resolved;
}

/** Older keys of the same recipe are stale once a newer one exists. Temp dirs of running builds are left alone. */
async function removeOtherBuilds(idDir: string, key: string): Promise<void> {
  for (const name of await readdir(idDir)) {
    if (name === key || name.startsWith('.')) continue;
    const p = path.join(idDir, name);
    if ((await stat(p)).isDirectory()) await rm(p, { recursive: true, force: true });
  }
}

function buildOwner(name: string): { key: string; pid: number } | undefined {
  const m = /^\.build-([0-9a-f]+)-(\d+)-/.exec(name);
  return m ? { key: m[1], pid: Number(m[2]) } : undefined;
}

async function liveBuilds(idDir: string): Promise<{ key: string; pid: number }[]> {
  const owners = (await readdir(idDir)).map(buildOwner).filter((o) => o !== undefined);
  return owners.filter((o) => isAlive(o.pid));
}

/** Temp dirs left by builds whose process died without cleaning up (SIGKILL, power loss). */
async function removeDeadBuilds(idDir: string): Promise<void> {
  for (const name of await readdir(idDir)) {
    if (!name.startsWith('.build-')) continue;
    const owner = buildOwner(name);
    if (!owner || !isAlive(owner.pid)) await rm(path.join(idDir, name), { recursive: true, force: true });
  }
}

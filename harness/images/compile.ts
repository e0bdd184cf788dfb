// Build steps that run host compilers: the test module (kbuild from Debian's headers packages,
// unpacked into the build dir) and the static loaders.
import { execa } from 'execa';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DebArch } from '../debian/apt.js';
import { repoRoot } from '../paths.js';

export const moduleSourceDir = path.join(repoRoot, 'vms', 'module');
export const loaderSource = path.join(repoRoot, 'vms', 'loader', 'loader.c');

function commandError(what: string, err: unknown): Error {
  const e = err as { stderr?: string; stdout?: string; shortMessage?: string };
  const out = [e.stdout, e.stderr].filter(Boolean).join('\n').split('\n').slice(-30).join('\n');
  return new Error(`${what} failed: ${e.shortMessage ?? String(err)}\n${out}`);
}

export interface ModuleBuildOptions {
  /** Extra make variables (CC=gcc where the headers name a compiler the host lacks, CONFIG_DEBUG_INFO_BTF_MODULES=). */
  makeVars?: Record<string, string>;
  /** kbuildRoot is a chroot tree with the release's own compiler: make runs inside it. */
  chroot?: boolean;
  signal?: AbortSignal;
}

/**
 * Builds audit_test_mod.ko and audit_test_mod_xz.ko against the headers unpacked under `kbuildRoot`
 * (a tree with usr/src/linux-headers-<release> and usr/lib/linux-kbuild-*). Returns the two .ko paths.
 */
export async function buildTestModules(kbuildRoot: string, release: string, arch: DebArch, workDir: string, opts: ModuleBuildOptions = {}): Promise<{ plain: string; xzSource: string }> {
  const headers = path.join(kbuildRoot, 'usr/src', `linux-headers-${release}`);
  const vars = Object.entries(opts.makeVars ?? {}).map(([k, v]) => `${k}=${v}`);
  const karch = `ARCH=${arch === 'amd64' ? 'x86_64' : 'i386'}`;
  let src: string;
  let cmd: string;
  let args: string[];
  if (opts.chroot) {
    // Inside the chroot the headers' absolute /usr/src include is right as it is.
    src = path.join(kbuildRoot, 'build/module');
    await mkdir(path.join(kbuildRoot, 'dev'), { recursive: true });
    await execa('mknod', ['-m', '666', path.join(kbuildRoot, 'dev/null'), 'c', '1', '3']);
    cmd = 'chroot';
    args = [kbuildRoot, 'make', '-C', `/usr/src/linux-headers-${release}`, 'M=/build/module', karch, ...vars, 'modules'];
  } else {
    // The flavour's Makefile includes the -common tree by its absolute /usr/src path: point it here.
    const mk = path.join(headers, 'Makefile');
    const text = await readFile(mk, 'utf8');
    await writeFile(mk, text.replace(/^include \/usr\/src\//m, `include ${path.join(kbuildRoot, 'usr/src')}/`));
    src = path.join(workDir, 'module');
    cmd = 'make';
    args = ['-C', headers, `M=${src}`, karch, ...vars, 'modules'];
  }
  await mkdir(src, { recursive: true });
  await cp(moduleSourceDir, src, { recursive: true });
  try {
    await execa(cmd, args, {
      cancelSignal: opts.signal,
      env: { LC_ALL: 'C', ...(opts.chroot ? { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/tmp' } : {}) },
      extendEnv: !opts.chroot,
    });
  } catch (err) {
    throw commandError(`building the test module against ${release}${opts.chroot ? ' (in the release toolchain chroot)' : ''}`, err);
  }
  return { plain: path.join(src, 'audit_test_mod.ko'), xzSource: path.join(src, 'audit_test_mod_xz.ko') };
}

/** xz as Debian compresses modules (kmod reads it; the kernel could too). */
export async function xzModule(file: string, signal?: AbortSignal): Promise<string> {
  await execa('xz', ['--check=crc32', '--lzma2=dict=1MiB', '-f', file], { cancelSignal: signal });
  return `${file}.xz`;
}

/** Static loader for 64-bit (native on amd64) or 32-bit (-m32, gcc-multilib). */
export async function buildLoader(bits: 32 | 64, out: string, signal?: AbortSignal): Promise<void> {
  try {
    await execa('gcc', [...(bits === 32 ? ['-m32'] : []), '-static', '-O2', '-Wall', '-Werror', '-o', out, loaderSource], { cancelSignal: signal });
  } catch (err) {
    throw commandError(`building the ${bits}-bit loader (gcc${bits === 32 ? ' -m32, needs gcc-multilib' : ''})`, err);
  }
}

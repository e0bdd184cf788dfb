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

/**
 * Builds audit_test_mod.ko and audit_test_mod_xz.ko against the headers unpacked under `kbuildRoot`
 * (a tree with usr/src/linux-headers-<release> and usr/lib/linux-kbuild-*). Returns the two .ko paths.
 */
export async function buildTestModules(kbuildRoot: string, release: string, arch: DebArch, workDir: string, signal?: AbortSignal): Promise<{ plain: string; xzSource: string }> {
  const headers = path.join(kbuildRoot, 'usr/src', `linux-headers-${release}`);
  // The flavour's Makefile includes the -common tree by its absolute /usr/src path: point it here.
  const mk = path.join(headers, 'Makefile');
  const text = await readFile(mk, 'utf8');
  await writeFile(mk, text.replace(/^include \/usr\/src\//m, `include ${path.join(kbuildRoot, 'usr/src')}/`));
  const src = path.join(workDir, 'module');
  await mkdir(src, { recursive: true });
  await cp(moduleSourceDir, src, { recursive: true });
  try {
    await execa('make', ['-C', headers, `M=${src}`, `ARCH=${arch === 'amd64' ? 'x86_64' : 'i386'}`, 'modules'], {
      cancelSignal: signal,
      env: { LC_ALL: 'C' },
    });
  } catch (err) {
    throw commandError(`building the test module against ${release}`, err);
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

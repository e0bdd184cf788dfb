// Debian packages without root filesystem tools: resolve exact versions with apt-cache,
// fetch with `apt-get download` into a shared cache, unpack with `dpkg-deb -x`.
import { execa } from 'execa';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from '../paths.js';

export type DebArch = 'amd64' | 'i386';

/** `name` or `name:arch` -> candidate version, from `apt-cache policy`. Throws naming the packages apt does not know. */
export async function candidateVersions(names: readonly string[], arch: DebArch): Promise<Record<string, string>> {
  const qualified = names.map((n) => (n.includes(':') ? n : `${n}:${arch}`));
  const { stdout } = await execa('apt-cache', ['policy', ...qualified], { env: { LC_ALL: 'C' } });
  const result: Record<string, string> = {};
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      current = head[1];
      continue;
    }
    const cand = /^\s+Candidate:\s+(\S+)/.exec(line);
    if (cand && current && cand[1] !== '(none)') result[current.replace(/:(amd64|i386)$/, '')] = cand[1];
  }
  const missing = names.map((n) => n.replace(/:(amd64|i386)$/, '')).filter((n) => !result[n]);
  if (missing.length) {
    throw new Error(`apt has no candidate for ${missing.join(', ')} (${arch}); run scripts/setup.sh (apt-get update, dpkg --add-architecture i386)`);
  }
  return result;
}

function debFileName(name: string, version: string, arch: string): string {
  // apt-get download names files with the epoch's colon encoded as %3a
  return `${name}_${version.replace(/:/g, '%3a')}_${arch}.deb`;
}

/**
 * Download exact versions into the shared deb cache; returns absolute .deb paths in input order.
 * Files are downloaded into a temp directory and renamed into place, so an interrupted
 * download never leaves a partial .deb in the cache.
 */
export async function downloadDebs(pkgs: Record<string, string>, arch: DebArch, onProgress?: (msg: string) => void): Promise<string[]> {
  const dir = path.join(cacheDir(), 'debs');
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const wanted: string[] = [];
  for (const [name, version] of Object.entries(pkgs)) {
    // Arch: all packages are named _all.deb; find whichever exists after download.
    const candidates = [debFileName(name, version, arch), debFileName(name, version, 'all')];
    let found: string | undefined;
    for (const c of candidates) {
      if (await exists(path.join(dir, c))) found = path.join(dir, c);
    }
    if (found) paths.push(found);
    else {
      paths.push('');
      wanted.push(`${name}:${arch}=${version}`);
    }
  }
  if (wanted.length) {
    onProgress?.(`apt-get download ${wanted.length} package(s)`);
    const tmp = path.join(dir, `.partial-${process.pid}-${Date.now()}`);
    await mkdir(tmp, { recursive: true });
    try {
      await execa('apt-get', ['download', '-q', ...wanted], { cwd: tmp, env: { LC_ALL: 'C' } });
      for (const f of await readdir(tmp)) await rename(path.join(tmp, f), path.join(dir, f));
    } catch (err) {
      throw new Error(`apt-get download failed for ${wanted.join(' ')}: ${(err as { stderr?: string }).stderr ?? String(err)}`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    const names = Object.keys(pkgs);
    for (let i = 0; i < names.length; i++) {
      if (paths[i]) continue;
      const version = pkgs[names[i]];
      const candidates = [debFileName(names[i], version, arch), debFileName(names[i], version, 'all')];
      for (const c of candidates) if (await exists(path.join(dir, c))) paths[i] = path.join(dir, c);
      if (!paths[i]) throw new Error(`apt-get download gave no file for ${names[i]} ${version} (${arch})`);
    }
  }
  return paths;
}

export async function extractDeb(deb: string, destRoot: string): Promise<void> {
  await mkdir(destRoot, { recursive: true });
  await execa('dpkg-deb', ['-x', deb, destRoot]);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

// Every dynamically linked ELF in the guest root must find its interpreter and each DT_NEEDED
// library inside the root (RUNPATH/RPATH with $ORIGIN, then the arch's library dirs).
import { execa } from 'execa';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

export interface MissingLibrary {
  /** Path inside the guest, e.g. /usr/sbin/auditd. */
  file: string;
  needed: string;
}

/** Resolve a guest path (following symlinks, absolute ones relative to root); host path or undefined. */
export async function resolveInRoot(root: string, guestPath: string, depth = 0): Promise<string | undefined> {
  if (depth > 40) return undefined;
  const parts = guestPath.split('/').filter(Boolean);
  let cur = '/';
  for (let i = 0; i < parts.length; i++) {
    const next = path.posix.join(cur, parts[i]);
    let st;
    try {
      st = await lstat(path.join(root, next));
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      const target = await readlink(path.join(root, next));
      const joined = path.posix.resolve(cur, target, ...parts.slice(i + 1));
      return resolveInRoot(root, joined, depth + 1);
    }
    cur = next;
  }
  return path.join(root, cur);
}

async function* walk(root: string, rel = '/'): AsyncGenerator<string> {
  for (const ent of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const p = path.posix.join(rel, ent.name);
    if (ent.isDirectory()) yield* walk(root, p);
    else if (ent.isFile()) yield p;
  }
}

async function isElf(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf.toString('latin1') === '\x7fELF';
  } finally {
    await fh.close();
  }
}

interface ElfInfo {
  type: string;
  interp?: string;
  needed: string[];
  runpath: string[];
}

async function readElfInfo(file: string): Promise<ElfInfo> {
  const { stdout } = await execa('readelf', ['-h', '-l', '-d', '-W', file], { env: { LC_ALL: 'C' }, reject: false });
  const info: ElfInfo = { type: /^\s+Type:\s+(\S+)/m.exec(stdout)?.[1] ?? '?', needed: [], runpath: [] };
  info.interp = /\[Requesting program interpreter: ([^\]]+)\]/.exec(stdout)?.[1];
  for (const m of stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)) info.needed.push(m[1]);
  for (const m of stdout.matchAll(/\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^\]]+)\]/g)) info.runpath.push(...m[1].split(':'));
  return info;
}

/** Lists every unresolved interpreter or DT_NEEDED entry of the ELF files under root. */
export async function findMissingLibraries(root: string, libDirs: string[]): Promise<MissingLibrary[]> {
  const missing: MissingLibrary[] = [];
  const files: string[] = [];
  for await (const f of walk(root)) {
    if (f.endsWith('.ko') || f.startsWith('/usr/lib/modules/')) continue;
    if (await isElf(path.join(root, f))) files.push(f);
  }
  // readelf per file keeps parsing trivial; run a few at once.
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const info = await readElfInfo(path.join(root, f));
      if (info.type === 'REL') continue;
      if (info.interp && !(await resolveInRoot(root, info.interp))) missing.push({ file: f, needed: info.interp });
      const dirs = [...info.runpath.map((d) => d.replace(/\$\{?ORIGIN\}?/g, path.posix.dirname(f))), ...libDirs];
      for (const lib of info.needed) {
        let found = false;
        for (const d of dirs) if (await resolveInRoot(root, path.posix.join(d, lib))) { found = true; break; }
        if (!found) missing.push({ file: f, needed: lib });
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return missing.sort((a, b) => a.file.localeCompare(b.file) || a.needed.localeCompare(b.needed));
}

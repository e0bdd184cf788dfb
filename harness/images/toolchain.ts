// A release's own compiler for kernels whose kbuild passes flags the host's gcc refuses (trixie's 6.12 wants
// gcc-14): a chroot tree unpacked from that release's packages, resolved with `apt-get -s install` against the
// recipe's private apt state. Cached in <cache>/toolchains/<state>-<key>/, built in a temp dir renamed into place
// when complete, so an interrupted build leaves nothing that passes as a toolchain.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { downloadDebs, runApt, type AptState } from '../debian/apt.js';
import { cacheDir } from '../paths.js';
import { isAlive } from './process-alive.js';

const COMPLETE = '.audit-harness-toolchain';

export interface Toolchain {
  /** The chroot tree (read-only: builds work on a hard-linked copy). */
  dir: string;
  /** Exact versions that went in. */
  packages: Record<string, string>;
}

/** `apt-get -s install` on an empty dpkg status: every package the named ones need, with exact versions. */
async function resolveToolchain(state: AptState, names: string[], signal?: AbortSignal): Promise<Record<string, string>> {
  const out = await runApt(state, 'apt-get', ['-s', '-q', 'install', '--no-install-recommends', ...names.map((n) => `${n}:amd64`)], { signal });
  const pkgs: Record<string, string> = {};
  for (const m of out.matchAll(/^Inst (\S+?)(?::amd64)? (?:\[[^\]]*\] )?\((\S+) /gm)) pkgs[m[1]] = m[2];
  if (!Object.keys(pkgs).length) throw new Error(`apt-get -s install ${names.join(' ')} (apt state ${state.name}) installed nothing:\n${out.slice(-2000)}`);
  return pkgs;
}

export async function ensureToolchain(
  state: AptState,
  names: string[],
  opts: { onProgress?: (msg: string) => void; signal?: AbortSignal } = {},
): Promise<Toolchain> {
  const base = path.join(cacheDir(), 'toolchains');
  await mkdir(base, { recursive: true });
  // apt-get -s takes seconds; its answer only changes with the apt state.
  const resolvedFile = path.join(base, `.resolved-${createHash('sha256').update(`${state.fingerprint}\0${names.join(' ')}`).digest('hex').slice(0, 16)}.json`);
  let packages = await readFile(resolvedFile, 'utf8').then((t) => JSON.parse(t) as Record<string, string>, () => undefined);
  if (!packages) {
    packages = await resolveToolchain(state, names, opts.signal);
    await writeFile(`${resolvedFile}.${process.pid}`, JSON.stringify(packages));
    await rename(`${resolvedFile}.${process.pid}`, resolvedFile);
  }
  const key = createHash('sha256')
    .update(Object.entries(packages).sort().map(([n, v]) => `${n}=${v}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(base, `${state.name}-${key}`);
  if (await stat(path.join(dir, COMPLETE)).then(() => true, () => false)) return { dir, packages };
  for (const n of await readdir(base)) {
    const m = /^\.build-.*-(\d+)-\w+$/.exec(n);
    if (m && !isAlive(Number(m[1]))) await rm(path.join(base, n), { recursive: true, force: true });
  }
  const tmp = await mkdtemp(path.join(base, `.build-${state.name}-${key}-${process.pid}-`));
  try {
    opts.onProgress?.(`toolchain: ${Object.keys(packages).length} packages of ${state.name}`);
    const debs = await downloadDebs(packages, 'amd64', opts.onProgress, state, opts.signal);
    // Imported here: a cached toolchain (every image lookup of its recipe) needs none of the unpacking code.
    const { createMergedUsrRoot, unpackDeb } = await import('./rootfs.js');
    await createMergedUsrRoot(tmp, 'amd64');
    for (const d of debs) {
      opts.signal?.throwIfAborted();
      await unpackDeb(d, tmp, opts.signal);
    }
    // What maintainer scripts would have made: awk (update-alternatives) and /bin/sh (dash).
    const link = async (target: string, at: string) => {
      if (!(await stat(path.join(tmp, at)).then(() => true, () => false))) await symlink(target, path.join(tmp, at));
    };
    await link('mawk', 'usr/bin/awk');
    await link('dash', 'usr/bin/sh');
    for (const d of ['tmp', 'dev', 'build']) await mkdir(path.join(tmp, d), { recursive: true });
    await writeFile(path.join(tmp, COMPLETE), JSON.stringify(packages, null, 1) + '\n');
    opts.signal?.throwIfAborted();
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another process finished the same toolchain first.
      if (!(await stat(path.join(dir, COMPLETE)).then(() => true, () => false))) throw err;
    }
    return { dir, packages };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

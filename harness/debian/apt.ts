// Debian packages without root filesystem tools and without the host's apt: every query runs against an apt
// state private to the cache (<cache>/apt/<name>/, its own apt.conf through APT_CONFIG, sources, pins, lists,
// keyring and an empty dpkg status), so any Debian release can be resolved on any host and the host's apt
// configuration is only ever read (for its mirror URIs). Packages are fetched with `apt-get download` into a
// shared cache and unpacked with `dpkg-deb -x`.
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, readlink, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from '../paths.js';
import { isAlive } from '../images/process-alive.js';

// execa is imported where a command runs: opening an up-to-date state runs none, and its import is a fifth of node's
// start for `vm exec` (issue 16).
const execaModule = () => import('execa');

export type DebArch = 'amd64' | 'i386';

/** A pin in the private state's preferences (apt_preferences(5)). */
export interface AptPin {
  /** Package names or globs, space-separated, e.g. "linux-image-* linux-headers-*". */
  packages: string;
  /** Pin line, e.g. "release n=bookworm-backports". */
  pin: string;
  priority: number;
}

/** What a private apt state is made of: the suites it reads (main component) and its pins. */
export interface AptSuites {
  suites: string[];
  pins?: AptPin[];
}

/** The Debian 12 suites: the default state (reference tools). */
export const BOOKWORM: AptSuites = { suites: ['bookworm', 'bookworm-updates', 'bookworm-security'] };

export interface AptState {
  name: string;
  dir: string;
  /** Environment that makes apt read only this state. */
  env: Record<string, string>;
  /** Identifies the state's content: sources, pins and when its lists were fetched (for caches keyed by it). */
  fingerprint: string;
}

export interface AptStateOptions {
  onProgress?: (msg: string) => void;
  signal?: AbortSignal;
  /** Refresh lists older than this (default one day). */
  maxAgeMs?: number;
}

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const UPDATED_STAMP = 'audit-harness-updated';
const DAY_MS = 24 * 3600 * 1000;

/** Mirror URIs (debian and debian-security) from the host's apt sources, read only; env overrides them. */
export async function debianMirrors(): Promise<{ debian: string; security: string }> {
  const found: { debian?: string; security?: string } = {};
  const entries: { uris: string[]; suites: string[] }[] = [];
  const dir = '/etc/apt/sources.list.d';
  for (const n of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.sources')).sort()) {
    const text = await readFile(path.join(dir, n), 'utf8').catch(() => '');
    for (const para of text.split(/\n\s*\n/)) {
      const field = (f: string) => new RegExp(`^${f}:\\s*(.*)$`, 'mi').exec(para)?.[1]?.trim().split(/\s+/) ?? [];
      if (!field('Types').includes('deb') || /^Enabled:\s*no/im.test(para)) continue;
      entries.push({ uris: field('URIs'), suites: field('Suites') });
    }
  }
  for (const f of ['/etc/apt/sources.list', ...(await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.list')).map((n) => path.join(dir, n))]) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (m) entries.push({ uris: [m[1]], suites: [m[2]] });
    }
  }
  // Debian's own entries only (a third-party repository's suite is not a Debian suite name).
  const debianSuite = /^(buster|bullseye|bookworm|trixie|forky|sid|oldoldstable|oldstable|stable|testing|unstable)(-updates|-backports|-security|\/updates)?$/;
  for (const e of entries) {
    const uri = e.uris[0];
    if (!uri || !e.suites.some((s) => debianSuite.test(s))) continue;
    if (e.suites.some((s) => /-security$|\/updates$/.test(s))) found.security ??= uri;
    else found.debian ??= uri;
  }
  const debian = process.env.AUDIT_HARNESS_DEBIAN_MIRROR || found.debian;
  const security = process.env.AUDIT_HARNESS_DEBIAN_SECURITY_MIRROR || found.security;
  if (!debian || !security) {
    throw new Error(
      `no Debian mirror found in the host's /etc/apt/sources.list.d/*.sources or sources.list (${!debian ? 'debian' : 'debian-security'}); ` +
        'set AUDIT_HARNESS_DEBIAN_MIRROR and AUDIT_HARNESS_DEBIAN_SECURITY_MIRROR',
    );
  }
  return { debian: debian.replace(/\/+$/, ''), security: security.replace(/\/+$/, '') };
}

function stateName(s: AptSuites): string {
  const pins = s.pins?.length ? `-pin${createHash('sha256').update(JSON.stringify(s.pins)).digest('hex').slice(0, 8)}` : '';
  return `${s.suites.join('+')}${pins}`;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Writes a file through a temp name and rename, and only when its content differs (mtimes stay meaningful). */
async function writeIfChanged(file: string, text: string): Promise<void> {
  if ((await readFile(file, 'utf8').catch(() => undefined)) === text) return;
  // A name of its own per write: two opens of one state in this process (two targets booting at once) write too.
  const tmp = `${file}.${process.pid}.${randomUUID()}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/**
 * The private apt state for a set of suites: created on first use, its lists fetched when missing or older than a
 * day. Lists are fetched into a new directory and switched to by renaming a symlink, so an interrupted update
 * leaves the previous complete lists (or none) and never a half-written set.
 */
export async function openAptState(suites: AptSuites, opts: AptStateOptions = {}): Promise<AptState> {
  // Callers in this process that open the same state at once (targets booting in parallel) share one open/update.
  const key = `${cacheDir()}\n${stateName(suites)}\n${opts.maxAgeMs ?? DAY_MS}`;
  const pending = opening.get(key);
  if (pending) return pending;
  const p = openAptStateOnce(suites, opts).finally(() => opening.delete(key));
  opening.set(key, p);
  return p;
}

const opening = new Map<string, Promise<AptState>>();

async function openAptStateOnce(suites: AptSuites, opts: AptStateOptions): Promise<AptState> {
  const name = stateName(suites);
  const dir = path.join(cacheDir(), 'apt', name);
  const etc = path.join(dir, 'etc');
  for (const d of ['etc/apt.conf.d', 'etc/sources.list.d', 'etc/preferences.d', 'etc/trusted.gpg.d', 'cache/archives/partial']) {
    await mkdir(path.join(dir, d), { recursive: true });
  }
  if (!(await exists(path.join(dir, 'status')))) await writeFile(path.join(dir, 'status'), '');
  const keyring = path.join(etc, 'debian-archive-keyring.gpg');
  const hostKeyring = await readFile(KEYRING).catch(() => {
    throw new Error(`${KEYRING} is missing (package debian-archive-keyring); the private apt state needs Debian's archive keys`);
  });
  if (!(await readFile(keyring).catch(() => Buffer.alloc(0))).equals(hostKeyring)) {
    await copyFile(KEYRING, `${keyring}.${process.pid}`);
    await rename(`${keyring}.${process.pid}`, keyring);
  }
  const mirrors = await debianMirrors();
  const sources = suites.suites
    .map((s) => `deb [signed-by=${keyring}] ${/-security$/.test(s) ? mirrors.security : mirrors.debian} ${s} main\n`)
    .join('');
  await writeIfChanged(path.join(etc, 'sources.list'), sources);
  const prefs = (suites.pins ?? []).map((p) => `Package: ${p.packages}\nPin: ${p.pin}\nPin-Priority: ${p.priority}\n`).join('\n');
  await writeIfChanged(path.join(etc, 'preferences'), prefs);
  const q = (v: string) => JSON.stringify(v);
  const conf = [
    `Dir::State ${q(dir)};`,
    `Dir::State::Lists ${q(path.join(dir, 'lists'))};`,
    `Dir::State::status ${q(path.join(dir, 'status'))};`,
    `Dir::Cache ${q(path.join(dir, 'cache'))};`,
    // No binary package cache on disk: several processes (parallel test files) read one state at once, and one
    // rebuilding pkgcache.bin while another reads it fails with "The package cache file is corrupted / out of sync".
    'Dir::Cache::pkgcache "";',
    'Dir::Cache::srcpkgcache "";',
    `Dir::Etc ${q(etc)};`,
    `Dir::Etc::Parts ${q(path.join(etc, 'apt.conf.d'))};`,
    `Dir::Etc::sourcelist "sources.list";`,
    `Dir::Etc::sourceparts ${q(path.join(etc, 'sources.list.d'))};`,
    `Dir::Etc::preferences "preferences";`,
    `Dir::Etc::preferencesparts ${q(path.join(etc, 'preferences.d'))};`,
    `Dir::Etc::trustedparts ${q(path.join(etc, 'trusted.gpg.d'))};`,
    `Dir::Log ${q(path.join(dir, 'log'))};`,
    'APT::Architecture "amd64";',
    'APT::Architectures { "amd64"; "i386"; };',
    'Acquire::Languages "none";',
    // The cache lives under root's home, which apt's _apt download user cannot enter.
    'APT::Sandbox::User "root";',
    '',
  ].join('\n');
  const confFile = path.join(dir, 'apt.conf');
  await writeIfChanged(confFile, conf);
  const env = { APT_CONFIG: confFile, LC_ALL: 'C' };
  const sourcesHash = createHash('sha256').update(sources).digest('hex').slice(0, 16);

  const lists = path.join(dir, 'lists');
  const stampOf = async () => readFile(path.join(lists, UPDATED_STAMP), 'utf8').catch(() => undefined);
  let stamp = await stampOf();
  const fresh = (s: string | undefined) => {
    if (!s) return false;
    const [when, hash] = s.trim().split(' ');
    return hash === sourcesHash && Date.now() - Date.parse(when) < (opts.maxAgeMs ?? DAY_MS);
  };
  if (!fresh(stamp)) {
    await updateLists(dir, env, sourcesHash, name, opts);
    stamp = await stampOf();
  }
  const fingerprint = createHash('sha256').update(`${name}\0${sources}\0${prefs}\0${stamp}`).digest('hex').slice(0, 16);
  return { name, dir, env, fingerprint };
}

async function updateLists(dir: string, env: Record<string, string>, sourcesHash: string, name: string, opts: AptStateOptions): Promise<void> {
  // Directories of updates whose process died.
  for (const n of await readdir(dir)) {
    const m = /^\.lists-new-(\d+)-/.exec(n);
    if (m && !isAlive(Number(m[1]))) await rm(path.join(dir, n), { recursive: true, force: true });
  }
  const stampName = `${Date.now()}`;
  const tmp = path.join(dir, `.lists-new-${process.pid}-${stampName}`);
  await mkdir(path.join(tmp, 'partial'), { recursive: true });
  const current = await readlink(path.join(dir, 'lists')).catch(() => undefined);
  opts.onProgress?.(`apt-get update (${name})`);
  try {
    const { execa } = await execaModule();
    const proc = execa('apt-get', ['update', '-o', `Dir::State::Lists=${tmp}`], { env, cancelSignal: opts.signal, all: true });
    let buffered = '';
    proc.all?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) if (/^(Get|Hit|Ign|Err|E|W):/.test(l)) opts.onProgress?.(l.trim());
    });
    const r = await proc;
    const failures = r.all?.split('\n').filter((l) => /^(Err:|E:|W: Failed to fetch|W: Some index files)/.test(l)) ?? [];
    if (failures.length) throw Object.assign(new Error('index files failed'), { stderr: failures.join('\n') });
    await writeFile(path.join(tmp, UPDATED_STAMP), `${new Date().toISOString()} ${sourcesHash}\n`);
    const final = path.join(dir, `lists-${stampName}`);
    await rename(tmp, final);
    // Switch atomically: a new symlink renamed over the old one.
    const link = path.join(dir, `.lists-link-${process.pid}`);
    await rm(link, { force: true });
    await symlink(path.basename(final), link);
    await rename(link, path.join(dir, 'lists'));
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    const e = err as { stderr?: string; all?: string; message?: string };
    throw new Error(`apt-get update of the private apt state ${dir} failed:\n${(e.stderr || e.all || e.message || String(err)).split('\n').slice(-15).join('\n')}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  // Older lists nobody points to any more (not ones a concurrent update made in the last minutes and is about to link).
  for (const n of await readdir(dir)) {
    const made = Number(/^lists-(\d+)$/.exec(n)?.[1]);
    if (made && made < Date.now() - 10 * 60_000 && n !== (await readlink(path.join(dir, 'lists')).catch(() => '')) && n !== current) {
      await rm(path.join(dir, n), { recursive: true, force: true });
    }
  }
}

let defaultState: Promise<AptState> | undefined;
function stateOr(state?: AptState): Promise<AptState> {
  if (state) return Promise.resolve(state);
  defaultState ??= openAptState(BOOKWORM);
  return defaultState;
}

/** Runs an apt command (apt-cache, apt-get) against a private state; errors carry apt's stderr. */
export async function runApt(state: AptState, cmd: 'apt-cache' | 'apt-get', args: string[], opts: { cwd?: string; signal?: AbortSignal } = {}): Promise<string> {
  // The lists this command reads, fixed at its start: another process's update switches the `lists` link to a new
  // complete set, and apt reading some files through the old link and some through the new one fails with
  // "Cache is out of sync, can't x-ref a package file". Old sets stay for minutes after a switch.
  const lists = await realpath(path.join(state.dir, 'lists')).catch(() => undefined);
  const pinned = lists ? ['-o', `Dir::State::Lists=${lists}/`] : [];
  const { execa } = await execaModule();
  try {
    const { stdout } = await execa(cmd, [...pinned, ...args], { env: state.env, cwd: opts.cwd, cancelSignal: opts.signal });
    return stdout;
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new Error(`${cmd} ${args.join(' ')} (apt state ${state.name}) failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
}

/** `name` or `name:arch` -> candidate version, from `apt-cache policy`. Throws naming the packages apt does not know. */
export async function candidateVersions(names: readonly string[], arch: DebArch, state?: AptState): Promise<Record<string, string>> {
  const st = await stateOr(state);
  const qualified = names.map((n) => (n.includes(':') ? n : `${n}:${arch}`));
  const stdout = await runApt(st, 'apt-cache', ['policy', ...qualified]);
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
  if (missing.length) throw new Error(`apt state ${st.name} has no candidate for ${missing.join(', ')} (${arch})`);
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
export async function downloadDebs(
  pkgs: Record<string, string>,
  arch: DebArch,
  onProgress?: (msg: string) => void,
  state?: AptState,
  signal?: AbortSignal,
): Promise<string[]> {
  const dir = path.join(cacheDir(), 'debs');
  await mkdir(dir, { recursive: true });
  const find = async (name: string, version: string) => {
    for (const c of [debFileName(name, version, arch), debFileName(name, version, 'all')]) if (await exists(path.join(dir, c))) return path.join(dir, c);
    return undefined;
  };
  const entries = Object.entries(pkgs);
  const paths: (string | undefined)[] = [];
  for (const [name, version] of entries) paths.push(await find(name, version));
  const wanted = entries.filter((_, i) => !paths[i]).map(([name, version]) => `${name}:${arch}=${version}`);
  if (wanted.length) {
    const st = await stateOr(state);
    onProgress?.(`apt-get download ${wanted.length} package(s) (${arch})`);
    const tmp = path.join(dir, `.partial-${process.pid}-${Date.now()}`);
    await mkdir(tmp, { recursive: true });
    try {
      await runApt(st, 'apt-get', ['download', '-q', ...wanted], { cwd: tmp, signal });
      for (const f of await readdir(tmp)) await rename(path.join(tmp, f), path.join(dir, f));
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    for (let i = 0; i < entries.length; i++) {
      paths[i] ??= await find(entries[i][0], entries[i][1]);
      if (!paths[i]) throw new Error(`apt-get download gave no file for ${entries[i][0]} ${entries[i][1]} (${arch})`);
    }
  }
  return paths as string[];
}

export async function extractDeb(deb: string, destRoot: string): Promise<void> {
  await mkdir(destRoot, { recursive: true });
  const { execa } = await execaModule();
  await execa('dpkg-deb', ['-x', deb, destRoot]);
}

/** Extracts `debs` into `dir` through a temp sibling renamed into place only when complete (an interrupted run leaves no half tree). */
export async function extractDebsInto(dir: string, debs: readonly string[]): Promise<void> {
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    for (const d of debs) await extractDeb(d, tmp);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

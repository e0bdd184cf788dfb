// ensureImage: resolve exact versions, compute the cache key, and build the image in a temp
// directory that is renamed into place only when complete (an interrupted build leaves nothing). The build itself
// is assemble.ts, loaded only when there is one to do.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openAptState, type AptState } from '../debian/apt.js';
import { cacheDir, repoRoot } from '../paths.js';
import { isAlive } from './process-alive.js';
import { checkBuildHost } from './preflight.js';
import { MANIFEST_FILE, type BuiltImage, type ImageManifest } from './manifest.js';
import { resolveImagePackages, type ResolvedImagePackages, type ResolvedPackage } from './packages.js';
import type { Recipe } from './recipe.js';
import { recipeFile } from './recipe-file.js';
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

/**
 * The hash of an image's inputs that need no apt: the recipe's text (comments included), every file of vms/module,
 * vms/loader and vms/guest, and the builder's code. The cache key is it plus the exact package versions; the
 * manifest records it alone, so that `targets` tells a cached image the next run would rebuild without resolving
 * packages.
 */
export async function sourcesHash(recipeText: string): Promise<string> {
  const h = createHash('sha256');
  h.update(recipeText).update('\0');
  for (const d of guestSourcesDirs) await hashTree(h, d);
  h.update(builderCodeHash);
  return h.digest('hex');
}

function cacheKey(sources: string, pkgs: ResolvedPackage[], toolchain?: Toolchain): string {
  const h = createHash('sha256');
  h.update(sources).update('\0');
  for (const p of [...pkgs].sort((a, b) => a.name.localeCompare(b.name))) h.update(`${p.name}=${p.version}:${p.fetchArch}\n`);
  if (toolchain) h.update(`toolchain ${path.basename(toolchain.dir)}\n`);
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

/**
 * The recipe, parsed once per text (and per parser code) into <images>/<id>/.recipe-<hash>.json: parsing imports yaml
 * and zod, 96 of the 140 modules `vm exec qemu:…` would load, which a cached image needs for nothing else.
 */
async function recipeOf(id: string): Promise<Recipe> {
  const file = recipeFile(id);
  const text = file === undefined ? undefined : await readFile(file, 'utf8').catch(() => undefined);
  const memo = file === undefined || text === undefined ? undefined
    : path.join(imagesDir(), id, `.recipe-${createHash('sha256').update(file).update('\0').update(text).update('\0').update(recipeParserHash).digest('hex').slice(0, 16)}.json`);
  if (memo) {
    try {
      return JSON.parse(await readFile(memo, 'utf8')) as Recipe;
    } catch {
      /* parse below */
    }
  }
  // Errors (unknown id, bad YAML, a field wrong) come from here, naming the file and line.
  const recipe = await (await import('./recipe.js')).loadRecipe(id);
  if (memo && recipe.text === text) {
    // Only a memo: parallel processes may write the same one, and none may fail for it.
    const dir = path.dirname(memo);
    const tmp = `${memo}.${process.pid}`;
    try {
      await mkdir(dir, { recursive: true });
      for (const n of await readdir(dir)) {
        if (/^\.recipe-[0-9a-f]{16}\.json$/.test(n) && n !== path.basename(memo)) await rm(path.join(dir, n), { force: true });
      }
      await writeFile(tmp, JSON.stringify(recipe));
      await rename(tmp, memo);
    } catch {
      await rm(tmp, { force: true });
    }
  }
  return recipe;
}

/** The parser's code: this directory (recipe.js among it) and the facts vocabulary it validates against. */
const recipeParserHash = createHash('sha256')
  .update(builderCodeHash)
  .update(readFileSync(fileURLToPath(new URL('../releases/facts.js', import.meta.url))))
  .digest('hex');

async function readManifest(dir: string): Promise<ImageManifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as ImageManifest;
  } catch {
    return undefined;
  }
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

  const recipe = await recipeOf(recipeId);
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
  const sources = await sourcesHash(recipe.text);
  const key = cacheKey(sources, allPkgs, toolchain);
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
    const out = path.join(tmp, 'image');
    const { assembleImage } = await import('./assemble.js');
    const manifest = await assembleImage({ recipe, state, resolved, toolchain, key, sourcesHash: sources, tmp, out, signal, step, onProgress: opts.onProgress });
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

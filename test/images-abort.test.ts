// An aborted build leaves no temp dir and no image behind. Runs in its own cache (ava gives each
// file its own process, so setting AUDIT_HARNESS_CACHE here touches no other test); the .deb
// cache is shared by symlink so nothing is downloaded twice.
import test from 'ava';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { cacheDir } from '../harness/paths.js';

const sharedDebs = path.join(cacheDir(), 'debs');

/** A cache of the test's own (AUDIT_HARNESS_CACHE) sharing the .deb cache. */
async function privateCache(t: ExecutionContext): Promise<string> {
  await mkdir(sharedDebs, { recursive: true });
  const cache = await mkdtemp(path.join(os.tmpdir(), 'audit-harness-cache-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  await symlink(sharedDebs, path.join(cache, 'debs'));
  process.env.AUDIT_HARNESS_CACHE = cache;
  return cache;
}

test.serial('aborting ensureImage mid-build removes its temp dir and leaves no image', async (t) => {
  const cache = await privateCache(t);
  const { ensureImage } = await import('../harness/images/index.js');

  const ac = new AbortController();
  const steps: string[] = [];
  await t.throwsAsync(
    ensureImage('debian12-amd64', {
      signal: ac.signal,
      onProgress: (step, detail) => {
        steps.push(step);
        if (step === 'extract' && !detail?.startsWith('done')) ac.abort();
      },
    }),
    { message: /^building image debian12-amd64 was aborted/ },
  );
  t.true(steps.includes('extract'));
  t.false(steps.includes('initramfs'));
  // The recipe's parse and the apt resolution are memos written whole before the build starts: they may stay.
  const left = (await readdir(path.join(cache, 'images', 'debian12-amd64'))).filter((n) => !/^\.(resolved|recipe)-[0-9a-f]+\.json$/.test(n));
  t.deepEqual(left, []);
});

test.serial('aborting while the release toolchain is made leaves no toolchain and no temp dir', async (t) => {
  const cache = await privateCache(t);
  const { ensureToolchain } = await import('../harness/images/toolchain.js');
  const { openAptState } = await import('../harness/debian/apt.js');
  const { loadRecipe } = await import('../harness/images/recipe.js');
  const recipe = await loadRecipe('debian13-amd64');
  const state = await openAptState(recipe.apt);
  const ac = new AbortController();
  const seen: string[] = [];
  await t.throwsAsync(
    ensureToolchain(state, recipe.moduleBuild.packages!, {
      signal: ac.signal,
      onProgress: (msg) => {
        seen.push(msg);
        if (/^toolchain: \d+ packages/.test(msg)) setTimeout(() => ac.abort(), 2000); // mid-unpack
      },
    }),
  );
  t.true(seen.some((m) => /^toolchain: \d+ packages/.test(m)));
  const left = (await readdir(path.join(cache, 'toolchains'))).filter((n) => !n.startsWith('.resolved-'));
  t.deepEqual(left, []);
});

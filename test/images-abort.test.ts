// An aborted build leaves no temp dir and no image behind. Runs in its own cache (ava gives each
// file its own process, so setting AUDIT_HARNESS_CACHE here touches no other test); the .deb
// cache is shared by symlink so nothing is downloaded twice.
import test from 'ava';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cacheDir } from '../harness/paths.js';

test('aborting ensureImage mid-build removes its temp dir and leaves no image', async (t) => {
  const sharedDebs = path.join(cacheDir(), 'debs');
  await mkdir(sharedDebs, { recursive: true });
  const cache = await mkdtemp(path.join(os.tmpdir(), 'audit-harness-cache-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  await symlink(sharedDebs, path.join(cache, 'debs'));
  process.env.AUDIT_HARNESS_CACHE = cache;
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
  const left = (await readdir(path.join(cache, 'images', 'debian12-amd64'))).filter((n) => !n.startsWith('.resolved-'));
  t.deepEqual(left, []);
});

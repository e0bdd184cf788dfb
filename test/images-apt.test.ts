// The private apt state: apt reads only the cache's own configuration, the host's apt files are only read, the
// mirror comes from the host's sources or the environment, and an interrupted update leaves the previous lists.
// Runs in its own cache (ava gives each file its own process); the lists are fetched for real (a few seconds).
import test from 'ava';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const cache = await mkdtemp(path.join(os.tmpdir(), 'audit-harness-apt-'));
process.env.AUDIT_HARNESS_CACHE = cache;
const { BOOKWORM, debianMirrors, openAptState, runApt, candidateVersions } = await import('../harness/debian/apt.js');
test.after.always(() => rm(cache, { recursive: true, force: true }));

async function hostAptDigest(): Promise<string> {
  const { stdout } = await execa('bash', ['-c', 'find /etc/apt /var/lib/dpkg/arch -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum; dpkg --print-foreign-architectures']);
  return createHash('sha256').update(stdout).digest('hex');
}

test.serial('a private state resolves from its own suites and leaves the host apt untouched', async (t) => {
  const before = await hostAptDigest();
  const progress: string[] = [];
  const state = await openAptState({ suites: ['trixie'] }, { onProgress: (m) => progress.push(m) });
  t.is(state.dir, path.join(cache, 'apt', 'trixie'));
  t.is(state.env.APT_CONFIG, path.join(state.dir, 'apt.conf'));
  t.true(progress.some((m) => /^apt-get update \(trixie\)/.test(m)), 'update is shown');
  t.true(progress.some((m) => /^Get:\d+ .* trixie/.test(m)), 'apt-get update lines are shown');
  // apt's view of its configuration: everything private
  const { stdout: dump } = await execa('apt-config', ['dump'], { env: state.env });
  for (const k of ['Dir::State', 'Dir::Cache', 'Dir::Etc', 'Dir::Etc::Parts', 'Dir::State::status']) {
    t.regex(dump, new RegExp(`^${k} "${state.dir}`, 'mi'), k); // apt prints some keys lowercased
  }
  t.regex(dump, /^APT::Architectures:: "i386";/m);
  t.is(await readFile(path.join(state.dir, 'status'), 'utf8'), '');
  // only trixie: kmod 34, not the host's bookworm kmod 30
  const v = await candidateVersions(['kmod', 'auditd'], 'amd64', state);
  t.regex(v.kmod, /^34\./);
  const policy = await runApt(state, 'apt-cache', ['policy']);
  t.notRegex(policy, /bookworm/);
  t.regex(policy, /n=trixie/);
  // lists: a symlink to a complete, stamped directory
  const lists = await readlink(path.join(state.dir, 'lists'));
  t.regex(lists, /^lists-\d+$/);
  t.regex(await readFile(path.join(state.dir, lists, 'audit-harness-updated'), 'utf8'), /^\d{4}-\d\d-\d\dT/);
  // a second open within the day does not update
  const again: string[] = [];
  const second = await openAptState({ suites: ['trixie'] }, { onProgress: (m) => again.push(m) });
  t.deepEqual(again, []);
  t.is(second.fingerprint, state.fingerprint);
  t.is(await hostAptDigest(), before, "the host's apt configuration and dpkg architectures are unchanged");
});

test.serial('an interrupted update keeps the previous lists and leaves no partial directory', async (t) => {
  const first = await openAptState({ suites: ['trixie'] });
  const lists = await readlink(path.join(first.dir, 'lists'));
  const ac = new AbortController();
  await t.throwsAsync(
    openAptState({ suites: ['trixie'] }, { maxAgeMs: 0, signal: ac.signal, onProgress: (m) => { if (/^Get:/.test(m)) ac.abort(); } }),
  );
  t.is(await readlink(path.join(first.dir, 'lists')), lists, 'still the complete lists');
  const left = (await readdir(first.dir)).filter((n) => n.startsWith('.lists-new-') || (n.startsWith('lists-') && n !== lists));
  t.deepEqual(left, []);
  t.truthy(await stat(path.join(first.dir, lists, 'audit-harness-updated')));
});

test.serial('pins go into the state\'s preferences; the mirror can be overridden by the environment', async (t) => {
  const pins = [{ packages: 'linux-image-*', pin: 'release n=bookworm-backports', priority: 990 }];
  const host = await debianMirrors();
  t.regex(host.debian, /^https?:\/\//);
  t.regex(host.security, /^https?:\/\//);
  process.env.AUDIT_HARNESS_DEBIAN_MIRROR = 'http://mirror.invalid/debian';
  try {
    t.is((await debianMirrors()).debian, 'http://mirror.invalid/debian');
    // an update against a mirror that does not exist fails clearly and leaves no lists
    const err = await t.throwsAsync(openAptState({ suites: [...BOOKWORM.suites, 'bookworm-backports'], pins }));
    t.regex(err!.message, /apt-get update of the private apt state .* failed/);
    const dir = (await readdir(path.join(cache, 'apt'))).find((n) => n.includes('-pin'))!;
    t.regex(await readFile(path.join(cache, 'apt', dir, 'etc/preferences'), 'utf8'), /^Package: linux-image-\*\nPin: release n=bookworm-backports\nPin-Priority: 990$/m);
    t.regex(await readFile(path.join(cache, 'apt', dir, 'etc/sources.list'), 'utf8'), /mirror\.invalid\/debian bookworm-backports main/);
    await t.throwsAsync(readlink(path.join(cache, 'apt', dir, 'lists')));
  } finally {
    delete process.env.AUDIT_HARNESS_DEBIAN_MIRROR;
  }
});

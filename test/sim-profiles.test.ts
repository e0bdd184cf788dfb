// The simulator's profiles (vms/profiles): every release of the mission loads with a source and a status for each
// fact; what a profile does not state, or states wrongly, is an error naming the fact; and a deliberately wrong fact
// makes calibration against a real run fail (harness/sim/calibrate.ts).
import test from 'ava';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { candidateVersions, downloadDebs, openAptState } from '../harness/debian/apt.js';
import { imagesDir } from '../harness/images/build.js';
import { guestAccountFiles, guestFixtures } from '../harness/images/guest-layout.js';
import { unpackInitramfs } from '../harness/images/initramfs.js';
import type { ImageManifest } from '../harness/images/manifest.js';
import { loadRecipe } from '../harness/images/recipe.js';
import { factValues } from '../harness/releases/facts.js';
import { cacheDir, repoRoot } from '../harness/paths.js';
import type { TargetFixtures } from '../harness/targets/target.js';
import { readJson } from '../harness/scenarios/report/json.js';
import { loadScenario } from '../harness/scenarios/load.js';
import { compareWithKernel } from '../harness/sim/calibrate.js';
import { loadProfile, parseProfile, ProfileError, profileIds, profilesDir, type Profile } from '../harness/sim/profile.js';
import { runScenario } from '../harness/scenarios/run-scenario.js';
import { simSessionOf } from '../harness/sim/session.js';
import { SimFs } from '../harness/sim/fs.js';
import { kmodSubcommands } from '../harness/sim/kmod-commands.js';
import { simulateCommand, SimUnsupported } from '../harness/sim/processes.js';
import { simImageOf, world } from '../harness/sim/run.js';

const MISSION = {
  calibrated: ['debian11-amd64', 'debian11-i686', 'debian12-amd64', 'debian12-i686', 'debian12bpo-amd64', 'debian13-amd64'],
  modelled: ['rhel7-x86_64', 'rhel8-x86_64', 'rhel9-x86_64', 'rhel10-x86_64', 'ubuntu2004-x86_64', 'ubuntu2204-x86_64', 'ubuntu2404-x86_64'],
};
const text = (id: string) => readFileSync(join(profilesDir, `${id}.yaml`), 'utf8');
const FIXTURES = join(repoRoot, 'test', 'fixtures', 'sim-calibration');

test('every release of the mission has a profile: Debian calibrated by its qemu target, RHEL and Ubuntu modelled', (t) => {
  t.deepEqual(profileIds(), [...MISSION.calibrated, ...MISSION.modelled].sort());
  for (const id of MISSION.calibrated) {
    const p = loadProfile(id);
    t.is(p.status, 'calibrated', id);
    t.is(p.calibratedBy, `qemu:${id}`, id);
  }
  for (const id of MISSION.modelled) {
    const p = loadProfile(id);
    t.is(p.status, 'modelled', id);
    t.is(p.calibratedBy, undefined, id);
    t.is(p.values.arch, 'x86_64', `${id}: no i686 kernel exists for this release`);
    t.true((p.like ?? []).length > 0, `${id} says which calibrated profile it behaves like`);
  }
});

test('every fact of every profile has a status and a source: an [S#] or [R#] of docs/SOURCES.md, a package, a measurement, a kernel source tree, or an assumption', (t) => {
  for (const id of profileIds()) {
    const p = loadProfile(id);
    for (const [name, f] of [...Object.entries(p.facts), ...Object.entries(p.model)]) {
      t.true(f.status === p.status, `${id}: ${name} is ${f.status}`);
      t.regex(f.source, /\[[SR]\d+\]|assumption|deb|Packages|uname|guest|config|DepSurf|Debian|trixie|dash|kernel-[\d.-]+el\d+ source tree/, `${id}: ${name}`);
    }
  }
  t.regex(loadProfile('rhel9-x86_64').like!.join('\n'), /kmod 28 with \.ko\.xz behaves as Debian 11's kmod 28/);
});

// docs/SOURCES.md: one heading per source, `### <id> — <title>` (S1…, R1…, and the seeds by file name).
const SOURCES_FILE = join(repoRoot, 'docs', 'SOURCES.md');
const sourceIds = (text: string) => new Set([...text.matchAll(/^### (\S+)/gm)].map((m) => m[1]!));
const citedIds = (text: string) => [...new Set([...text.matchAll(/\[([SR]\d+)\]/g)].map((m) => m[1]!))];
const SEED = /\b(\d{3}_[0-9a-f]{16})(?:\.txt)?\b/g;

test('every [S#] and [R#] a profile cites is listed in docs/SOURCES.md, and no profile cites a document outside the repository', (t) => {
  const listed = sourceIds(readFileSync(SOURCES_FILE, 'utf8'));
  t.true(listed.has('S1') && listed.has('R1') && listed.has('000_0cdd7424bdc5af9f.txt'), [...listed].join(' '));
  let cited = 0;
  for (const id of profileIds()) {
    const yaml = text(id);
    for (const ref of citedIds(yaml)) {
      cited++;
      t.true(listed.has(ref), `vms/profiles/${id}.yaml cites [${ref}], which docs/SOURCES.md does not list`);
    }
    t.notRegex(yaml, /distro-facts\.md|real-kernel-facts\.md|shared\/(?:notes|seeds)/, `vms/profiles/${id}.yaml cites a file outside the repository`);
  }
  t.true(cited >= 20, `${cited} citations`);
  // The check itself: an id the file does not list is caught.
  t.false(citedIds('[S1] and [R99]').every((ref) => listed.has(ref)));
});

test('every seed a scenario or rule set cites is listed in docs/SOURCES.md with its public location', (t) => {
  const sources = readFileSync(SOURCES_FILE, 'utf8');
  const listed = sourceIds(sources);
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(ya?ml|rules)$/.test(e.name) ? [join(dir, e.name)] : []));
  const seeds = new Set(files(join(repoRoot, 'scenarios')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(SEED)].map((m) => `${m[1]!}.txt`)));
  t.true(seeds.size >= 4, [...seeds].join(' '));
  for (const seed of seeds) {
    t.true(listed.has(seed), `a scenario cites ${seed}, which docs/SOURCES.md does not list`);
    const entry = sources.slice(sources.indexOf(`### ${seed}`)).split(/^### /m)[1] ?? '';
    t.regex(entry, /https:\/\/|not public/, `${seed}: where a reader finds it`);
  }
});

test('kmod under its own name knows the subcommands of its version and build: `kmod insmod` never, `kmod remove` only in an experimental kmod 21-31', async (t) => {
  t.deepEqual(kmodSubcommands(13, true), ['help', 'list']);
  t.deepEqual(kmodSubcommands(20, true), ['help', 'list', 'static-nodes']);
  t.deepEqual(kmodSubcommands(30, false), ['help', 'list', 'static-nodes']);
  t.deepEqual(kmodSubcommands(30, true), ['help', 'list', 'static-nodes', 'insert', 'remove']);
  t.deepEqual(kmodSubcommands(34, true), ['help', 'list', 'static-nodes']);
  for (const id of profileIds()) {
    const p = loadProfile(id);
    t.false(p.modelValues.kmodExperimental, `${id}: ${p.model.kmodExperimental.source}`);
    const w = world(simImageOf(p));
    for (const cmd of ['kmod insmod /root/audit_test_mod.ko', 'kmod remove audit_test_mod']) {
      const r = simulateCommand(w, cmd);
      t.is(r.status, 1, `${id}: ${cmd}`);
      t.deepEqual(r.calls.filter((c) => c.syscall !== 'execve'), [], `${id}: ${cmd} makes no module syscall`);
    }
  }
  // An experimental build (kmod 30 with --enable-experimental) has `kmod remove`: the model says it does not know it.
  const experimental = text('debian12-amd64').replace(/kmodExperimental: \{ value: false,/, 'kmodExperimental: { value: true,');
  t.not(experimental, text('debian12-amd64'));
  const w = world(simImageOf(parseProfile(experimental, 'x.yaml', 'debian12-amd64')));
  t.throws(() => simulateCommand(w, 'kmod remove audit_test_mod'), { instanceOf: SimUnsupported, message: /kmod remove .*not modelled/ });
  t.is(simulateCommand(w, 'kmod insmod /root/audit_test_mod.ko').status, 1);
  // kmod 34 has no experimental tools to build.
  const kmod34 = text('debian13-amd64').replace(/kmodExperimental: \{ value: false,/, 'kmodExperimental: { value: true,');
  t.throws(() => parseProfile(kmod34, 'x.yaml', 'debian13-amd64'), { instanceOf: ProfileError, message: /^x\.yaml:\d+:\d+: kmodExperimental is true, but kmod 34 has no experimental tools/ });
});

test('the facts decide kmod\'s syscalls per release as the sources say', (t) => {
  const v = (id: string) => loadProfile(id).values;
  t.is(v('rhel9-x86_64').distroModuleSyscall, 'init_module');
  t.is(v('rhel10-x86_64').distroModuleSyscall, 'init_module', 'kmod 31 without /sys/module/compression');
  t.is(v('ubuntu2404-x86_64').distroModuleSyscall, 'finit_module', 'kmod 31 with in-kernel zstd');
  t.is(v('ubuntu2404-x86_64').xzSyscall, 'init_module', 'a .ko.xz on a zstd kernel');
  t.is(v('debian12bpo-amd64').xzSyscall, 'init_module', 'kmod 30 ignores the kernel\'s decompression');
  t.is(v('debian13-amd64').xzSyscall, 'finit_module');
  t.is(v('ubuntu2004-x86_64').koSyscall, 'finit_module');
  t.true(loadProfile('rhel7-x86_64').values.kernModule, 'RHEL 7.9\'s 3.10.0-1160 has the KERN_MODULE backport (fact kernModule)');
});

test('a profile that leaves out a fact, or states one the schema does not know, is an error naming it and the file', (t) => {
  const base = text('debian12-amd64');
  const noKmod = base.replace(/^ {2}kmod: .*\n/m, '');
  t.throws(() => parseProfile(noKmod, 'x.yaml', 'debian12-amd64'), { instanceOf: ProfileError, message: /^x\.yaml:\d+:\d+: the profile does not state the fact kmod \(facts\.kmod\)$/ });
  const noLayout = base.replace(/^ {2}kmodLayout:\n(?: {4}.*\n)+/m, '');
  t.throws(() => parseProfile(noLayout, 'x.yaml', 'debian12-amd64'), { message: /does not state the fact kmodLayout/ });
  const extra = base.replace(/^facts:\n/m, 'facts:\n  selinux: { value: enforcing, source: "made up", status: calibrated }\n');
  t.throws(() => parseProfile(extra, 'x.yaml', 'debian12-amd64'), { message: /^x\.yaml:\d+:3: facts: .*selinux/ });
  const bad = base.replace('kmod: { value: 30,', 'kmod: { value: thirty,');
  t.throws(() => parseProfile(bad, 'x.yaml', 'debian12-amd64'), { message: /^x\.yaml:\d+:\d+: facts\.kmod\.value: / });
  const mixed = base.replace('kmod: { value: 30, source: "kmod 30+20221128-1 (bookworm Packages)", status: calibrated }', 'kmod: { value: 30, source: "kmod 30+20221128-1 (bookworm Packages)", status: modelled }');
  t.throws(() => parseProfile(mixed, 'x.yaml', 'debian12-amd64'), { message: /kmod is modelled in a profile calibrated by qemu:debian12-amd64/ });
  t.throws(() => loadProfile('nosuch-x86_64'), { message: /no simulator profile "nosuch-x86_64".*known: debian11-amd64/ });
});

test('a profile\'s syntax error, schema errors and wrong semantics are ProfileErrors naming file:line:col, one line each', (t) => {
  const base = text('debian12-amd64');
  const at = (of: string, re: RegExp) => {
    const lines = of.split('\n');
    const i = lines.findIndex((l) => re.test(l));
    t.true(i >= 0, String(re));
    return `${i + 1}:${lines[i]!.search(re) + 1}`;
  };
  // Every schema issue, in file order, at its value.
  const bad = base.replace('kmod: { value: 30,', 'kmod: { value: thirty,').replace(/^(\s+sh: \{ value: )dash/m, '$1zsh');
  const e = t.throws(() => parseProfile(bad, 'x.yaml', 'debian12-amd64'), { instanceOf: ProfileError });
  t.deepEqual(e!.message.split('\n'), [
    `x.yaml:${at(bad, /(?<=kmod: \{ value: )thirty/)}: facts.kmod.value: Invalid input: expected number, received string`,
    `x.yaml:${at(bad, /(?<=^\s+sh: \{ value: )zsh/)}: facts.sh.value: Invalid option: expected one of "dash"|"bash"|"busybox"`,
  ]);
  // A syntax error is at yaml's position.
  const syntax = t.throws(() => parseProfile(`${base}notes: [unclosed\n`, 'x.yaml', 'debian12-amd64'), { instanceOf: ProfileError });
  t.regex(syntax!.message, /^x\.yaml:\d+:\d+: [^\n]+$/);
  t.is(syntax!.problems.length, 1);
  // What the schema cannot say is at its node too: the id, the kernel release, a fact's status.
  const wrong = base.replace(/^kernelRelease: .*$/m, 'kernelRelease: 6.12.0-1-amd64').replace('kmod: { value: 30, source: "kmod 30+20221128-1 (bookworm Packages)", status: calibrated }', 'kmod: { value: 30, source: "kmod 30+20221128-1 (bookworm Packages)", status: modelled }');
  const w = t.throws(() => parseProfile(wrong, 'x.yaml', 'debian13-amd64'), { instanceOf: ProfileError });
  t.deepEqual(w!.message.split('\n'), [
    `x.yaml:${at(wrong, /(?<=^id: )debian12-amd64/)}: id is debian12-amd64, expected debian13-amd64 (the file name)`,
    `x.yaml:${at(wrong, /(?<=^kernelRelease: )6\.12\.0-1-amd64/)}: kernelRelease 6.12.0-1-amd64 is not of the stated kernel 6.1`,
    `x.yaml:${at(wrong, /(?<=kmod: \{ value: 30, .* status: )modelled/)}: kmod is modelled in a profile calibrated by qemu:debian12-amd64`,
  ].sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1])));
});

test('the filesystem follows the profile: Debian 12\'s /sbin/insmod -> /bin/kmod, RHEL 9\'s /usr/sbin/insmod -> ../bin/kmod, unmerged /usr', (t) => {
  const fsOf = (id: string, usrMerge?: boolean) => {
    const p = loadProfile(id);
    return new SimFs({ usrMerge: usrMerge ?? p.values.usrMerge, sh: p.values.sh, kmod: p.modelValues.kmodLayout, interpreter: '/lib64/ld-linux-x86-64.so.2', staticPrograms: [], files: [] });
  };
  const deb = fsOf('debian12-amd64');
  t.is(deb.entry('/usr/sbin/insmod')?.target, '/bin/kmod');
  t.is(deb.resolve('/sbin/insmod'), '/usr/bin/kmod');
  t.is(deb.resolve('/bin/sh'), '/usr/bin/dash');
  const rhel = fsOf('rhel9-x86_64');
  t.is(rhel.entry('/usr/sbin/insmod')?.target, '../bin/kmod');
  t.is(rhel.resolve('/sbin/modprobe'), '/usr/bin/kmod');
  t.is(rhel.resolve('/bin/sh'), '/usr/bin/bash');
  const unmerged = fsOf('debian11-amd64', false);
  t.is(unmerged.entry('/sbin')?.kind, 'dir');
  t.is(unmerged.resolve('/sbin/insmod'), '/bin/kmod');
  t.false(unmerged.exists('/usr/sbin/insmod'));
});

test('a deliberately wrong profile fact (kmod 31 with an xz-decompressing kernel on Debian 12) fails calibration against the real run; the right profile passes', async (t) => {
  const real = await readJson(join(FIXTURES, 'debian12-amd64.cis-64-root.results.json'));
  const file = join(FIXTURES, 'cis-64-root.yaml');
  const scenario = await loadScenario(file);
  // The same one path a real target's scenarios take, on the model of the (changed) profile.
  const simRun = async (yaml: string) => {
    const session = simSessionOf(parseProfile(yaml, 'debian12-amd64.yaml', 'debian12-amd64'), 'sim:debian12-amd64');
    return { ...real, targets: [{ name: session.info.name }], results: [await runScenario(session, scenario, file)] };
  };
  const right = compareWithKernel(real, await simRun(text('debian12-amd64')));
  t.true(right.compared >= 6, `${right.compared} steps compared`);
  t.deepEqual(right.mismatches, [], 'the calibrated profile agrees with the real kernel');
  const wrong = text('debian12-amd64')
    .replace(/kmod: \{ value: 30,/, 'kmod: { value: 31,')
    .replace(/kernelDecompression: \{ value: none,/, 'kernelDecompression: { value: xz,')
    .replace(/moduleCompression: \{ value: none,/, 'moduleCompression: { value: xz,');
  t.not(wrong, text('debian12-amd64'));
  const { mismatches } = compareWithKernel(real, await simRun(wrong));
  const steps = mismatches.map((m) => m.what);
  t.true(steps.includes('events of step modprobe-xz'), steps.join('; '));
  const xz = mismatches.find((m) => m.what === 'events of step modprobe-xz')!;
  t.regex(xz.real, /syscall=175 .*key="modules".*module="audit_test_mod_xz"/, 'the kernel logged init_module (175) with the key');
  t.notRegex(xz.sim, /syscall=175 /, 'the wrong profile says kmod used finit_module, which the rule does not name: only the watch\'s execve is left');
});

/** A guest as an image has it: the manifest's paths and user, /etc/passwd and /etc/group. */
interface ImageGuest { guest: TargetFixtures; passwd: string; group: string }

/** Where the simulator's guest for `profile` at kernel `release` differs from an image's: a path, the user, an account line. */
function simGuestDrift(profile: Profile, release: string, image: ImageGuest): string[] {
  const sim = simSessionOf({ ...profile, kernelRelease: release });
  const passwd = readFileSync(sim.accounts.passwd, 'utf8');
  const group = readFileSync(sim.accounts.group, 'utf8');
  const { moduleName: _moduleName, ...paths } = sim.fixtures;
  // The login user: the account of uid 1000 (Debian's first user) in the model's passwd.
  const simGuest: Record<string, unknown> = { ...paths, user: passwd.split('\n').find((l) => l.split(':')[2] === '1000')?.split(':')[0] };
  const imageGuest = image.guest as unknown as Record<string, unknown>;
  const drift = [...new Set([...Object.keys(simGuest), ...Object.keys(imageGuest)])]
    .filter((k) => !isDeepStrictEqual(simGuest[k], imageGuest[k]))
    .map((k) => `${k}: the sim has ${JSON.stringify(simGuest[k])}, the image ${JSON.stringify(imageGuest[k])}`);
  for (const [file, model, real] of [['/etc/passwd', passwd, image.passwd], ['/etc/group', group, image.group]] as const) {
    const lines = new Set(real.split('\n'));
    for (const l of model.trimEnd().split('\n')) if (!lines.has(l)) drift.push(`${file}: the sim has "${l}", the image not`);
  }
  return drift;
}

/** The images built for a recipe that are in the cache (usually one, or none). */
function cachedImages(id: string): string[] {
  const dir = join(imagesDir(), id);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => !n.startsWith('.') && existsSync(join(dir, n, 'manifest.json'))).map((n) => join(dir, n));
}

/**
 * base-passwd's masters from each base-passwd package in the download cache; when none is there (a fresh clone), the
 * package of each calibrated release is fetched first, through its recipe's private apt state (as a build would).
 */
async function basePasswdMasters(): Promise<{ deb: string; passwd: string; group: string }[]> {
  const debs = join(cacheDir(), 'debs');
  const cached = () => (existsSync(debs) ? readdirSync(debs).filter((n) => /^base-passwd_.*\.deb$/.test(n)).map((n) => join(debs, n)) : []);
  let files = cached();
  if (!files.length) {
    for (const id of MISSION.calibrated) {
      const recipe = await loadRecipe(id);
      const state = await openAptState(recipe.apt);
      const { 'base-passwd': version } = await candidateVersions(['base-passwd'], recipe.debArch, state);
      await downloadDebs({ 'base-passwd': version! }, recipe.debArch, undefined, state);
    }
    files = cached();
  }
  const master = async (deb: string, name: string) =>
    (await execa('bash', ['-o', 'pipefail', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/share/base-passwd/$2"', 'x', deb, name])).stdout;
  return Promise.all(files.map(async (f) => ({ deb: basename(f), passwd: await master(f, 'passwd.master'), group: await master(f, 'group.master') })));
}

test('the simulator models the guest the images build: what the builder makes of each recipe and Debian\'s base-passwd (cached, else fetched), and the paths and accounts of each cached image (manifest, initramfs)', async (t) => {
  let images = 0;
  // Debian's own base-passwd masters, never the model's entries: the model must be compared with real data.
  const masters = await basePasswdMasters();
  t.true(masters.length > 0, 'no base-passwd package could be read: nothing real to compare the model with');
  for (const id of MISSION.calibrated) {
    const profile = loadProfile(id);
    for (const dir of cachedImages(id)) {
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ImageManifest;
      const root = await mkdtemp(join(tmpdir(), 'audit-harness-sim-guest-'));
      t.teardown(() => rm(root, { recursive: true, force: true }));
      await unpackInitramfs(join(dir, m.files.initrd), root, ['etc/passwd', 'etc/group', 'usr/share/base-passwd/*.master']);
      const member = (name: string) => readFile(join(root, name), 'utf8');
      const image = { guest: m.guest, passwd: await member('etc/passwd'), group: await member('etc/group') };
      t.deepEqual(simGuestDrift(profile, m.kernelRelease, image), [], `${id}: the image in ${dir}`);
      // The builder's accounts, from the image's own base-passwd masters, are the image's files.
      const built = guestAccountFiles(await member('usr/share/base-passwd/passwd.master'), await member('usr/share/base-passwd/group.master'));
      t.deepEqual(built, { passwd: image.passwd, group: image.group }, `${id}: the builder's accounts are the image's`);
      images++;
    }
    // What the builder makes of the recipe (the module compression and arch it states; the profile's release).
    const recipe = await loadRecipe(id);
    const guest = guestFixtures(profile.kernelRelease, factValues(recipe.facts).moduleCompression, recipe.arch);
    for (const base of masters) {
      const accounts = guestAccountFiles(base.passwd, base.group);
      t.deepEqual(simGuestDrift(profile, profile.kernelRelease, { guest, ...accounts }), [], `${id}: the builder's guest from ${recipe.file} and ${base.deb}`);
    }
  }
  t.log(`${images} cached image(s) compared; base-passwd masters: ${masters.map((b) => b.deb).join(', ')}`);

  // The comparison fails on a drift: a module compressed otherwise than the image's, an account the image lacks.
  const p = loadProfile('debian12-amd64');
  const image: ImageGuest = { guest: guestFixtures(p.kernelRelease, 'none', 'x86_64'), ...guestAccountFiles(masters[0]!.passwd, masters[0]!.group) };
  t.deepEqual(simGuestDrift(p, p.kernelRelease, image), []);
  const xz = simGuestDrift({ ...p, values: { ...p.values, moduleCompression: 'xz' } }, p.kernelRelease, image);
  t.true(xz.some((d) => d.startsWith('testModule: ')) && xz.some((d) => d.startsWith('stockModule: ')), xz.join('; '));
  t.deepEqual(simGuestDrift(p, p.kernelRelease, { ...image, group: image.group.replace(/^sudo:x:27:tester$/m, 'sudo:x:27:') }), ['/etc/group: the sim has "sudo:x:27:tester", the image not']);
  t.deepEqual(simGuestDrift(p, `${p.kernelRelease}-other`, image).map((d) => d.split(':')[0]), ['testModule', 'testModuleXz', 'stockModule'], 'the paths in the module tree name the release');
});

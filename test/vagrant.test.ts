// The vagrant target's parts that need no box running: the box matrix, the Vagrantfile (`vagrant validate`, one
// machine per entry), node-vagrant's output read the way the target reads it, the provisioning scripts (bash -n,
// shellcheck), and a `vagrant up` that fails (a box file that does not exist) leaving nothing behind.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { repoRoot } from '../harness/paths.js';
import { profileIds } from '../harness/sim/profile.js';
import { openTarget, TargetError } from '../harness/targets/index.js';
import { boxUrlVariable, loadBoxes, parseBoxes } from '../harness/targets/vagrant/boxes.js';
import { libvirtdAnswers, libvirtdLeaseHolders } from '../harness/targets/vagrant/libvirtd.js';
import { parseMachineState, parseSshConfig, vagrantError } from '../harness/targets/vagrant/vagrant-cli.js';
import { ownedLibvirtNames } from '../harness/targets/vagrant/vagrant-target.js';
import { YamlFileError } from '../harness/yaml-errors.js';

const PROVISION = path.join(repoRoot, 'vms', 'vagrant', 'provision');
// As the target sets it: the machines' state in a temp dir (even `vagrant validate` writes .vagrant/ otherwise).
const dotfiles = await tmpDir({ unsafeCleanup: true });
test.after.always(() => dotfiles.cleanup());
const vagrantEnv = {
  ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_DOTFILE_PATH: dotfiles.path,
  AUDIT_HARNESS_VAGRANT_SSH_PORT: '2222', AUDIT_HARNESS_VAGRANT_POOL: 'p', AUDIT_HARNESS_VAGRANT_DRIVER: 'qemu',
};

test('boxes.yaml: the matrix of the brief, each entry calibrating an existing simulator profile', (t) => {
  const boxes = loadBoxes();
  const byBox = Object.fromEntries(boxes.map((b) => [b.box, b]));
  for (const name of ['centos/7', 'almalinux/8', 'almalinux/9', 'almalinux/10', 'bento/ubuntu-20.04', 'bento/ubuntu-22.04', 'bento/ubuntu-24.04', 'generic-x32/debian11', 'generic-x32/debian12']) {
    t.truthy(byBox[name], `${name} is in the matrix`);
  }
  t.deepEqual(byBox['almalinux/10']!.providers, ['libvirt']);
  t.deepEqual(byBox['generic-x32/debian12']!.providers, ['virtualbox']);
  t.is(byBox['generic-x32/debian11']!.arch, 'i686');
  const profiles = profileIds();
  for (const b of boxes) t.true(profiles.includes(b.profile), `${b.name}: profile ${b.profile} exists in vms/profiles`);
  const local = boxes.filter((b) => b.local);
  t.deepEqual(local.map((b) => b.name), ['debian12-local']);
  t.is(local[0]!.profile, 'debian12-amd64');
  t.is(boxUrlVariable('debian12-local'), 'AUDIT_HARNESS_BOX_URL_DEBIAN12_LOCAL');
});

test('boxes.yaml: a bad entry is named with file, line, column and field, one line per problem', (t) => {
  const err = t.throws(() => parseBoxes('boxes:\n  x:\n    box: a/b\n    providers: [docker]\n    profile: p\n    family: debian\n    arch: x86_64\n', '/tmp/b.yaml'), { instanceOf: YamlFileError });
  t.is(err!.message, '/tmp/b.yaml:4:17: boxes.x.providers.0: Invalid option: expected one of "libvirt"|"virtualbox"');
  t.throws(() => parseBoxes('boxes:\n  x:\n    box: nope\n    providers: [libvirt]\n    profile: p\n    family: debian\n    arch: x86_64\n', '/tmp/b.yaml'), { message: /^\/tmp\/b\.yaml:3:10: boxes\.x\.box: a Vagrant box name/ });
  // Every problem, in file order; a bad name is pointed at itself.
  const entry = (family: string) => `    box: a/b\n    providers: [libvirt]\n    profile: p\n    family: ${family}\n    arch: x86_64\n`;
  const many = t.throws(() => parseBoxes(`boxes:\n  X_Y:\n${entry('debian')}  y:\n${entry('suse')}`, '/tmp/b.yaml'));
  t.deepEqual(many!.message.split('\n'), [
    '/tmp/b.yaml:2:3: boxes.X_Y: a lower-case name (a-z, 0-9, -)',
    '/tmp/b.yaml:12:13: boxes.y.family: Invalid option: expected one of "debian"|"ubuntu"|"rhel"',
  ]);
  // A syntax error is at yaml's position.
  t.throws(() => parseBoxes('boxes:\n  x: { box: a/b\n', '/tmp/b.yaml'), { instanceOf: YamlFileError, message: /^\/tmp\/b\.yaml:\d+:\d+: [^\n]+$/ });
});

test('Vagrantfile: vagrant validate accepts it, with one machine per boxes.yaml entry', (t) => {
  const v = spawnSync('vagrant', ['validate'], { cwd: repoRoot, env: vagrantEnv, encoding: 'utf8' });
  t.is(v.status, 0, v.stderr + v.stdout);
  t.regex(v.stdout, /Vagrantfile validated successfully/);
  // status reads every machine's configuration (and creates nothing).
  const s = spawnSync('vagrant', ['status', '--machine-readable'], { cwd: repoRoot, env: vagrantEnv, encoding: 'utf8' });
  t.is(s.status, 0, s.stderr);
  for (const b of loadBoxes()) t.is(parseMachineState(s.stdout, b.name), 'not_created', b.name);
});

test('Vagrantfile: vagrant validate fails, naming the key, on an entry without a box', async (t) => {
  const { path: dir, cleanup } = await tmpDir({ unsafeCleanup: true });
  t.teardown(cleanup);
  await cp(path.join(repoRoot, 'Vagrantfile'), path.join(dir, 'Vagrantfile'));
  await mkdir(path.join(dir, 'vms', 'vagrant'), { recursive: true });
  await writeFile(path.join(dir, 'vms', 'vagrant', 'boxes.yaml'), 'boxes:\n  a:\n    providers: [libvirt]\n');
  const v = spawnSync('vagrant', ['validate'], { cwd: dir, env: { ...vagrantEnv, VAGRANT_DOTFILE_PATH: path.join(dir, '.vagrant') }, encoding: 'utf8' });
  t.not(v.status, 0);
  t.regex(v.stderr + v.stdout, /key not found: "box"/);
});

test('node-vagrant output: machine-readable state, every IdentityFile, errors without backtraces', (t) => {
  const status = '1796586521,debian12-local,metadata,provider,libvirt\n1796586521,debian12-local,state,running\n1796586521,rhel9,state,not_created\n';
  t.is(parseMachineState(status, 'debian12-local'), 'running');
  t.is(parseMachineState(status, 'rhel9'), 'not_created');
  t.is(parseMachineState(status, 'other'), undefined);
  const cfg = parseSshConfig(
    'Host other\n  HostName 10.1.1.1\n\nHost rhel9\n  HostName 127.0.0.1\n  User vagrant\n  Port 2200\n  IdentityFile /home/u/.vagrant.d/insecure_private_key\n  IdentityFile "/home/u/my key"\n  IdentitiesOnly yes\n',
    'rhel9',
  );
  t.deepEqual(cfg, { host: '127.0.0.1', user: 'vagrant', port: 2200, identityFiles: ['/home/u/.vagrant.d/insecure_private_key', '/home/u/my key'] });
  t.is(parseSshConfig('Host a\n  HostName x\n', 'b'), undefined);
  const msg = vagrantError({ code: 1, stdout: '==> a: Starting domain.\n', stderr: "/x/driver.rb:282:in `get': undefined method (NoMethodError)\n\tfrom /x/a.rb:1:in `b'\n\tfrom /x/c.rb:2\n" });
  t.is(msg, "/x/driver.rb:282:in `get': undefined method (NoMethodError)");
});

for (const script of readdirSync(PROVISION).filter((f) => f.endsWith('.sh'))) {
  test(`provision/${script}: bash -n and shellcheck`, (t) => {
    const file = path.join(PROVISION, script);
    const n = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    t.is(n.status, 0, n.stderr);
    const sc = spawnSync('shellcheck', ['-x', '-P', 'SCRIPTDIR', file], { encoding: 'utf8' });
    t.is(sc.status, 0, sc.stdout + sc.stderr);
  });
}

test('provision: the families of boxes.yaml all have a script', (t) => {
  for (const b of loadBoxes()) t.true(existsSync(path.join(PROVISION, `${b.family}.sh`)), b.family);
});

test.serial('vagrant up that fails (no such box file): TargetError naming the target, and nothing left', async (t) => {
  const before = await libvirtdAnswers();
  const runDirs = () => readdirSync('/tmp').filter((d) => d.startsWith(`audit-harness-vagrant-rhel9-${process.pid}-`));
  const progress: string[] = [];
  process.env[boxUrlVariable('rhel9')] = 'file:///nonexistent/audit-harness-no-such.box';
  t.teardown(() => delete process.env[boxUrlVariable('rhel9')]);
  const err = await t.throwsAsync(openTarget('vagrant:rhel9', { onProgress: (s, d) => progress.push(`${s}: ${d ?? ''}`), vagrant: { provider: 'libvirt' } }));
  t.true(err instanceof TargetError, String(err));
  t.regex(err!.message, /^vagrant:rhel9: vagrant up failed \(exit 1\): /);
  t.regex(err!.message, /nonexistent|could not be found|Couldn't open file/i);
  t.deepEqual(ownedLibvirtNames(), { domains: [], pools: [] }, 'no domain or pool of this process');
  t.deepEqual(runDirs(), [], 'the run dir is removed');
  // Only when no libvirtd answered before did this target start one; another test file running at the same time may
  // have started or stopped its own in between (its lease decides), so a libvirtd that was up before says nothing here.
  if (!before && libvirtdLeaseHolders().length === 0) t.false(await libvirtdAnswers(), 'a libvirtd the target started is stopped again');
  t.true(progress.some((p) => p.startsWith('destroy')), progress.join('\n'));
});

test('unknown vagrant box: a clear error listing the known names', async (t) => {
  await t.throwsAsync(openTarget('vagrant:nope'), { message: /^vagrant:nope: unknown vagrant box "nope"; known \(.*boxes\.yaml\): debian12-local, rhel7/ });
  const cli = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'harness', 'cli.js'), 'run', '--target', 'vagrant:nope'], { encoding: 'utf8' });
  t.is(cli.status, 2);
  t.regex(cli.stderr, /--target: unknown vagrant:nope; known: .*vagrant:debian12-local/);
  t.notRegex(cli.stderr, /\n\s+at /, 'no stack trace');
});

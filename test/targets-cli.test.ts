// `audit-harness targets` lists every vagrant: box of vms/vagrant/boxes.yaml beside the qemu and sim targets, with a
// status read from the disk only (the local box in the cache, a public box in VAGRANT_HOME), without loading the
// vagrant driver or node-vagrant; `run --help` names the boxes too; a cached qemu image is told current or stale from
// its manifest (a fake cache holds the manifests). No VM, no vagrant, no libvirtd.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { dir as tmpDir } from 'tmp-promise';
import { parse } from 'yaml';
import { sourcesHash } from '../harness/images/build.js';
import { repoRoot } from '../harness/paths.js';

const run = promisify(execFile);
const cli = join(repoRoot, 'dist', 'harness', 'cli.js');

/** boxes.yaml read here with the plain YAML parser, not through the harness's loader. */
async function boxesFile(): Promise<{ name: string; box: string; arch: string; local?: boolean }[]> {
  const doc = parse(await readFile(join(repoRoot, 'vms', 'vagrant', 'boxes.yaml'), 'utf8')) as { boxes: Record<string, { box: string; arch: string; local?: boolean }> };
  return Object.entries(doc.boxes).map(([name, b]) => ({ name, ...b }));
}

/** An empty cache and VAGRANT_HOME, so that statuses are known. */
async function freshEnv(t: { teardown(f: () => Promise<void>): void }): Promise<{ cache: string; home: string; env: NodeJS.ProcessEnv }> {
  const d = await tmpDir({ unsafeCleanup: true });
  t.teardown(() => d.cleanup());
  const cache = join(d.path, 'cache');
  const home = join(d.path, 'vagrant-home');
  return { cache, home, env: { ...process.env, AUDIT_HARNESS_CACHE: cache, VAGRANT_HOME: home } };
}

test('audit-harness targets prints every box of boxes.yaml as a vagrant: target with its arch', async (t) => {
  const boxes = await boxesFile();
  t.true(boxes.length >= 2, 'boxes.yaml has boxes');
  const { env } = await freshEnv(t);
  const { stdout } = await run(process.execPath, [cli, 'targets'], { cwd: repoRoot, env });
  const lines = stdout.split('\n');
  for (const b of boxes) {
    const line = lines.find((l) => l.split(/\s+/)[0] === `vagrant:${b.name}`);
    t.truthy(line, `no line for vagrant:${b.name}:\n${stdout}`);
    t.deepEqual(line?.split(/\s+/).slice(1, 3), ['vagrant', b.arch], line);
  }
  const listed = lines.map((l) => l.split(/\s+/)[0]!).filter((s) => s.startsWith('vagrant:'));
  t.deepEqual(listed, boxes.map((b) => `vagrant:${b.name}`), 'exactly the boxes, in the file\'s order');

  const json = JSON.parse((await run(process.execPath, [cli, 'targets', '--json'], { cwd: repoRoot, env })).stdout) as { spec: string; kind: string; arch: string; status: string }[];
  t.deepEqual(json.filter((r) => r.kind === 'vagrant').map((r) => [r.spec, r.arch]), boxes.map((b) => [`vagrant:${b.name}`, b.arch]));
  t.true(json.some((r) => r.kind === 'qemu') && json.some((r) => r.kind === 'sim'), 'the qemu and sim targets are still listed');
});

test('a box\'s status comes from the disk: the local box in the cache, a public box in VAGRANT_HOME', async (t) => {
  const boxes = await boxesFile();
  const local = boxes.find((b) => b.local)!;
  const remote = boxes.find((b) => !b.local)!;
  const { cache, home, env } = await freshEnv(t);
  const status = async (): Promise<Map<string, string>> => {
    const rows = JSON.parse((await run(process.execPath, [cli, 'targets', '--json'], { cwd: repoRoot, env })).stdout) as { spec: string; status: string }[];
    return new Map(rows.map((r) => [r.spec, r.status]));
  };
  const before = await status();
  t.regex(before.get(`vagrant:${local.name}`) ?? '(not listed)', /^box not made/);
  t.regex(before.get(`vagrant:${remote.name}`) ?? '(not listed)', new RegExp(`^box ${remote.box} not downloaded`));

  const key = '0123456789abcdef';
  await mkdir(join(cache, 'vagrant', 'boxes', local.name, key), { recursive: true });
  await writeFile(join(cache, 'vagrant', 'boxes', local.name, key, 'box.box'), '');
  await mkdir(join(home, 'boxes', remote.box.replace(/\//g, '-VAGRANTSLASH-'), '1.2.3', 'libvirt'), { recursive: true });
  const after = await status();
  t.regex(after.get(`vagrant:${local.name}`) ?? '(not listed)', new RegExp(`^box made here \\(key ${key}`));
  t.regex(after.get(`vagrant:${remote.name}`) ?? '(not listed)', new RegExp(`^box ${remote.box} downloaded \\(1\\.2\\.3`));
});

test('a qemu target and the sim: profile it calibrates name the same release', async (t) => {
  const { env } = await freshEnv(t);
  const rows = JSON.parse((await run(process.execPath, [cli, 'targets', '--json'], { cwd: repoRoot, env })).stdout) as { spec: string; kind: string; release: string; status: string }[];
  const bySpec = new Map(rows.map((r) => [r.spec, r]));
  const pairs = rows.filter((r) => r.kind === 'sim').map((r) => [r, bySpec.get(/^calibrated \(by (\S+)\)$/.exec(r.status)?.[1] ?? '')] as const).filter(([, q]) => q);
  t.true(pairs.some(([s]) => s.spec === 'sim:debian12bpo-amd64'), 'the backports profile is calibrated by its qemu target');
  for (const [sim, qemu] of pairs) t.is(qemu!.release, sim.release, `${qemu!.spec} vs ${sim.spec}`);
  t.is(bySpec.get('qemu:debian12bpo-amd64')?.release, 'debian12', 'the backports-kernel image is Debian 12, as its recipe says');
  const table = (await run(process.execPath, [cli, 'targets'], { cwd: repoRoot, env })).stdout;
  t.regex(table, /^qemu:debian12bpo-amd64\s+qemu\s+x86_64\s+debian12\s/m);
});

test('a cached qemu image is "cached" only while it was built from today\'s recipe, guest files and builder code, else stale', async (t) => {
  const { cache, env } = await freshEnv(t);
  /** A built image as the cache holds it, reduced to what targets reads: its manifest (no qemu, no packages). */
  const image = async (id: string, key: string, builtAt: string, sources?: string) => {
    const dir = join(cache, 'images', id, key);
    await mkdir(dir, { recursive: true });
    const manifest = { id, key, kernelRelease: `kernel-of-${key}`, builtAt, ...(sources === undefined ? {} : { sourcesHash: sources }) };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  };
  const recipeText = (id: string) => readFile(join(repoRoot, 'vms', 'qemu', `${id}.yaml`), 'utf8');
  const today = await sourcesHash(await recipeText('debian12-amd64'));
  t.not(today, await sourcesHash(`${await recipeText('debian12-amd64')}# an edited comment\n`), 'the recipe\'s whole text is an input');
  // Built from today's inputs (and an older build beside it); from the recipe before an edit; before manifests
  // recorded their inputs; not at all.
  await image('debian12-amd64', '1111111111111111', '2020-01-01T00:00:00.000Z', 'f'.repeat(64));
  await image('debian12-amd64', '2222222222222222', '2021-01-01T00:00:00.000Z', today);
  await image('debian12-i686', '3333333333333333', '2021-01-01T00:00:00.000Z', await sourcesHash(`${await recipeText('debian12-i686')}# before an edit\n`));
  await image('debian11-amd64', '4444444444444444', '2021-01-01T00:00:00.000Z');
  const rows = JSON.parse((await run(process.execPath, [cli, 'targets', '--json'], { cwd: repoRoot, env })).stdout) as { spec: string; status: string }[];
  const status = new Map(rows.map((r) => [r.spec, r.status]));
  t.is(status.get('qemu:debian12-amd64'), 'image cached (key 2222222222222222, kernel kernel-of-2222222222222222, 2 builds)');
  t.is(status.get('qemu:debian12-i686'), 'image cached but stale (recipe, guest files or builder changed since; the next run rebuilds it, about 1-2 min)');
  t.is(status.get('qemu:debian11-amd64'), 'image cached but stale (built by an older image builder, before manifests recorded their inputs; the next run rebuilds it, about 1-2 min)');
  t.is(status.get('qemu:debian13-amd64'), 'image not built (the first run builds it, about 1-2 min)');
  const help = (await run(process.execPath, [cli, 'targets', '--help'], { cwd: repoRoot })).stdout.replace(/\s+/g, ' ');
  t.regex(help, /package updates are found when the image is used/, 'help says what the status does not check');
});

test('targets loads neither the vagrant driver nor node-vagrant, and run --help names every box', async (t) => {
  const d = await tmpDir({ unsafeCleanup: true });
  t.teardown(() => d.cleanup());
  // A module hook that refuses the driver's modules: loading any of them makes the command fail.
  const hooks = join(d.path, 'hooks.mjs');
  await writeFile(hooks, `export async function resolve(specifier, context, next) {
  if (specifier === 'node-vagrant' || /vagrant\\/(vagrant-target|vagrant-cli|libvirtd|local-box)\\.js$/.test(specifier)) throw new Error('refused: ' + specifier);
  return next(specifier, context);
}\n`);
  const register = join(d.path, 'register.mjs');
  await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  // The hook bites: the driver itself cannot be imported under it.
  const driver = pathToFileURL(join(repoRoot, 'dist', 'harness', 'targets', 'vagrant', 'vagrant-cli.js')).href;
  const refused = await run(process.execPath, ['--import', pathToFileURL(register).href, '--input-type=module', '-e', `await import(${JSON.stringify(driver)})`]).then(() => undefined, (e: { stderr: string }) => e);
  t.regex(refused?.stderr ?? '', /refused: /);

  const { stdout } = await run(process.execPath, ['--import', pathToFileURL(register).href, cli, 'targets'], { cwd: repoRoot });
  const boxes = await boxesFile();
  for (const b of boxes) t.regex(stdout, new RegExp(`^vagrant:${b.name}\\s`, 'm'));

  const help = (await run(process.execPath, [cli, 'run', '--help'], { cwd: repoRoot })).stdout.replace(/\s+/g, ' ');
  for (const b of boxes) t.regex(help, new RegExp(`vagrant:${b.name}[, ]`), `run --help names vagrant:${b.name}`);
});

// `audit-harness report merge` on inputs that are not what a run writes: each named by file and place in its JSON
// (exit 2), and --out left exactly as it was (no report, no part of one, no temp file). The CLI as a child process.
import test from 'ava';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { withDir as withTmpDir } from 'tmp-promise';
import type { RunResult } from '../harness/scenarios/result.js';
import { readJson, renderJson, writeJson } from '../harness/scenarios/report/index.js';
import { sampleRun } from './fixtures/report/runs.js';
import { cli } from './vm-cli.js';

const withDir = (f: (dir: string) => Promise<void>) => withTmpDir(({ path: dir }) => f(dir), { unsafeCleanup: true, prefix: 'report-merge-' });

/** Two shards of sampleRun (its results split in two), written as two runs' output directories. */
async function shards(dir: string): Promise<string[]> {
  const run = sampleRun();
  const half = Math.ceil(run.results.length / 2);
  const parts: RunResult[] = [{ ...run, results: run.results.slice(0, half) }, { ...run, results: run.results.slice(half) }];
  const dirs = [];
  for (const [i, part] of parts.entries()) {
    const d = path.join(dir, `shard${i + 1}`);
    await writeJson(part, path.join(d, 'results.json'));
    dirs.push(d);
  }
  return dirs;
}

/** A third run's output directory (sampleRun's scenarios under other ids), its results.json with `spoil` applied. */
async function spoiled(dir: string, name: string, spoil: (run: Record<string, any>) => void): Promise<string> {
  const run = sampleRun();
  const doc = JSON.parse(renderJson({ ...run, results: run.results.map((r) => ({ ...r, scenarioId: `other-${r.scenarioId}` })) }));
  spoil(doc.run);
  const d = path.join(dir, name);
  await mkdir(d, { recursive: true });
  await writeFile(path.join(d, 'results.json'), JSON.stringify(doc));
  return d;
}

/** Every file under dir with its contents (temp files included, by name). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[path.relative(dir, path.join(e.parentPath, e.name))] = await readFile(path.join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

test('report merge names the input file and the place in its JSON that is wrong, exits 2 and writes nothing', async (t) => {
  await withDir(async (dir) => {
    const [a, b] = await shards(dir);
    // The contents the review found crashing merge (s.steps is not iterable, r.target.replace is not a function,
    // Cannot read properties of undefined (reading 'filter')), and more.
    const cases: Array<[string, (run: Record<string, any>) => void, string]> = [
      ['steps', (r) => void (r.results[0].steps = { insmod: {} }), 'run.results[0].steps: expected array, got object'],
      ['target', (r) => void (r.results[3].target = 7), 'run.results[3].target: expected string, got number'],
      ['expectations', (r) => void delete r.results[1].expectations, 'run.results[1].expectations: missing (expected array)'],
      ['results', (r) => void delete r.results, 'run.results: missing (expected array)'],
      ['targets', (r) => void (r.targets = {}), 'run.targets: expected array, got object'],
      ['logged', (r) => void (r.results[0].steps[0].logged[0].types = 'SYSCALL'), 'run.results[0].steps[0].logged[0].types: expected array, got string'],
    ];
    for (const [name, spoil, where] of cases) {
      const bad = await spoiled(dir, `bad-${name}`, spoil);
      for (const reporter of ['junit,json,matrix', 'json', 'junit']) {
        const out = path.join(dir, `out-${name}`);
        const r = await cli(['report', 'merge', a!, b!, bad, '--out', out, '--reporter', reporter]);
        t.is(r.code, 2, `${name}: ${r.stderr}`);
        t.is(r.stderr, `audit-harness: ${path.join(bad, 'results.json')}: ${where}\n`, name);
        await t.throwsAsync(readdir(out), { code: 'ENOENT' }, `${name}: --out ${reporter} was created`);
      }
    }
  });
});

test('a failed report merge leaves the --out of an earlier merge as it was: every file, no temp file', async (t) => {
  await withDir(async (dir) => {
    const [a, b] = await shards(dir);
    const out = path.join(dir, 'merged');
    const good = await cli(['report', 'merge', a!, b!, '--out', out]);
    t.is(good.code, 1, good.stderr); // sampleRun has a failure: exit as run would have
    t.deepEqual(Object.keys(await snapshot(out)).sort(), ['coverage-matrix.html', 'coverage-matrix.md', 'junit.xml', 'results.json']);
    t.deepEqual((await readJson(path.join(out, 'results.json'))).results.length, sampleRun().results.length);
    const before = await snapshot(out);

    const bad = await spoiled(dir, 'bad', (r) => void (r.results[2].steps = null));
    const broken = await cli(['report', 'merge', a!, b!, bad, '--out', out]);
    t.is(broken.code, 2);
    t.regex(broken.stderr, /bad\/results\.json: run\.results\[2\]\.steps: expected array, got null\n$/);
    t.deepEqual(await snapshot(out), before);

    // Overlapping shards: found before anything is written.
    const overlap = await cli(['report', 'merge', a!, b!, a!, '--out', out]);
    t.is(overlap.code, 2);
    t.regex(overlap.stderr, /do the shards overlap\?/);
    t.deepEqual(await snapshot(out), before);

    // A file that cannot be put in place (a directory where coverage-matrix.html goes): none of the reports is.
    await rm(path.join(out, 'coverage-matrix.html'));
    await mkdir(path.join(out, 'coverage-matrix.html'));
    const blocked = await cli(['report', 'merge', a!, '--out', out]);
    t.is(blocked.code, 2);
    t.regex(blocked.stderr, /coverage-matrix\.html: is a directory\n$/);
    const { 'coverage-matrix.html': _html, ...rest } = before;
    t.deepEqual(await snapshot(out), rest);
  });
});

/** Gives each shard a logs/ directory (a guest's console log and one of a scenario's), marked with `mark`. */
async function withLogs(shardDirs: string[], mark: string): Promise<void> {
  for (const [i, d] of shardDirs.entries()) {
    await mkdir(path.join(d, 'logs', 'qemu_debian12-amd64'), { recursive: true });
    await writeFile(path.join(d, 'logs', 'qemu_debian12-amd64', 'console.log'), `shard ${i + 1} ${mark}\n`);
    await writeFile(path.join(d, 'logs', 'cis-64-root.log'), `scenario log of shard ${i + 1} ${mark}\n`);
  }
}

test('report merge puts each shard\'s logs at logs/<n> with the reports, and a merge that fails leaves them and --out as they were', async (t) => {
  await withDir(async (dir) => {
    const [a, b] = await shards(dir);
    const out = path.join(dir, 'merged');
    // An earlier merge of shards without logs: --out has no logs/.
    t.is((await cli(['report', 'merge', a!, b!, '--out', out])).code, 1);
    const reportsOnly = await snapshot(out);
    t.deepEqual(Object.keys(reportsOnly).sort(), ['coverage-matrix.html', 'coverage-matrix.md', 'junit.xml', 'results.json']);

    // The reports cannot be put in place (a directory where coverage-matrix.html goes): no logs/ either.
    await withLogs([a!, b!], 'first');
    await rm(path.join(out, 'coverage-matrix.html'));
    await mkdir(path.join(out, 'coverage-matrix.html'));
    const blocked = await cli(['report', 'merge', a!, b!, '--out', out]);
    t.is(blocked.code, 2);
    t.regex(blocked.stderr, /coverage-matrix\.html: is a directory\n$/);
    const { 'coverage-matrix.html': _html, ...rest } = reportsOnly;
    t.deepEqual(await snapshot(out), rest);
    t.deepEqual((await readdir(out)).sort(), ['coverage-matrix.html', 'coverage-matrix.md', 'junit.xml', 'results.json']);

    // Unblocked: the reports and both shards' logs.
    await rm(path.join(out, 'coverage-matrix.html'), { recursive: true });
    t.is((await cli(['report', 'merge', a!, b!, '--out', out])).code, 1);
    const merged = await snapshot(out);
    t.deepEqual(Object.keys(merged).filter((f) => f.startsWith('logs/')).sort(), [
      'logs/1/cis-64-root.log', 'logs/1/qemu_debian12-amd64/console.log', 'logs/2/cis-64-root.log', 'logs/2/qemu_debian12-amd64/console.log',
    ]);
    t.is(merged['logs/2/qemu_debian12-amd64/console.log'], 'shard 2 first\n');

    // New logs, and a report that cannot be put in place: the earlier merge's logs stay, every byte, no temp dir.
    await withLogs([a!, b!], 'second');
    await rm(path.join(out, 'junit.xml'));
    await mkdir(path.join(out, 'junit.xml'));
    const { 'junit.xml': _junit, ...before } = merged;
    const again = await cli(['report', 'merge', a!, b!, '--out', out]);
    t.is(again.code, 2);
    t.regex(again.stderr, /junit\.xml: is a directory\n$/);
    t.deepEqual(await snapshot(out), before);
    t.deepEqual((await readdir(out)).sort(), ['coverage-matrix.html', 'coverage-matrix.md', 'junit.xml', 'logs', 'results.json']);
    t.deepEqual((await readdir(path.join(out, 'logs'))).sort(), ['1', '2']);

    // Unblocked: the new logs replace the earlier merge's.
    await rm(path.join(out, 'junit.xml'), { recursive: true });
    t.is((await cli(['report', 'merge', a!, b!, '--out', out])).code, 1);
    const replaced = await snapshot(out);
    t.deepEqual(Object.keys(replaced).sort(), Object.keys(merged).sort());
    t.is(replaced['logs/1/cis-64-root.log'], 'scenario log of shard 1 second\n');
  });
});

test('a report merge into a new --out that fails half way (a shard\'s logs cannot be copied) leaves no --out, nor a parent it made', async (t) => {
  await withDir(async (dir) => {
    const [a, b] = await shards(dir);
    await withLogs([a!, b!], 'only');
    // A FIFO in the second shard's logs: fs.cp refuses it, after the first shard's logs were staged under --out.
    const fifo = spawnSync('mkfifo', [path.join(b!, 'logs', 'pipe')]);
    t.is(fifo.status, 0, String(fifo.stderr));
    const r = await cli(['report', 'merge', a!, b!, '--out', path.join(dir, 'new', 'merged')]);
    t.is(r.code, 2, r.stderr);
    t.true(r.stderr.startsWith(`audit-harness: ${b}: its logs cannot be copied to ${path.join(dir, 'new', 'merged', 'logs', '2')}: `), r.stderr);
    t.regex(r.stderr, new RegExp(`FIFO pipe.*${path.join(b!, 'logs', 'pipe')}`));
    t.notRegex(r.stderr, /\.tmp/);
    t.deepEqual((await readdir(dir)).sort(), ['shard1', 'shard2']);
  });
});

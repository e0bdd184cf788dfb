import test from 'ava';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResult } from '../harness/scenarios/result.js';
import { RESULTS_FORMAT, readJson, renderJson, writeJson } from '../harness/scenarios/report/index.js';
import { repoRoot } from '../harness/paths.js';
import { writeFilesAtomic } from '../harness/scenarios/report/atomic-write.js';
import { NASTY, hostileRun, sampleRun } from './fixtures/report/runs.js';

/** The same value with every object's keys inserted in reverse order. */
function reversedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reversedKeys) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)])) as T;
  return v;
}

function keysSortedEverywhere(v: unknown, where = '$'): string | undefined {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = keysSortedEverywhere(v[i], `${where}[${i}]`);
      if (bad) return bad;
    }
  } else if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.join('\n') !== [...keys].sort().join('\n')) return where;
    for (const k of keys) {
      const bad = keysSortedEverywhere((v as Record<string, unknown>)[k], `${where}.${k}`);
      if (bad) return bad;
    }
  }
  return undefined;
}

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'report-json-'));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('results.json round-trips the whole run, every event with its full records', async (t) => {
  await withDir(async (dir) => {
    const run = hostileRun();
    const file = path.join(dir, 'results.json');
    await writeJson(run, file);
    const back: RunResult = await readJson(file);
    // Each gap and failure carries its repro command, run from results.json's directory; nothing else does.
    for (const r of back.results) {
      if (r.outcome === 'gap' || r.outcome === 'fail') t.true(r.repro?.startsWith(`audit-harness repro --results results.json --scenario `), r.scenarioId);
      else t.is(r.repro, undefined);
    }
    // Parsed records are class instances with lazily split fields: compare as plain data.
    t.deepEqual({ ...back, results: back.results.map(({ repro: _r, validate: _v, ...r }) => r) }, JSON.parse(JSON.stringify(run)));
    const text = await readFile(file, 'utf8');
    const doc = JSON.parse(text);
    t.is(doc.format, RESULTS_FORMAT);
    t.is(doc.version, 1);
    t.deepEqual(doc.summary.outcomes, { error: 2, fail: 2, gap: 3, 'not-applicable': 1, pass: 3 });
    t.deepEqual(doc.summary.targets['debian12-amd64'], { error: 1, fail: 1, gap: 2, 'not-applicable': 0, pass: 1 });
    t.regex(doc.summary.targets['debian11-amd64'].targetError, /could not load kernel/);
    // Full records: the 64 KiB proctitle and the raw line are there in full, not cut as in JUnit.
    const ev = back.results.at(-3)!.steps[0]!.events[0]!;
    const proctitle = ev.records.find((r) => r.type === 'PROCTITLE')!;
    t.true(proctitle.raw.length > 128 * 1024);
    t.true(text.includes(proctitle.fields[0]!.value));
    t.is(back.results.at(-3)!.title, `title ${NASTY}`);
    const first = back.results[0]!.steps[0]!.events[0]!;
    t.is(first.records.map((r) => r.type).join(','), 'SYSCALL,KERN_MODULE,PROCTITLE');
    // Lazily parsed fields are written out, not the parser's private state.
    t.deepEqual(first.records[0]!.fields.slice(0, 2), [{ name: 'arch', value: 'c000003e' }, { name: 'syscall', value: '313' }]);
    t.false(text.includes('"bodyStart"'));
  });
});

test('results.json has a stable key order whatever order the runner built its objects in', (t) => {
  const a = renderJson(sampleRun());
  const b = renderJson(reversedKeys(JSON.parse(JSON.stringify(sampleRun())) as RunResult));
  t.is(a, b);
  t.is(keysSortedEverywhere(JSON.parse(a)), undefined);
  t.true(a.endsWith('}\n'));
});

test('writeJson replaces the file atomically and leaves no temp files, also when it fails', async (t) => {
  await withDir(async (dir) => {
    const file = path.join(dir, 'results.json');
    await writeFile(file, 'old contents');
    await writeJson(sampleRun(), file);
    t.deepEqual(await readdir(dir), ['results.json']);
    t.is(await readFile(file, 'utf8'), renderJson(sampleRun()));
    await t.throwsAsync(writeJson(sampleRun(), path.join(file, 'below-a-file.json')));
    t.deepEqual(await readdir(dir), ['results.json']);
  });
});

test('readJson names the file that is not a results file', async (t) => {
  await withDir(async (dir) => {
    const notJson = path.join(dir, 'junit.xml');
    await writeFile(notJson, '<testsuites/>');
    await t.throwsAsync(readJson(notJson), { message: new RegExp(`^${notJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a results file`) });
    const other = path.join(dir, 'other.json');
    await writeFile(other, '{"format":"something-else","version":1,"run":{}}');
    await t.throwsAsync(readJson(other), { message: /other\.json: not a audit-harness\/results v1 file/ });
  });
});

/** A results.json of sampleRun() with `spoil` applied to its parsed document. */
async function spoiled(dir: string, name: string, spoil: (doc: { run: Record<string, any> }) => void): Promise<string> {
  const doc = JSON.parse(renderJson(sampleRun()));
  spoil(doc);
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(doc));
  return file;
}

test('readJson names the file and the place in its JSON of contents that break the contract, never a JavaScript error', async (t) => {
  await withDir(async (dir) => {
    const cases: Array<[string, (d: { run: Record<string, any> }) => void, string]> = [
      ['steps-object', (d) => void (d.run.results[1].steps = {}), 'run.results[1].steps: expected array, got object'],
      ['target-number', (d) => void (d.run.results[0].target = 42), 'run.results[0].target: expected string, got number'],
      ['no-results', (d) => void delete d.run.results, 'run.results: missing (expected array)'],
      ['results-string', (d) => void (d.run.results = 'none'), 'run.results: expected array, got string'],
      ['no-expectations', (d) => void delete d.run.results[2].expectations, 'run.results[2].expectations: missing (expected array)'],
      ['outcome', (d) => void (d.run.results[0].outcome = 'passed'), 'run.results[0].outcome: Invalid option: expected one of "pass"|"gap"|"fail"|"error"|"not-applicable"'],
      ['record-fields', (d) => void (d.run.results[0].steps[0].events[0].records[1].fields = null), 'run.results[0].steps[0].events[0].records[1].fields: expected array, got null'],
      ['target-name', (d) => void (d.run.targets[0].name = ['x']), 'run.targets[0].name: expected string, got array'],
      ['started', (d) => void (d.run.startedAt = 'yesterday'), 'run.startedAt: not a date'],
      ['fact', (d) => void (d.run.targets[0].facts = { kmod: '30' }), 'run.targets[0].facts.kmod: expected number, got string'],
    ];
    for (const [name, spoil, where] of cases) {
      const file = await spoiled(dir, `${name}.json`, spoil);
      const err = await t.throwsAsync(readJson(file));
      t.is(err?.message, `${file}: ${where}`, name);
    }
    // Several problems: the first three, each on its own line with the file, and how many more.
    const many = await spoiled(dir, 'many.json', (d) => d.run.results.forEach((r: Record<string, unknown>) => (r.steps = 1)));
    const lines = (await t.throwsAsync(readJson(many)))!.message.split('\n');
    t.deepEqual(lines.slice(0, 3), [0, 1, 2].map((i) => `${many}: run.results[${i}].steps: expected array, got number`));
    t.is(lines[3], `${many}: (and ${sampleRun().results.length - 3} more)`);
  });
});

test('readJson keeps what it does not check: fields a newer writer adds, and facts older runs did not record', async (t) => {
  await withDir(async (dir) => {
    const file = await spoiled(dir, 'r.json', (d) => {
      d.run.results[0].futureField = { a: 1 };
      d.run.targets[0].facts = { kernel: '6.1.0-27-cloud-amd64', kmod: 30 };
    });
    const back = await readJson(file);
    t.deepEqual((back.results[0] as unknown as { futureField: unknown }).futureField, { a: 1 });
    t.deepEqual(back.targets[0]!.facts as unknown, { kernel: '6.1.0-27-cloud-amd64', kmod: 30 });
    // A real run's results.json, recorded before the kernModule fact existed, reads.
    const real = await readJson(path.join(repoRoot, 'test/fixtures/sim-calibration/debian12-amd64.cis-64-root.results.json'));
    t.true(real.results.length > 0);
  });
});

test('writeFilesAtomic writes all the files or none: one that cannot be written leaves the others as they were, and no temp file', async (t) => {
  await withDir(async (dir) => {
    const a = path.join(dir, 'a.txt');
    await writeFile(a, 'old a');
    await writeFile(path.join(dir, 'file'), 'a file');
    await t.throwsAsync(writeFilesAtomic([{ file: a, data: 'new a' }, { file: path.join(dir, 'b.txt'), data: 'new b' }, { file: path.join(dir, 'file', 'c.txt'), data: 'c' }]));
    t.deepEqual((await readdir(dir)).sort(), ['a.txt', 'file']);
    t.is(await readFile(a, 'utf8'), 'old a');
    await writeFilesAtomic([{ file: a, data: 'new a' }, { file: path.join(dir, 'b.txt'), data: 'new b' }]);
    t.deepEqual((await readdir(dir)).sort(), ['a.txt', 'b.txt', 'file']);
    t.is(await readFile(a, 'utf8'), 'new a');
  });
});

import test from 'ava';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResult } from '../harness/scenarios/result.js';
import { RESULTS_FORMAT, readJson, renderJson, writeJson } from '../harness/scenarios/report/index.js';
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

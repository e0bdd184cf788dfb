// `audit-harness elastic docs|query|rule` on a real guest log: NDJSON out, exit 0/1 by matches, clear errors.
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { elasticDocs, elasticQuery, elasticRule, OUTSIDE_STEPS, register } from '../harness/cli/elastic.js';
import { repoRoot } from '../harness/paths.js';

const LOG = path.join(repoRoot, 'test/fixtures/elastic/real-debian12-i686-removal-paths.log');
const SEED_QUERY = 'event.category:process and event.type:(start or process_started) and process.args:((rmmod and sudo) or (modprobe and sudo and ("--remove" or "-r")))';

function collector(): { write: (s: string) => void; lines: () => string[] } {
  let out = '';
  return { write: (s) => (out += s), lines: () => out.split('\n').filter((l) => l !== '') };
}

test('docs prints one JSON document per event auditbeat would receive', async (t) => {
  const out = collector();
  t.is(await elasticDocs([LOG], out.write), 0);
  const docs = out.lines().map((l) => JSON.parse(l) as { event: { module: string } });
  t.true(docs.length > 300);
  t.true(docs.every((d) => d.event.module === 'auditd'));
});

test("query prints the seed rule's hits (sudo rmmod, sudo modprobe -r, sudo modprobe --remove) and exits 0", async (t) => {
  const out = collector();
  t.is(await elasticQuery(SEED_QUERY, [LOG], {}, out.write), 0);
  const hits = out.lines().map((l) => (JSON.parse(l) as { process: { args: string[] } }).process.args.join(' '));
  t.deepEqual(hits, ['sudo -n rmmod audit_test_mod', 'sudo -n modprobe -r audit_test_mod', 'sudo -n modprobe --remove audit_test_mod']);
  const count = collector();
  t.is(await elasticQuery(SEED_QUERY, [LOG], { count: true }, count.write), 0);
  t.deepEqual(count.lines(), ['3']);
});

test('query exits 1 when nothing matches, and names the column of a malformed query', async (t) => {
  const out = collector();
  t.is(await elasticQuery('process.args:no-such-arg', [LOG], {}, out.write), 1);
  t.deepEqual(out.lines(), []);
  const err = await t.throwsAsync(elasticQuery('process.args:(sudo', [LOG], {}, out.write));
  t.regex(err?.message ?? '', /^KQL syntax error at column 19: /);
  t.false(err?.stack?.includes('KqlSyntaxError') ?? false, 'a plain Error: the CLI prints its message only');
});

test('an unreadable log is named in the error', async (t) => {
  const err = await t.throwsAsync(elasticDocs(['/nonexistent/audit.log'], () => undefined));
  t.is(err?.message, 'cannot read /nonexistent/audit.log: ENOENT');
});

test('register adds elastic docs, query and rule', (t) => {
  const program = new Command('audit-harness');
  register(program);
  const elastic = program.commands.find((c) => c.name() === 'elastic');
  t.deepEqual(elastic?.commands.map((c) => c.name()), ['docs', 'query', 'rule']);
});

test('rule prints, per step, what the kernel logged beside each version of the seed rule', async (t) => {
  const out = collector();
  const amd64 = path.join(repoRoot, 'test/fixtures/elastic/real-debian12-amd64-removal-paths.log');
  t.is(await elasticRule(amd64, {}, out.write), 0);
  const lines = out.lines();
  t.is(lines[0], 'Kernel Module Removal (003_906abfc06f8ae31e.txt)');
  t.true(lines.includes('elastic-removal-paths-execve/sudo-modprobe-remove\tlogged (exec)\tcurrent: fired, replaced: fired'));
  t.true(lines.includes('  current fired on: sudo -n modprobe --remove audit_test_mod'));
  t.true(lines.includes('elastic-removal-paths-execve/sudo-rmmod-full-path\tlogged (exec)\tcurrent: silent, replaced: silent'));
  t.true(lines.includes('elastic-removal-paths-seed-rules/sudo-loader32-delete\tnothing logged by a rule\tcurrent: silent, replaced: silent'));
});

test('rule names the events outside every scenario step instead of printing a bare `-`', async (t) => {
  const out = collector();
  await elasticRule(LOG, {}, out.write);
  const steps = out.lines().slice(1).filter((l) => !l.startsWith('  ')).map((l) => l.split('\t')[0]!);
  t.is(steps[0], OUTSIDE_STEPS, 'the log starts before the first step marker (boot, rules loaded)');
  t.false(steps.includes('-'));
  t.true(steps.slice(1).every((s) => /^[^/\s]+\/\S+$/.test(s)), steps.join('\n'));
});

test('rule exits 1 when the rule never fires, and names the file of a malformed rule query', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'elastic-cli-'));
  try {
    const never = path.join(dir, 'never.yaml');
    await writeFile(never, 'name: never\nsource: test\nversions:\n  - { id: only, rule_version: 1, note: none, query: "process.args:no-such-arg" }\n');
    t.is(await elasticRule(LOG, { rule: never }, () => undefined), 1);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'name: bad\nsource: test\nversions:\n  - { id: only, rule_version: 1, note: none, query: "process.args:(sudo" }\n');
    const err = await t.throwsAsync(elasticRule(LOG, { rule: bad }, () => undefined));
    t.regex(err?.message ?? '', /bad\.yaml: version only: KQL syntax error at column 19/);
    const missing = await t.throwsAsync(elasticRule(LOG, { rule: path.join(dir, 'none.yaml') }, () => undefined));
    t.regex(missing?.message ?? '', /^cannot read .*none\.yaml: ENOENT$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// `audit-harness elastic` on bad input, as a user runs it: an event Elasticsearch would refuse (a time stamp past
// year 9999) is skipped with its file and line while the rest is printed; a malformed --rule file is named with
// the line and column of each problem, yaml's or the schema's, one line each.
import test from 'ava';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseLog } from '../harness/audit/records/index.js';
import { auditbeatDocuments, auditbeatDocumentsOfLog } from '../harness/tools/elastic/auditbeat-documents.js';
import { loadDetectionRule } from '../harness/tools/elastic/detection-rule.js';
import { repoRoot } from '../harness/paths.js';
import { YamlFileError } from '../harness/yaml-errors.js';

const cli = path.join(repoRoot, 'dist/harness/cli.js');
const elastic = (dir: string, args: string[]) => execa('node', [cli, 'elastic', ...args], { cwd: dir, reject: false });

const LOAD = (stamp: string) => `type=SYSCALL msg=audit(${stamp}): arch=c000003e syscall=175 success=yes exit=0 key="modules"`;
const FAR = LOAD('99999999999999.999:5');

async function inTempDir(t: { teardown: (f: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'elastic-bad-input-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('elastic docs skips an event stamped past year 9999 with file:line, and prints the other lines and logs', async (t) => {
  const dir = await inTempDir(t);
  await writeFile(path.join(dir, 't.log'), `${FAR}\n${LOAD('1700000000.000:6')}\n`);
  await writeFile(path.join(dir, 'u.log'), `${LOAD('1700000001.000:7')}\n`);
  const r = await elastic(dir, ['docs', 't.log', 'u.log']);
  t.is(r.exitCode, 0, r.stderr);
  const docs = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { '@timestamp': string; auditd: { sequence: number } });
  t.deepEqual(docs.map((d) => [d.auditd.sequence, d['@timestamp']]), [[6, '2023-11-14T22:13:20.000Z'], [7, '2023-11-14T22:13:21.000Z']]);
  t.deepEqual(r.stderr.split('\n').filter((l) => l !== ''), [
    "audit-harness elastic: skipped t.log:1: audit(99999999999999.999:5): its time is past 9999-12-31T23:59:59.999Z: Elasticsearch's date format (strict_date_optional_time, four-digit years) refuses the document's @timestamp",
  ]);
  t.false(r.stderr.includes('Invalid time value'));
});

test('elastic query and elastic rule go on past such an event too', async (t) => {
  const dir = await inTempDir(t);
  await writeFile(path.join(dir, 't.log'), `${LOAD('1700000000.000:6')}\n${FAR}\n`);
  const q = await elastic(dir, ['query', '--count', 'tags:modules', 't.log']);
  t.is(q.exitCode, 0, q.stderr);
  t.is(q.stdout.trim(), '1');
  t.regex(q.stderr, /^audit-harness elastic: skipped t\.log:2: audit\(99999999999999\.999:5\): its time is past 9999/);
  const r = await elastic(dir, ['rule', 't.log']);
  t.is(r.exitCode, 1, r.stderr); // the seed rule does not fire on a module load
  t.deepEqual(r.stdout.split('\n').filter((l) => l !== ''), ['Kernel Module Removal (003_906abfc06f8ae31e.txt)', '(outside any step: boot, setup)\tlogged (modules)\tcurrent: silent, replaced: silent']);
  t.regex(r.stderr, /^audit-harness elastic: skipped t\.log:2: audit\(99999999999999\.999:5\): its time is past 9999/);
});

test('the last indexed time is 9999-12-31T23:59:59.999Z; one millisecond later is skipped, in line order among parse problems', (t) => {
  const last = auditbeatDocuments(parseLog(`${LOAD('253402300799.999:1')}\n`).events);
  t.is(last.length, 1);
  t.is(last[0]!.doc['@timestamp'], '9999-12-31T23:59:59.999Z');
  const { docs, problems } = auditbeatDocumentsOfLog(`${LOAD('253402300800.000:2')}\nnot a record\n${LOAD('1700000000.000:3')}\n`, 'x.log');
  t.deepEqual(docs.map((d) => d.doc['@timestamp']), ['2023-11-14T22:13:20.000Z']);
  t.is(problems.length, 2);
  t.regex(problems[0]!, /^x\.log:1: audit\(253402300800\.000:2\): its time is past 9999-12-31T23:59:59\.999Z/);
  t.regex(problems[1]!, /^x\.log:2: not an audit record/);
});

test('a --rule file with a YAML syntax error is named file:line:col with yaml\'s message, not as unreadable', async (t) => {
  const dir = await inTempDir(t);
  await writeFile(path.join(dir, 't.log'), `${LOAD('1700000000.000:6')}\n`);
  // an unclosed quoted query: yaml reports it where it stops, at the end of the file
  await writeFile(path.join(dir, 'synerr.yaml'), 'name: x\nsource: s\nversions:\n  - id: a\n    rule_version: 1\n    note: n\n    query: "process.args:sudo\n');
  const r = await elastic(dir, ['rule', '--rule', 'synerr.yaml', 't.log']);
  t.is(r.exitCode, 2);
  t.is(r.stdout, '');
  t.regex(r.stderr, /^audit-harness: synerr\.yaml:8:1: Missing closing "quote$/);
  // a flow sequence left open: yaml's message, at the position yaml gives
  await writeFile(path.join(dir, 'flow.yaml'), 'name: x\nsource: [a\nversions: []\n');
  const e = t.throws(() => loadDetectionRule(path.join(dir, 'flow.yaml')));
  t.true(e instanceof YamlFileError);
  t.regex(e?.message ?? '', /^.*flow\.yaml:\d+:\d+: [A-Z][^\n]*$/);
  t.false(/cannot read|[A-Z]+_[A-Z]+/.test(e?.message ?? ''), "yaml's error code is not a file-system error");
});

test('a --rule file that breaks the schema gets one line per problem, with its path and line, in file order', async (t) => {
  const dir = await inTempDir(t);
  await writeFile(path.join(dir, 't.log'), `${LOAD('1700000000.000:6')}\n`);
  await writeFile(path.join(dir, 'schema.yaml'), [
    'name: 1',
    'source: s',
    'versions:',
    '  - id: a',
    '    rule_version: "x"',
    '    query: q',
    '',
  ].join('\n'));
  const r = await elastic(dir, ['rule', '--rule', 'schema.yaml', 't.log']);
  t.is(r.exitCode, 2);
  t.deepEqual(r.stderr.split('\n').filter((l) => l !== ''), [
    'audit-harness: schema.yaml:1:7: name: Invalid input: expected string, received number',
    // a missing key is at the map that lacks it
    'schema.yaml:4:5: versions.0.note: Invalid input: expected string, received undefined',
    'schema.yaml:5:19: versions.0.rule_version: Invalid input: expected number, received string',
  ]);
  // an empty file and an empty versions list
  await writeFile(path.join(dir, 'empty.yaml'), '');
  t.is(t.throws(() => loadDetectionRule(path.join(dir, 'empty.yaml')))?.message, `${path.join(dir, 'empty.yaml')}:1:1: (top): Invalid input: expected object, received null`);
  await writeFile(path.join(dir, 'none.yaml'), 'name: x\nsource: s\nversions: []\n');
  t.is(t.throws(() => loadDetectionRule(path.join(dir, 'none.yaml')))?.message, `${path.join(dir, 'none.yaml')}:3:11: versions: Too small: expected array to have >=1 items`);
});

import test from 'ava';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderJunit, writeJunit } from '../harness/scenarios/report/index.js';
import { testcaseNames } from '../harness/scenarios/report/junit.js';
import { golden } from './fixtures/report/golden.js';
import { hostileRun, sampleRun } from './fixtures/report/runs.js';
import { XmlError, findAll, parseXml, type XmlElement } from './fixtures/report/xml-check.js';

const props = (el: XmlElement): Record<string, string> =>
  Object.fromEntries(
    (el.children.find((c) => c.name === 'properties')?.children ?? []).map((p) => [p.attrs.name!, p.attrs.value!]),
  );

test('junit output matches the golden file', (t) => {
  const { expected, file } = golden('junit.golden.xml', renderJunit(sampleRun()));
  t.is(renderJunit(sampleRun()), expected, `differs from ${file} (UPDATE_GOLDEN=1 to accept)`);
});

test('the well-formedness checker rejects what XML forbids', (t) => {
  for (const bad of [
    '<a>x & y</a>',
    '<a b="<"/>',
    '<a b="1" b="2"/>',
    '<a><b></a></b>',
    '<a>\x1b</a>',
    '<a>&#27;</a>',
    '<a>]]></a>',
    '<a>\ud800</a>',
    '<a/><b/>',
    '<a b=1/>',
    '<a>&nbsp;</a>',
  ]) {
    t.throws(() => parseXml(bad), { instanceOf: XmlError }, JSON.stringify(bad));
  }
  t.is(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="&lt;&#10;">1 &amp; 2</a>\n').text, '1 & 2');
});

test('junit: a testsuite per target, a testcase per scenario, counts as CI reads them', (t) => {
  const run = sampleRun();
  const root = parseXml(renderJunit(run));
  t.is(root.name, 'testsuites');
  const suites = root.children.filter((c) => c.name === 'testsuite');
  t.deepEqual(
    suites.map((s) => s.attrs.name),
    ['debian12-amd64', 'debian12-686', 'debian11-amd64'],
  );
  const amd64 = suites[0]!;
  t.deepEqual(
    [amd64.attrs.tests, amd64.attrs.failures, amd64.attrs.errors, amd64.attrs.skipped],
    ['5', '1', '1', '0'],
  );
  t.deepEqual(props(amd64), { 'kernel.release': '6.1.0-27-cloud-amd64', arch: 'x86_64', 'boot.ms': '3120' });
  t.deepEqual(props(suites[1]!), { 'kernel.release': '6.1.0-27-686-pae', arch: 'i686', 'boot.ms': '8950' });
  // Totals: the target that never booted is one error.
  t.deepEqual([root.attrs.tests, root.attrs.failures, root.attrs.errors, root.attrs.skipped], ['9', '1', '2', '1']);

  const cases = findAll(root, 'testcase');
  t.is(cases.length, 9);
  for (const c of cases.slice(0, 8)) t.truthy(run.results.find((r) => c.attrs.classname === r.target && c.attrs.name === `${r.scenarioId}: ${r.title}`));

  const byName = (suite: XmlElement, id: string) => suite.children.find((c) => c.name === 'testcase' && c.attrs.name!.startsWith(`${id}:`))!;
  const failed = byName(amd64, 'ssg-modprobe-sudo');
  const failure = failed.children.find((c) => c.name === 'failure')!;
  t.is(failure.attrs.message, '1 of 2 expectations not met');
  t.true(failure.text.includes('type=KERN_MODULE name=audit_test_mod_v2'), 'expected text');
  t.true(failure.text.includes('type=KERN_MODULE msg=audit(1763834520.114:301): name="audit_test_mod"'), 'actual record');
  t.true(failure.text.includes('sudo modprobe audit_test_mod  -> exit 0'), 'step command and exit code');

  const errored = byName(amd64, 'elastic-rmmod-sudo').children.find((c) => c.name === 'error')!;
  t.is(errored.attrs.type, 'infrastructure');
  t.true(errored.attrs.message!.startsWith('step unload: ssh channel closed'));

  // A documented gap is a pass: no failure, no skipped, no error; the reason travels as properties and output.
  const gap = byName(amd64, 'cis-loader32');
  t.deepEqual(gap.children.map((c) => c.name), ['properties', 'system-out']);
  t.is(props(gap).outcome, 'gap');
  t.regex(props(gap)['gap.1.reason']!, /only arch=b64/);
  t.is(props(gap)['gap.1.reference'], 'CIS 4.1.3.7; docs/SOURCES.md [R7] (arch=40000003)');
  t.true(gap.children[1]!.text.startsWith('documented gap: step load32'));

  const na = byName(suites[1]!, 'cis-loader32');
  t.truthy(na.children.find((c) => c.name === 'skipped'));
  const boot = findAll(suites[2]!, 'testcase')[0]!;
  t.is(boot.attrs.name, 'target setup');
  t.regex(boot.children.find((c) => c.name === 'error')!.attrs.message!, /could not load kernel/);
});

test('junit stays well-formed with quotes, markup, control characters, lone surrogates and a 64 KiB proctitle', (t) => {
  const xml = renderJunit(hostileRun());
  const root = parseXml(xml);
  const hostile = findAll(root, 'testcase').filter((c) => c.attrs.classname!.startsWith('tgt-q"uo'));
  t.is(hostile.length, 3);
  const name = hostile[0]!.attrs.name!;
  t.true(name.startsWith(`hostile-q"uo'te <tag attr="x"> & amp; ]]> \\x00\\x01\\x07\\x08\\x0b\\x0c\\x1b[31mRED\\x1b[0m`), name);
  t.true(name.includes('\\ud800 \\udfff \\ufffe end'), name);
  const failure = hostile[0]!.children.find((c) => c.name === 'failure')!;
  t.true(failure.text.includes('proctitle=696E736D6F64002F726F6F742F41414141'));
  // The 64 KiB proctitle is cut in the XML (results.json keeps it) and says by how much.
  t.regex(failure.text, /…\[\+\d+ chars\]/);
  t.true(xml.length < 60_000, `${xml.length} bytes`);
  // The target that failed to boot has no results of its own here: its error is in the suite's properties.
  const suite = root.children.find((s) => s.attrs.name!.startsWith('tgt-'))!;
  t.true(props(suite)['target.error']!.startsWith('boot q"uo'));
});

test('writeJunit writes the file atomically and leaves no temp file', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'report-junit-'));
  try {
    const file = path.join(dir, 'sub', 'junit.xml');
    await writeJunit(sampleRun(), file);
    await writeJunit(hostileRun(), file);
    t.deepEqual(await readdir(path.dirname(file)), ['junit.xml']);
    t.is(await readFile(file, 'utf8'), renderJunit(hostileRun()));
    // A directory in the way: the write fails and leaves nothing behind.
    await t.throwsAsync(writeJunit(sampleRun(), path.join(dir, 'sub')));
    t.deepEqual(await readdir(path.join(dir, 'sub')), ['junit.xml']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('junit: a scenario run twice on one target (two rule sets, two ways to apply) gets distinct testcase names', (t) => {
  const base = sampleRun().results[0]!;
  const results = [base, { ...base, ruleset: 'ssg' }, { ...base, ruleset: 'ssg', apply: 'auditctl' }, { ...base, target: 'other' }];
  t.deepEqual(testcaseNames(results), [
    'cis-insmod-rmmod [cis-64]: insmod and rmmod as root are logged with key modules',
    'cis-insmod-rmmod [ssg, augenrules]: insmod and rmmod as root are logged with key modules',
    'cis-insmod-rmmod [ssg, auditctl]: insmod and rmmod as root are logged with key modules',
    'cis-insmod-rmmod: insmod and rmmod as root are logged with key modules',
  ]);
  const root = parseXml(renderJunit({ startedAt: 'x', durationMs: 1, targets: [], results }));
  const names = findAll(root, 'testcase').map((c) => `${c.attrs.classname} ${c.attrs.name}`);
  t.is(new Set(names).size, names.length);
});

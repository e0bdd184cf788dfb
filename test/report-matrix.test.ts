import test from 'ava';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResult, ScenarioResult } from '../harness/scenarios/result.js';
import {
  buildMatrix,
  cellText,
  renderMatrixHtml,
  renderMatrixMarkdown,
  matrixTotals,
  parseReporters,
  writeMatrix,
  writeReports,
  type Matrix,
  type MatrixCell,
} from '../harness/scenarios/report/index.js';
import { golden } from './fixtures/report/golden.js';
import { expectedHtmlCounts, markdownShapeProblem, markdownTables } from './fixtures/report/matrix-shape.js';
import { NASTY, hostileRun, sampleRun, twoTargetRun } from './fixtures/report/runs.js';

function cell(m: Matrix, row: string, ruleset: string, target: string): MatrixCell | null {
  const r = m.rows.findIndex((x) => x.label === row);
  const c = m.columns.findIndex((x) => x.ruleset === ruleset && x.target === target);
  if (r < 0 || c < 0) throw new Error(`no row ${row} or column ${ruleset}/${target}`);
  return m.cells[r]![c]!;
}

test('matrix: rows are path (as), loads before unloads, the everyday path first; columns rule set × arch × target', (t) => {
  const m = buildMatrix(sampleRun());
  t.deepEqual(
    m.rows.map((r) => r.label),
    ['modprobe (sudo)', 'insmod (root)', 'loader32:init_module (root)', 'rmmod (root)', 'rmmod (sudo)'],
  );
  t.deepEqual(m.rows.map((r) => r.unload), [false, false, false, true, true]);
  t.deepEqual(
    m.columns.map((c) => `${c.ruleset}/${c.arch}/${c.target}`),
    [
      'cis-32/i686/debian12-686',
      'cis-64/x86_64/debian12-amd64',
      'elastic/x86_64/debian12-amd64',
      'ssg/x86_64/debian12-amd64',
      'ssg/i686/debian12-686',
    ],
  );
  t.is(cellText(cell(m, 'insmod (root)', 'ssg', 'debian12-686')!), '✓ finit_module · modules');
  t.deepEqual(
    m.columns.map((c) => [c.kernelRelease, c.apply.join(',')]),
    [
      ['6.1.0-27-686-pae', 'augenrules'],
      ['6.1.0-27-cloud-amd64', 'augenrules'],
      ['6.1.0-27-cloud-amd64', 'auditctl'],
      ['6.1.0-27-cloud-amd64', 'auditctl-R'],
      ['6.1.0-27-686-pae', 'auditctl-R'],
    ],
  );
  t.is(matrixTotals(m), '5 paths × 5 columns: 7 logged, 1 documented gap, 1 unknown (error)');
  t.is(m.cells.length, m.rows.length);
  for (const row of m.cells) t.is(row.length, m.columns.length);
});

test('matrix cells: logged with syscall names and keys, documented gap, i386 call on x86_64, error, empty', (t) => {
  const m = buildMatrix(sampleRun());
  const insmod = cell(m, 'insmod (root)', 'cis-64', 'debian12-amd64')!;
  t.is(insmod.status, 'logged');
  t.deepEqual(insmod.syscalls, ['finit_module']);
  t.deepEqual(insmod.keys, ['modules']);
  t.is(cellText(insmod), '✓ finit_module · modules');
  t.deepEqual(insmod.gaps.map((g) => g.reference), ['linux-audit/audit-userspace#53']);
  // Syscall numbers are per arch: 350 on the i686 kernel is finit_module too.
  t.is(cellText(cell(m, 'insmod (root)', 'cis-32', 'debian12-686')!), '✓ finit_module · modules');
  t.is(cellText(cell(m, 'rmmod (root)', 'cis-32', 'debian12-686')!), '✓ delete_module · modules');

  const gap = cell(m, 'loader32:init_module (root)', 'cis-64', 'debian12-amd64')!;
  t.is(gap.status, 'gap');
  t.is(gap.gaps.length, 1);
  t.regex(gap.gaps[0]!.reason, /only arch=b64/);
  t.is(gap.gaps[0]!.reference, 'CIS 4.1.3.7; docs/SOURCES.md [R7] (arch=40000003)');
  t.is(cellText(cell(m, 'loader32:init_module (root)', 'ssg', 'debian12-amd64')!), '✓ init_module (i386) · modules');

  const failed = cell(m, 'modprobe (sudo)', 'ssg', 'debian12-amd64')!;
  t.true(failed.failed);
  t.is(cellText(failed), '✓ finit_module · modules †');
  t.is(cell(m, 'rmmod (sudo)', 'elastic', 'debian12-amd64')!.status, 'error');
  t.is(cell(m, 'insmod (root)', 'ssg', 'debian12-amd64'), null);
});

function scenario(id: string, logged: boolean, extra: Partial<ScenarioResult> = {}): ScenarioResult {
  const run = sampleRun();
  const base = run.results[0]!;
  const step = { ...base.steps[0]!, ...(logged ? {} : { events: [], logged: [] }) };
  return { ...base, scenarioId: id, steps: [step], expectations: [], ...extra };
}

test('matrix: a path logged in some runs only is partial; not logged without a documented gap is not-logged', (t) => {
  const run: RunResult = { startedAt: 'x', durationMs: 1, targets: [], results: [scenario('a', true), scenario('b', false), scenario('c', false, { ruleset: 'stig' })] };
  const m = buildMatrix(run);
  const partial = cell(m, 'insmod (root)', 'cis-64', 'debian12-amd64')!;
  t.is(partial.status, 'partial');
  t.is(cellText(partial), '◐ finit_module · modules (1/2)');
  t.deepEqual(partial.scenarios, ['a', 'b']);
  t.is(cellText(cell(m, 'insmod (root)', 'stig', 'debian12-amd64')!), '✗ not logged');
  // Not-applicable results add no column.
  const na = buildMatrix({ ...run, results: [scenario('d', true, { outcome: 'not-applicable', ruleset: 'only-na' })] });
  t.deepEqual(na.columns.map((c) => c.ruleset), []);
});

test('matrix: a generic run step is a row only when it logged or was asserted on', (t) => {
  const base = scenario('a', true);
  const setup = { ...base.steps[0]!, id: 'setup', path: 'run', command: 'ln -s /usr/bin/kmod /tmp/x', events: [], logged: [] };
  const custom = { ...base.steps[0]!, id: 'custom', path: 'run', command: 'exec -a insmod /usr/bin/kmod /root/audit_test_mod.ko' };
  const only = buildMatrix({ startedAt: 'x', durationMs: 1, targets: [], results: [{ ...base, steps: [setup] }] });
  t.deepEqual([only.rows.length, only.columns.length], [0, 0]);
  const m = buildMatrix({ startedAt: 'x', durationMs: 1, targets: [], results: [{ ...base, steps: [setup, custom, base.steps[0]!] }] });
  t.deepEqual(m.rows.map((r) => r.label), ['insmod (root)', 'run (root)']);
  const asserted = { ...base, steps: [setup], expectations: [{ description: 'step setup: no event', outcome: 'fail' as const, expected: 'x', actual: 'y' }] };
  t.deepEqual(buildMatrix({ startedAt: 'x', durationMs: 1, targets: [], results: [asserted] }).rows.map((r) => r.label), ['run (root)']);
});

test('coverage-matrix.md matches the golden file', (t) => {
  const md = renderMatrixMarkdown(buildMatrix(sampleRun()));
  const { expected, file } = golden('coverage-matrix.golden.md', md);
  t.is(md, expected, `differs from ${file} (UPDATE_GOLDEN=1 to accept)`);
});

test('markdown: the verdict table and one table per rule set, every row with one cell per column, whatever the records held', (t) => {
  for (const run of [sampleRun(), hostileRun(), twoTargetRun()]) {
    const m = buildMatrix(run);
    const md = renderMatrixMarkdown(m);
    // Unescaped pipes separate cells: the verdict has a cell per rule set, each rule set's table one per column.
    t.is(markdownShapeProblem(md, m), undefined);
    t.is(markdownTables(md).length, 1 + new Set(m.columns.map((c) => c.ruleset)).size);
    t.false(/[\x00-\x08\x0b-\x1f\x7f]/.test(md), 'no control characters');
    t.false(md.includes('<tag'), 'no raw markup from records');
  }
});

test('coverage-matrix.html is a standalone page: the verdict, then each rule set folded with every cell, a legend and the gap notes', (t) => {
  const m = buildMatrix(sampleRun());
  const html = renderMatrixHtml(m);
  t.true(html.startsWith('<!DOCTYPE html>'));
  t.regex(html, /<style>[\s\S]+<\/style>/);
  // No external assets: no URLs, no scripts, no linked stylesheets or images.
  t.false(/https?:\/\//i.test(html));
  t.false(/<script|<link|<img|<iframe|@import|url\(/i.test(html));
  // The verdict comes first: a column per rule set, a row per target that ran one (debian11-amd64 never booted).
  t.true(html.indexOf('<table class="verdict">') < html.indexOf('<table class="matrix">'));
  t.true(html.includes('<tr><th scope="col">Target</th><th scope="col">cis-32</th><th scope="col">cis-64</th><th scope="col">elastic</th><th scope="col">ssg</th></tr>'));
  t.regex(html, /<tr><th scope="row">debian12-amd64<br><span class="arch">x86_64<\/span><\/th><td class="v-na" title="not run on this target">—<\/td><td class="v-some" title="[^"]*">/);
  t.false(/<th scope="row">debian11-amd64/.test(html));
  t.regex(html, /<li><strong>debian11-amd64<\/strong> \(x86_64\): target failed: image debian11-amd64: qemu exited/);
  // One <details> per rule set, the first open, each with its own arch and target headers.
  const details = html.match(/<details( open)?>\n<summary><strong>([^<]*)<\/strong>/g) ?? [];
  t.deepEqual(details.map((d) => /<strong>([^<]*)</.exec(d)![1]), ['cis-32', 'cis-64', 'elastic', 'ssg']);
  t.deepEqual(details.map((d) => d.startsWith('<details open>')), [true, false, false, false]);
  t.true(html.includes('<summary><strong>ssg</strong> <span class="meta">3 paths × 2 columns: 3 logged</span></summary>'));
  // ssg spans two arches: two arch headers over its two target columns.
  t.regex(html, /<tr class="arch"><th rowspan="2" scope="col">Path \(as\)<\/th><th colspan="1" scope="colgroup" class="group-start">x86_64<\/th><th colspan="1" scope="colgroup" class="group-start">i686<\/th><\/tr>/);
  t.true(html.includes('<th scope="col" class="group-start" title="kernel 6.1.0-27-cloud-amd64; rules applied with augenrules">debian12-amd64</th>'));
  t.regex(html, /<ul class="legend">[\s\S]*documents this as a known gap[\s\S]*<\/ul>/);
  const want = expectedHtmlCounts(m);
  t.is((html.match(/<td[ >]/g) ?? []).length, want.td);
  t.is((html.match(/<tr[ >]/g) ?? []).length, want.tr);
  for (let r = 0; r < m.rows.length; r++) {
    t.true(html.includes(`<th scope="row">${m.rows[r]!.label}</th>`), m.rows[r]!.label);
    for (const c of m.cells[r]!) {
      if (!c) continue;
      const body = cellText(c).replace(/^\S+ /, '').replace(/ †$/, '');
      t.true(html.includes(`<span class="detail">${body}</span>`), body);
    }
  }
  // The gap cell carries its reason as a tooltip and points at the note.
  t.regex(html, /<td class="gap group-start" title="documented gap: the CIS 64-bit rules have only arch=b64;[^"]*"><span class="mark">◆<\/span><span class="detail">not logged<\/span><sup><a href="#gap-2">\[2\]<\/a><\/sup><\/td>/);
  t.regex(html, /<li id="gap-2">the CIS 64-bit rules/);
  // A logged cell whose step also documents a gap (the watch on the /sbin/insmod symlink) points to that note.
  t.regex(html, /<td class="logged group-start" title="logged in 1\/1 runs; documented gap: merged \/usr: [^"]*"><span class="mark">✓<\/span><span class="detail">finit_module · modules<\/span><sup><a href="#gap-1">\[1\]<\/a><\/sup><\/td>/);
  t.regex(html, /<li id="gap-1">merged \/usr: [^<]* <cite>linux-audit\/audit-userspace#53<\/cite>/);
});

test('html: hostile record text is escaped, never markup', (t) => {
  const html = renderMatrixHtml(buildMatrix(hostileRun()));
  t.false(html.includes('<tag'));
  t.false(/[\x00-\x08\x0b-\x1f\x7f]/.test(html));
  t.true(html.includes('q&quot;uo&#39;te &lt;tag attr=&quot;x&quot;&gt; &amp; amp; ]]&gt; \\x00\\x01'));
  // Every opened element we emit is closed: the page structure is intact.
  for (const tag of ['table', 'thead', 'tbody', 'tr', 'td', 'th', 'ul', 'ol', 'li', 'sup', 'a', 'span', 'div', 'details', 'summary', 'b', 'strong']) {
    const open = (html.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
    const close = (html.match(new RegExp(`</${tag}>`, 'g')) ?? []).length;
    t.is(open, close, tag);
  }
  t.true(html.includes(`rs-q&quot;uo&#39;te`));
  t.true(NASTY.includes('\x1b'));
});

test('writeMatrix and writeReports write the files they name into outDir', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'report-matrix-'));
  try {
    const run = sampleRun();
    const written = await writeMatrix(run, path.join(dir, 'm'));
    t.deepEqual(written, [path.join(dir, 'm', 'coverage-matrix.md'), path.join(dir, 'm', 'coverage-matrix.html')]);
    t.is(await readFile(written[0]!, 'utf8'), renderMatrixMarkdown(buildMatrix(run)));
    const all = await writeReports(run, { reporters: ['console', 'junit', 'json', 'matrix'], outDir: path.join(dir, 'all') });
    t.deepEqual(all.map((f) => path.basename(f)), ['results.json', 'junit.xml', 'coverage-matrix.md', 'coverage-matrix.html']);
    t.deepEqual((await readdir(path.join(dir, 'all'))).sort(), ['coverage-matrix.html', 'coverage-matrix.md', 'junit.xml', 'results.json']);
    const some = await writeReports(run, { reporters: ['junit'], outDir: path.join(dir, 'some') });
    t.deepEqual(await readdir(path.join(dir, 'some')), ['junit.xml']);
    t.is(some.length, 1);
    await t.throwsAsync(writeReports(run, { reporters: ['junit', 'pdf' as 'json'], outDir: dir }), { message: /unknown reporter pdf/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parseReporters reads a --reporter list and names unknown reporters', (t) => {
  t.deepEqual(parseReporters('console, junit,json,junit'), ['console', 'junit', 'json']);
  t.throws(() => parseReporters('console,xml'), { message: 'unknown reporter xml (known: console, junit, json, matrix)' });
  t.throws(() => parseReporters(' , '), { message: /no reporter named/ });
});

import test from 'ava';
import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import type { RunResult } from '../harness/scenarios/result.js';
import { buildMatrix, createConsoleReporter, renderJson, renderJunit, renderMatrixHtml, renderMatrixMarkdown } from '../harness/scenarios/report/index.js';
import { stripInvalidXml } from '../harness/scenarios/report/xml.js';
import { sampleRun } from './fixtures/report/runs.js';
import { expectedHtmlCounts, markdownShapeProblem } from './fixtures/report/matrix-shape.js';
import { findAll, parseXml } from './fixtures/report/xml-check.js';

// Any UTF-16 code unit (lone surrogates included) mixed with the characters every output format treats specially.
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)),
  fc.constantFrom('<', '>', '&', '"', "'", ']]>', '\x1b[31m', '\x00', '\r', '\n', '\t', '|', '\\', '`', '*', '_', '[', '#', '\x01', '\ufffe'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 3 }),
);
const text = fc.string({ unit, maxLength: 40 });

const texts = fc.record({
  id: text,
  title: text,
  target: text,
  ruleset: text,
  path: text,
  command: text,
  stderr: text,
  expected: text,
  actual: text,
  reason: text,
  reference: text,
  error: text,
  key: text,
});

/** The sample run with guest- and author-controlled strings replaced by arbitrary ones. */
type Texts = typeof texts extends fc.Arbitrary<infer T> ? T : never;

function poisoned(v: Texts): RunResult {
  const run = sampleRun();
  for (const [i, s] of run.results.entries()) {
    s.scenarioId = `${v.id}${i}`;
    s.title = v.title;
    if (i === 1) s.ruleset = v.ruleset;
    if (i === 3) {
      s.target = v.target;
      s.expectations[1]!.expected = v.expected;
      s.expectations[1]!.actual = v.actual;
      s.steps[0]!.path = `${v.path}x`;
      s.steps[0]!.command = v.command;
      s.steps[0]!.stderr = v.stderr;
      s.steps[0]!.exitCode = 2;
      s.steps[0]!.logged[0]!.key = v.key;
    }
    if (i === 1) {
      s.expectations[0]!.reason = v.reason;
      s.expectations[0]!.reference = v.reference;
    }
    if (i === 4) s.error = v.error;
  }
  run.targets.push({ name: v.target, error: v.error });
  return run;
}

const OWN_ESCAPES = /\x1b\[(?:\d+(?:;\d+)*)?m|\r\x1b\[2K/g;

test('every output stays well-formed whatever text scenarios and guests produce (fast-check)', (t) => {
  fc.assert(
    fc.property(texts, (v) => {
      const run = poisoned(v);

      const root = parseXml(renderJunit(run));
      const cases = findAll(root, 'testcase').filter((c) => c.attrs.name !== 'target setup');
      if (cases.length !== run.results.length) throw new Error(`testcases ${cases.length}`);
      run.results.forEach((s) => {
        const want = stripInvalidXml(`${s.scenarioId}: ${s.title}`);
        if (!cases.some((c) => c.attrs.name === want && c.attrs.classname === stripInvalidXml(s.target))) throw new Error(`no testcase ${JSON.stringify(want)}`);
      });
      const failure = findAll(root, 'failure')[0]!;
      // The failure shows every line of the actual text (indented).
      for (const line of stripInvalidXml(v.actual).split('\n')) if (!failure.text.includes(line)) throw new Error(`actual text lost: ${JSON.stringify(line)}`);

      const m = buildMatrix(run);
      const md = renderMatrixMarkdown(m);
      const problem = markdownShapeProblem(md, m);
      if (problem) throw new Error(`markdown: ${problem}`);
      if (/[\x00-\x08\x0b-\x1f\x7f]/.test(md)) throw new Error('control character in markdown');

      const html = renderMatrixHtml(m);
      const want = expectedHtmlCounts(m);
      if ((html.match(/<td[ >]/g) ?? []).length !== want.td) throw new Error('html cells');
      if ((html.match(/<tr[ >]/g) ?? []).length !== want.tr) throw new Error('html rows');
      if (/[\x00-\x08\x0b-\x1f\x7f]/.test(html)) throw new Error('control character in html');

      const back = JSON.parse(renderJson(run)).run as typeof run;
      // Beside the run itself, results.json adds only each gap's and failure's repro command.
      t.deepEqual({ ...back, results: back.results.map(({ repro: _r, validate: _v, ...r }) => r) }, JSON.parse(JSON.stringify(run)));

      for (const isTTY of [false, true]) {
        const stream = new PassThrough();
        let out = '';
        stream.on('data', (c: Buffer) => (out += c.toString('utf8')));
        const con = createConsoleReporter({ stream, isTTY, width: 80 });
        for (const s of run.results) {
          con.scenarioStarted(s.target, s.scenarioId);
          con.scenarioFinished(s);
        }
        con.runFinished(run);
        if (/[\x00-\x08\x0b-\x1f\x7f]/.test(out.replace(OWN_ESCAPES, ''))) throw new Error(`control character on the console (isTTY=${isTTY})`);
      }
    }),
    { numRuns: 150 },
  );
  t.pass();
});

// JUnit XML for CI: a testsuite per target, a testcase per scenario. A documented gap passes (with a note), it is
// neither a failure nor a skip; not-applicable is a skip; infrastructure trouble is an error.
import type { RunResult, ScenarioResult } from '../result.js';
import { byTarget } from './group.js';
import { writeFileAtomic } from './atomic-write.js';
import { clip } from './text.js';
import { xmlAttr, xmlText } from './xml.js';

/** Expected/actual text longer than this is cut in the XML; results.json keeps everything. */
const MAX_FIELD = 16 * 1024;

const seconds = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(3);

function property(name: string, value: string | number | undefined, indent: string): string[] {
  return value === undefined || value === '' ? [] : [`${indent}<property name="${xmlAttr(name)}" value="${xmlAttr(String(value))}"/>`];
}

function stepsText(s: ScenarioResult): string {
  if (s.steps.length === 0) return '';
  const lines = ['steps:'];
  for (const st of s.steps) {
    lines.push(`  ${clip(st.id, 200)} [${clip(st.path, 200)} as ${st.as}] $ ${clip(st.command, 4000)}  -> exit ${st.exitCode}, ${st.logged.length} event(s)`);
    if (st.exitCode !== 0 && st.stderr.trim()) lines.push(`    stderr: ${clip(st.stderr.trim(), 2000)}`);
  }
  return lines.join('\n');
}

function failureText(s: ScenarioResult): string {
  const parts: string[] = [];
  for (const e of s.expectations.filter((x) => x.outcome === 'fail')) {
    parts.push(`${e.description}\n  expected:\n${indent(clip(e.expected, MAX_FIELD))}\n  actual:\n${indent(clip(e.actual, MAX_FIELD))}`);
  }
  const steps = stepsText(s);
  if (steps) parts.push(steps);
  parts.push(`scenario file: ${s.file}; rules applied with ${s.apply}`);
  return parts.join('\n\n');
}

const indent = (t: string): string =>
  t
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

/**
 * "id: title"; when one target runs a scenario more than once (under several rule sets or ways of applying them),
 * "id [ruleset]: title" or "id [ruleset, apply]: title" so CI does not merge the cases.
 */
export function testcaseNames(results: ScenarioResult[]): string[] {
  const count = (key: (r: ScenarioResult) => string) => {
    const n = new Map<string, number>();
    for (const r of results) n.set(key(r), (n.get(key(r)) ?? 0) + 1);
    return (r: ScenarioResult) => n.get(key(r))!;
  };
  const byId = count((r) => JSON.stringify([r.target, r.scenarioId]));
  const byRuleset = count((r) => JSON.stringify([r.target, r.scenarioId, r.ruleset]));
  return results.map((r) => {
    if (byId(r) === 1) return `${r.scenarioId}: ${r.title}`;
    if (byRuleset(r) === 1) return `${r.scenarioId} [${r.ruleset}]: ${r.title}`;
    return `${r.scenarioId} [${r.ruleset}, ${r.apply}]: ${r.title}`;
  });
}

function testcase(s: ScenarioResult, name: string): string[] {
  const open = `    <testcase classname="${xmlAttr(s.target)}" name="${xmlAttr(name)}" time="${seconds(s.durationMs)}" file="${xmlAttr(s.file)}">`;
  const out = [open];
  const gaps = s.expectations.filter((e) => e.outcome === 'gap');
  const props = [
    ...property('outcome', s.outcome, '        '),
    ...property('ruleset', s.ruleset, '        '),
    ...property('apply', s.apply, '        '),
    ...property('retries', s.retries || undefined, '        '),
    ...gaps.flatMap((g, i) => [
      ...property(`gap.${i + 1}.reason`, g.reason ?? g.description, '        '),
      ...property(`gap.${i + 1}.reference`, g.reference, '        '),
    ]),
  ];
  out.push('      <properties>', ...props, '      </properties>');
  switch (s.outcome) {
    case 'fail': {
      const n = s.expectations.filter((e) => e.outcome === 'fail').length;
      out.push(
        `      <failure message="${xmlAttr(`${n} of ${s.expectations.length} expectations not met`)}" type="expectation">${xmlText(failureText(s))}</failure>`,
      );
      break;
    }
    case 'error': {
      const msg = s.error ?? 'infrastructure error';
      const body = [msg, stepsText(s)].filter(Boolean).join('\n\n');
      out.push(`      <error message="${xmlAttr(clip(msg, 1000))}" type="infrastructure">${xmlText(body)}</error>`);
      break;
    }
    case 'not-applicable':
      out.push(`      <skipped message="${xmlAttr(`not applicable on ${s.target} (${s.arch})`)}"/>`);
      break;
    case 'gap': {
      const notes = gaps.map((g) => `documented gap: ${g.description}\n  reason: ${g.reason ?? '-'}${g.reference ? `\n  reference: ${g.reference}` : ''}`);
      out.push(`      <system-out>${xmlText(notes.join('\n'))}</system-out>`);
      break;
    }
    case 'pass':
      break;
  }
  out.push('    </testcase>');
  return out;
}

export function renderJunit(run: RunResult): string {
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const { info, results } of byTarget(run)) {
    const names = testcaseNames(results);
    const cases = results.flatMap((r, i) => testcase(r, names[i]!));
    let t = results.length;
    const f = results.filter((r) => r.outcome === 'fail').length;
    let e = results.filter((r) => r.outcome === 'error').length;
    const sk = results.filter((r) => r.outcome === 'not-applicable').length;
    // A target that never came up and has no results still shows in CI as one error.
    if (info.error && results.length === 0) {
      cases.push(
        `    <testcase classname="${xmlAttr(info.name)}" name="${xmlAttr('target setup')}" time="${seconds(info.bootMs)}">`,
        `      <error message="${xmlAttr(clip(info.error, 1000))}" type="infrastructure">${xmlText(info.error)}</error>`,
        '    </testcase>',
      );
      t++;
      e++;
    }
    const time = results.reduce((a, r) => a + r.durationMs, info.bootMs ?? 0);
    const kernel = info.kernelRelease ?? results.find((r) => r.kernelRelease)?.kernelRelease;
    const arch = info.arch ?? results[0]?.arch;
    suites.push(
      `  <testsuite name="${xmlAttr(info.name)}" tests="${t}" failures="${f}" errors="${e}" skipped="${sk}" time="${seconds(time)}" timestamp="${xmlAttr(run.startedAt)}">`,
      '    <properties>',
      ...property('kernel.release', kernel, '      '),
      ...property('arch', arch, '      '),
      ...property('boot.ms', info.bootMs, '      '),
      ...property('target.error', info.error, '      '),
      '    </properties>',
      ...cases,
      '  </testsuite>',
    );
    total += t;
    failures += f;
    errors += e;
    skipped += sk;
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="audit-harness" tests="${total}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(run.durationMs)}" timestamp="${xmlAttr(run.startedAt)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export async function writeJunit(run: RunResult, file: string): Promise<void> {
  await writeFileAtomic(file, renderJunit(run));
}

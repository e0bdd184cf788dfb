// From a rule set's gap to the tool that claims it covered: the coverage matrix and results.json name the validate
// command of the tool whose seed a scenario cites, for the real targets it ran on.
import test from 'ava';
import { buildMatrix, renderJson, renderMatrixMarkdown } from '../harness/scenarios/report/index.js';
import type { RunResult, ScenarioResult } from '../harness/scenarios/result.js';
import { toolLinks } from '../harness/tools/validate/tool-links.js';

const result = (scenarioId: string, target: string, source: string, ruleset: string): ScenarioResult => ({
  scenarioId, title: scenarioId, source, file: `scenarios/${scenarioId}.yaml`, target, arch: 'x86_64', ruleset, apply: 'augenrules',
  outcome: 'gap', durationMs: 1, steps: [], expectations: [{ description: 'step insmod: key modules absent', outcome: 'gap', expected: 'no event', actual: '0', reason: 'r', reference: 'x' }],
});
const run: RunResult = {
  startedAt: '2026-12-06T00:00:00.000Z', durationMs: 1, targets: [{ name: 'qemu:debian13-amd64' }, { name: 'sim:debian12-amd64' }],
  results: [
    result('cis-64-root', 'qemu:debian13-amd64', '000_0cdd7424bdc5af9f.txt (CIS 4.1.3.7)', 'cis-64'),
    result('cis-64-root', 'sim:debian12-amd64', '000_0cdd7424bdc5af9f.txt (CIS 4.1.3.7)', 'cis-64'),
    result('ssg-x86_64-root', 'qemu:debian13-amd64', '001_a3b8e013c02b76ff.txt (SSG)', 'ssg-kernel-module-loading'),
    result('rfe-x86_64', 'qemu:debian13-amd64', '002_0857de87229c4ba8.txt (RFE)', 'rfe-mod-load-unload'),
  ],
};

test('each tool whose seed the scenarios cite gets its validate command, over the real targets only', (t) => {
  const links = toolLinks(run);
  t.deepEqual(links.map((l) => [l.tool, l.rulesets, l.targets]), [['cis', ['cis-64'], ['qemu:debian13-amd64']], ['ssg', ['ssg-kernel-module-loading'], ['qemu:debian13-amd64']]]);
  t.is(links[0]!.command, 'audit-harness validate --tool cis --target qemu:debian13-amd64 --out validate-cis');
});

test('the coverage matrix and results.json lead from a rule set to its tool\'s own verdict', (t) => {
  t.regex(renderMatrixMarkdown(buildMatrix(run)), /CIS 4\.1\.3\.7 .*\(cis-64\): audit-harness validate --tool cis --target qemu:debian13-amd64/);
  const back = JSON.parse(renderJson(run)).run as RunResult;
  t.is(back.results[0]!.validate, 'audit-harness validate --tool cis --target qemu:debian13-amd64 --out validate-cis');
  t.is(back.results[1]!.validate, undefined, 'no tool runs on a sim: target');
  t.is(back.results[3]!.validate, undefined, 'the RFE is no tool');
});

// The whole scenario library on every real-kernel image: one boot per target, every scenario, every expectation.
// A scenario passes when the kernel did what its file says, documented gaps included. The same run calibrates the
// recipes' stated release facts and the simulator's profiles against what the guests report and log.
import test from 'ava';
import { join, relative } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { readFile } from 'node:fs/promises';
import { repoRoot } from '../harness/paths.js';
import { planScenarios } from '../harness/scenarios/plan.js';
import { runScenarios } from '../harness/scenarios/runner.js';
import { writeReports } from '../harness/scenarios/report/index.js';
import type { ScenarioResult } from '../harness/scenarios/result.js';
import { compareWithKernel } from '../harness/sim/calibrate.js';
import { knownTargets } from '../harness/targets/index.js';
import { loadRecipe } from '../harness/images/recipe.js';
import { loadProfile, profileIds } from '../harness/sim/profile.js';
import { FACT_NAMES, GUEST_FACT_NAMES, type GuestFactName } from '../harness/releases/facts.js';

const TARGETS = knownTargets.map((k) => k.spec);
/** The profiles calibrated against these targets (vms/profiles/*.yaml with calibratedBy). */
const CALIBRATED = profileIds().map(loadProfile).filter((p) => p.calibratedBy && TARGETS.includes(p.calibratedBy));
const plan = await planScenarios([join(repoRoot, 'scenarios')]);
// Started once at load; each test below awaits its part.
const run = runScenarios({ targets: TARGETS, scenarios: plan.scenarios });
run.catch(() => undefined);

function explain(r: ScenarioResult): string {
  const bad = r.expectations.filter((x) => x.outcome === 'fail')
    .map((x) => `${x.description}\n  expected: ${x.expected.replace(/\n/g, '\n            ')}\n  actual:   ${x.actual.replace(/\n/g, '\n            ')}`);
  return [`${r.scenarioId} on ${r.target}: ${r.outcome}${r.error ? ` (${r.error})` : ''}`, ...bad].join('\n');
}

test('every scenario file in scenarios/ is valid and selected', (t) => {
  t.deepEqual(plan.problems, []);
  t.true(plan.scenarios.length >= 15, `${plan.scenarios.length} scenarios`);
});

for (const { scenario, file } of plan.scenarios) {
  for (const target of TARGETS) {
    test(`${scenario.id} on ${target} (${relative(repoRoot, join(repoRoot, file))})`, async (t) => {
      const result = (await run).results.find((r) => r.scenarioId === scenario.id && r.target === target);
      if (!result) return t.fail(`no result for ${scenario.id} on ${target}`);
      const arch = target.endsWith('i686') ? 'i686' : 'x86_64';
      if (scenario.applies.archs && !scenario.applies.archs.includes(arch)) {
        t.is(result.outcome, 'not-applicable', explain(result));
        return;
      }
      // Rules given per arch only for the other arch: the scenario says so, and nothing else may skip it.
      if (result.outcome === 'not-applicable') {
        t.regex(result.error ?? '', /^only for (x86_64|i686) kernels; /, explain(result));
        return;
      }
      t.true(result.outcome === 'pass' || result.outcome === 'gap', explain(result));
      t.true(result.expectations.length > 0, 'a scenario that ran asserted something');
      for (const x of result.expectations) if (x.outcome === 'gap') t.truthy(x.reason && x.reference, `${x.description}: a gap has a reason and a reference`);
    });
  }
}

test('every scenario runs on at least one image, and every target booted once', async (t) => {
  const r = await run;
  for (const { scenario } of plan.scenarios) {
    t.true(r.results.some((x) => x.scenarioId === scenario.id && x.outcome !== 'not-applicable'), `${scenario.id} ran nowhere`);
  }
  for (const info of r.targets) {
    t.is(info.error, undefined, `${info.name} failed: ${info.error}`);
    t.truthy(info.kernelRelease);
  }
  t.false(r.results.some((x) => (x.retries ?? 0) > 0), 'no infrastructure retry was needed');
});

test('the library run writes junit.xml, results.json and the coverage matrix with every logged path', async (t) => {
  const r = await run;
  const out = await tmpDir({ unsafeCleanup: true });
  t.teardown(() => out.cleanup());
  const files = await writeReports(r, { reporters: ['junit', 'json', 'matrix'], outDir: out.path });
  t.deepEqual(files.map((f) => relative(out.path, f)).sort(), ['coverage-matrix.html', 'coverage-matrix.md', 'junit.xml', 'results.json']);
  const md = await readFile(join(out.path, 'coverage-matrix.md'), 'utf8');
  // The headline facts of the library must show up as matrix cells.
  t.regex(md, /finit_module · mod-load/);
  t.regex(md, /init_module \(i386\) · modules/);
  t.regex(md, /documented gap/);
  const junit = await readFile(join(out.path, 'junit.xml'), 'utf8');
  t.regex(junit, /<testsuites[^>]*>/);
});

/** A stated fact agrees with the measured one (a stated kernel "6.1" covers "6.1.0-57-cloud-amd64"). */
function agrees(name: GuestFactName, stated: unknown, measured: unknown): boolean {
  return name === 'kernel' ? String(measured).startsWith(`${String(stated)}.`) || measured === stated : stated === measured;
}

for (const target of TARGETS) {
  test(`the release facts ${target}'s recipe states are what its booted guest reports`, async (t) => {
    const measured = (await run).targets.find((x) => x.name === target)?.facts;
    if (!measured) return t.fail(`${target} reported no facts`);
    const recipe = await loadRecipe(target.replace(/^qemu:/, ''));
    for (const name of FACT_NAMES) {
      const stated = recipe.facts[name];
      t.true(agrees(name, stated.value, measured[name]), `${recipe.file}: facts.${name} is ${JSON.stringify(stated.value)} (${stated.source}); the guest reports ${JSON.stringify(measured[name])}`);
    }
  });
}

test('every calibrated simulator profile states the facts its real target reports', async (t) => {
  const r = await run;
  t.true(CALIBRATED.length >= 2, `${CALIBRATED.length} calibrated profiles`);
  for (const p of CALIBRATED) {
    const measured = r.targets.find((x) => x.name === p.calibratedBy)?.facts;
    if (!measured) {
      t.fail(`${p.calibratedBy} reported no facts`);
      continue;
    }
    for (const name of GUEST_FACT_NAMES) {
      t.true(agrees(name, p.facts[name].value, measured[name]), `${p.file}: facts.${name} is ${JSON.stringify(p.facts[name].value)}; ${p.calibratedBy} reports ${JSON.stringify(measured[name])}`);
    }
  }
});

test('the simulator agrees with the real kernel on every step of the library, event for event (calibration)', async (t) => {
  const real = await run;
  const sim = await runScenarios({ targets: CALIBRATED.map((p) => `sim:${p.id}`), scenarios: plan.scenarios });
  t.deepEqual(sim.results.filter((r) => r.outcome === 'error').map((r) => `${r.scenarioId}: ${r.error}`), [], 'everything the library does is modelled');
  const calibrated = { ...real, results: real.results.filter((r) => CALIBRATED.some((p) => p.calibratedBy === r.target)) };
  const { compared, mismatches } = compareWithKernel(calibrated, sim);
  t.true(compared >= 100, `${compared} steps compared`);
  t.deepEqual(mismatches.map((m) => `${m.scenario} on ${m.target}, ${m.what}:\n  real: ${m.real.replace(/\n/g, '\n        ')}\n  sim:  ${m.sim.replace(/\n/g, '\n        ')}`), []);
});

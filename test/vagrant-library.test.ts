// The proof on this machine: the scenario library through the top-level Vagrantfile, node-vagrant and the box made
// here from Debian 12's packages (vagrant:debian12-local), beside a real qemu:debian12-amd64 boot of the same
// packages: every scenario must come out the same on both, expectation by expectation. Afterwards nothing of the
// run is left: no libvirt domain or pool, no qemu, no run dir (.vagrant state, VAGRANT_HOME), no libvirtd it started.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { planScenarios } from '../harness/scenarios/plan.js';
import type { ScenarioResult } from '../harness/scenarios/result.js';
import { runScenarios } from '../harness/scenarios/runner.js';
import { harnessLibvirtd, libvirtdAnswers, libvirtdKeptBoxes, libvirtdLeaseHolders } from '../harness/targets/vagrant/libvirtd.js';
import { ownedLibvirtNames } from '../harness/targets/vagrant/vagrant-target.js';

const VAGRANT = 'vagrant:debian12-local';
const QEMU = 'qemu:debian12-amd64';
const runDirs = () => readdirSync('/tmp').filter((d) => d.startsWith(`audit-harness-vagrant-debian12-local-${process.pid}-`));
// A libvirtd that answered before this file and that no harness process started (a parallel test file's is not
// foreign): the run must leave it as it was; one the harness starts must be gone when nothing holds it.
const foreignLibvirtdBefore = (await libvirtdAnswers()) && harnessLibvirtd() === undefined;
const plan = await planScenarios([join(repoRoot, 'scenarios')]);

const waiting = new Map<string, { promise: Promise<ScenarioResult>; resolve: (r: ScenarioResult) => void }>();
const slot = (target: string, id: string) => {
  const k = `${target}\0${id}`;
  if (!waiting.has(k)) {
    let resolve!: (r: ScenarioResult) => void;
    const promise = new Promise<ScenarioResult>((res) => (resolve = res));
    waiting.set(k, { promise, resolve });
  }
  return waiting.get(k)!;
};
const progress: string[] = [];
const t0 = Date.now();
// Both targets at once (one boot each); each scenario's test reports as soon as both have answered it.
const run = runScenarios({
  targets: [VAGRANT, QEMU], scenarios: plan.scenarios, parallel: 2,
  hooks: {
    scenarioFinished: (r) => slot(r.target, r.scenarioId).resolve(r),
    progress: (target, step, detail) => {
      if (target === VAGRANT && /^(vagrant up|provision|destroy|libvirtd)$/.test(step)) progress.push(`${((Date.now() - t0) / 1000).toFixed(0)} s ${step}: ${detail}`);
    },
  },
});
run.catch(() => undefined);

// A not-applicable result says why with the target's name in it.
const outcomes = (r: ScenarioResult) => ({ outcome: r.outcome, error: r.error?.replaceAll(r.target, 'TARGET'), expectations: r.expectations.map((x) => `${x.outcome}: ${x.description}`) });

for (const { scenario } of plan.scenarios) {
  test(`${scenario.id}: same outcome on ${VAGRANT} as on ${QEMU}`, async (t) => {
    const [v, q] = await Promise.all([slot(VAGRANT, scenario.id).promise, slot(QEMU, scenario.id).promise]);
    t.not(v.outcome, 'error', v.error);
    t.not(q.outcome, 'error', q.error);
    t.deepEqual(outcomes(v), outcomes(q));
  });
}

test('the box is the vagrant target, booted through vagrant up, and nothing of it is left afterwards', async (t) => {
  const result = await run;
  const info = result.targets.find((x) => x.name === VAGRANT)!;
  t.falsy(info.error);
  t.is(info.kernelRelease, result.targets.find((x) => x.name === QEMU)!.kernelRelease, 'the same Debian kernel');
  t.log(`${VAGRANT}: ready after ${((info.bootMs ?? 0) / 1000).toFixed(0)} s (vagrant up, ssh, provisioning); run ${(result.durationMs / 1000).toFixed(0)} s`);
  for (const p of progress) t.log(p);
  t.true(progress.some((p) => / vagrant up: /.test(p)), 'vagrant up ran');
  t.true(progress.some((p) => / destroy: /.test(p)), 'the box was destroyed');
  t.deepEqual(ownedLibvirtNames(), { domains: [], pools: [] }, 'no libvirt domain or pool of this run');
  const qemu = spawnSync('pgrep', ['-a', '-f', `guest=audit-harness-${process.pid}-`], { encoding: 'utf8' }).stdout.trim();
  t.is(qemu, '', 'no qemu of this run');
  t.deepEqual(runDirs(), [], 'the run dir (.vagrant state, VAGRANT_HOME, pool) is removed');
  t.false(existsSync(join(repoRoot, '.vagrant')), 'no .vagrant in the repository');
  // Unless another harness process (a parallel test file) still holds it: the last one out stops it.
  if (libvirtdLeaseHolders().length === 0 && libvirtdKeptBoxes().length === 0) {
    t.is(await libvirtdAnswers(), foreignLibvirtdBefore, 'a libvirtd the run started is stopped again');
  }
});

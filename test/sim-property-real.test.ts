// A small random sample of the model's property-test inputs (random rule sets × random load/unload sequences) also
// runs on a real kernel, qemu:debian12-amd64 (one boot), and the model must agree with it step for step, event for
// event and expectation for expectation (harness/sim/calibrate.ts), exit statuses included.
import test from 'ava';
import fc from 'fast-check';
import { runScenarios } from '../harness/scenarios/runner.js';
import { scenarioSchema } from '../harness/scenarios/schema.js';
import { compareWithKernel } from '../harness/sim/calibrate.js';
import { op, ruleSet } from './sim-arbitraries.js';

const REAL = 'qemu:debian12-amd64';
const SIM = 'sim:debian12-amd64';
const KEYS = ['k1', 'k2', 'kw'];
const samples = fc.sample(fc.record({ rules: ruleSet.filter((r) => r.length > 0), ops: fc.array(op, { minLength: 3, maxLength: 6 }) }), { numRuns: 4, seed: 4242 });
const scenarios = samples.map((s, i) => {
  const steps = s.ops.map((o, j) => ({ id: `s${j}`, path: o.do, as: o.as, do: o.do, module: o.module, loader: o.loader, expectExit: 0 }));
  const scenario = scenarioSchema.parse({
    id: `random-${i}`, title: `fast-check sample ${i} (seed 4242)`, source: 'test/sim-arbitraries.ts', applies: { archs: ['x86_64'] },
    rules: { inline: `${s.rules.join('\n')}\n`, name: `random-${i}` }, apply: 'auditctl-R', steps,
    expect: steps.flatMap((st) => KEYS.map((key) => ({ step: st.id, key, count: { min: 0 } }))),
  });
  return { scenario, file: `random-${i}` };
});
const run = runScenarios({ targets: [REAL, SIM], scenarios, parallel: 1 });
run.catch(() => undefined);

test(`a random sample of rule sets and load/unload sequences: ${SIM} agrees with ${REAL}`, async (t) => {
  const r = await run;
  t.log(samples.map((s, i) => `random-${i}: ${s.rules.join(' | ')}\n  ${s.ops.map((o) => `${o.do}/${o.module}/${o.as}${o.do.endsWith('_module') ? `/${o.loader}` : ''}`).join(', ')}`).join('\n'));
  t.deepEqual(r.targets.map((x) => x.error), [undefined, undefined]);
  const real = { ...r, results: r.results.filter((x) => x.target === REAL) };
  const sim = { ...r, results: r.results.filter((x) => x.target === SIM) };
  t.deepEqual(r.results.filter((x) => x.outcome === 'error').map((x) => `${x.target} ${x.scenarioId}: ${x.error}`), []);
  const { compared, mismatches } = compareWithKernel(real, sim);
  t.true(compared >= 12, `${compared} steps compared`);
  t.true(real.results.some((x) => x.steps.some((s) => s.events.length > 0)), 'the sample logged something');
  t.deepEqual(mismatches.map((m) => `${m.scenario}, ${m.what}:\n  real: ${m.real}\n  sim:  ${m.sim}`), []);
});

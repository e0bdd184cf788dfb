// The kernModule release fact: does the kernel write a KERN_MODULE record for init_module, finit_module and
// delete_module. Every profile states it with its source, the guest probe measures it, the model honours it, and the
// library's KERN_MODULE expectations hold only where it is true, each with a twin that says what a kernel without the
// record logs (RHEL 7 before 7.7: its 3.10 kernels have no __audit_log_kern_module), never a failure there.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { parseLog } from '../harness/audit/records/index.js';
import { PROBE_SCRIPT } from '../harness/releases/probe.js';
import { expectationsFor } from '../harness/scenarios/evaluate.js';
import { planScenarios } from '../harness/scenarios/plan.js';
import { stepCommand } from '../harness/scenarios/steps.js';
import { loadProfile, parseProfile, profileIds, profilesDir, type Profile } from '../harness/sim/profile.js';
import { simulateCommand } from '../harness/sim/processes.js';
import { recordLines } from '../harness/sim/records.js';
import { simImageOf, world } from '../harness/sim/run.js';

const rhel7Text = readFileSync(join(profilesDir, 'rhel7-x86_64.yaml'), 'utf8');
/** RHEL 7.3 (kernel-3.10.0-514.el7): the same release, before the backport. */
const rhel73 = parseProfile(
  rhel7Text.replace(/kernModule: \{ value: true,/, 'kernModule: { value: false,').replace(/^kernelRelease: .*$/m, 'kernelRelease: 3.10.0-514.el7.x86_64'),
  'rhel7-x86_64.yaml', 'rhel7-x86_64',
);

test('every profile states kernModule with a source; RHEL 7.9\'s 3.10 has the backport, the changed profile of 7.3 does not', (t) => {
  for (const id of profileIds()) {
    const p = loadProfile(id);
    t.is(typeof p.values.kernModule, 'boolean', id);
    t.true(p.facts.kernModule.source.length > 20, `${id}: kernModule has a source`);
  }
  t.true(loadProfile('rhel7-x86_64').values.kernModule);
  t.regex(loadProfile('rhel7-x86_64').facts.kernModule.source, /3\.10\.0-1160\.el7.*3\.10\.0-514/);
  t.false(rhel73.values.kernModule);
  t.not(rhel7Text.replace(/kernModule: \{ value: true,/, ''), rhel7Text, 'the test changed the fact');
});

test('the guest probe reads kernModule from the kernel\'s own symbol table, not from its version', (t) => {
  const lines = PROBE_SCRIPT.split('\n').filter((l) => l.includes('kernModule') || l.includes('kallsyms'));
  t.true(lines.some((l) => l.includes('/proc/kallsyms')));
  t.true(lines.some((l) => l.includes('__audit_log_kern_module')));
  t.false(lines.some((l) => l.includes('uname -r') && !l.includes('System.map')), 'the version only names the System.map to read');
});

/** The raw records the model writes for a command as root, with a rule that logs every call. */
function recordsOf(p: Profile, commands: string[]): string[] {
  const img = simImageOf(p);
  const w = world(img);
  const lines: string[] = [];
  let serial = 100;
  for (const c of commands) for (const call of simulateCommand(w, c).calls) lines.push(...recordLines(call, 'k', 1_795_000_000, ++serial));
  return lines;
}

test('the model writes KERN_MODULE for every module syscall where the kernel has it, and none where it does not', (t) => {
  const rhel79 = loadProfile('rhel7-x86_64');
  const fx = simImageOf(rhel79).fixtures;
  const commands = [
    `insmod ${fx.testModuleKo}`, 'rmmod audit_test_mod', `modprobe ${fx.stockModule.name}`, `modprobe -r ${fx.stockModule.name}`,
    `${fx.loader32} init_module ${fx.testModuleKo}`, `${fx.loader32} delete_module audit_test_mod`,
  ];
  const types = (lines: string[]) => parseLog(`${lines.join('\n')}\n`, 'model').events.map((e) => e.records.map((r) => r.type).join(','));
  const withIt = types(recordsOf(rhel79, commands));
  const without = types(recordsOf(rhel73, commands));
  const moduleCalls = (ts: string[]) => ts.filter((x) => !x.includes('EXECVE'));
  t.is(moduleCalls(withIt).length, 6, withIt.join('\n'));
  t.true(moduleCalls(withIt).every((x) => x.includes('KERN_MODULE')), withIt.join('\n'));
  t.is(moduleCalls(without).length, 6, 'the same calls are made and logged');
  t.false(without.some((x) => x.includes('KERN_MODULE')), without.join('\n'));
  t.deepEqual(without, withIt.map((x) => x.replace(',KERN_MODULE', '')), 'only the KERN_MODULE record differs');
});

type Expect = ReturnType<typeof expectationsFor>[number];
const needsKernModule = (x: Expect) => !x.absent && ((x.records ?? []).includes('KERN_MODULE') || Object.keys(x.fields ?? {}).some((f) => f.startsWith('KERN_MODULE.')));
const withoutKernModule = (fields: Expect['fields']) => JSON.stringify(Object.entries(fields ?? {}).filter(([f]) => !f.startsWith('KERN_MODULE.')));

test('each KERN_MODULE expectation of the library holds where kernModule is true, and has a stated twin for a kernel without it', async (t) => {
  const plan = await planScenarios([join(repoRoot, 'scenarios')]);
  let twins = 0;
  for (const { scenario: s } of plan.scenarios) {
    for (const p of profileIds().map(loadProfile)) {
      const on = expectationsFor(s, { ...p.values, kernModule: true });
      const off = expectationsFor(s, { ...p.values, kernModule: false });
      t.deepEqual(off.filter(needsKernModule).map((x) => `${x.step} ${x.key}`), [], `${s.id} on ${p.id} without KERN_MODULE expects none`);
      for (const x of on.filter(needsKernModule)) {
        t.is(x.when?.kernModule, true, `${s.id} step ${x.step}: a KERN_MODULE expectation says which fact it depends on`);
        // The twin: the same step, key, count and syscall fields, without the KERN_MODULE record.
        const twin = off.find((y) => y.step === x.step && y.key === x.key && !y.absent && y.count === x.count && withoutKernModule(y.fields) === withoutKernModule(x.fields));
        t.truthy(twin, `${s.id} step ${x.step}: a stated expectation where kernModule is false`);
        if (twin) {
          t.is(twin.when?.kernModule, false);
          t.deepEqual(twin.records, x.records?.filter((r) => r !== 'KERN_MODULE'));
          twins++;
        }
      }
    }
  }
  t.true(twins >= 50, `${twins} twins checked`);
});

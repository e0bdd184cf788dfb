// Property tests of the model (harness/sim): random rule sets × random load/unload sequences on random profiles,
// checking what must hold whatever the release: a rule naming the call's syscall and arch matches it; a rule set
// that ends with -D logs nothing; a never rule before an always rule for the same call wins.
import test from 'ava';
import fc from 'fast-check';
import { auditctlLoad } from '../harness/audit/rules/index.js';
import { loadArgv, stepCommand, type StepSpec } from '../harness/scenarios/steps.js';
import { MODULE_SYSCALLS, op, ruleSet, type Op } from './sim-arbitraries.js';
import { decide } from '../harness/sim/filter.js';
import { simulateCommand, type SimCall } from '../harness/sim/processes.js';
import { loadProfile, profileIds } from '../harness/sim/profile.js';
import { simImageOf, world } from '../harness/sim/run.js';

const X86 = profileIds().filter((id) => loadProfile(id).values.arch === 'x86_64');
const MODULE = MODULE_SYSCALLS;

/** Every call the model makes for a sequence of steps on a fresh guest of the profile. */
function callsOf(profileId: string, ops: Op[]): SimCall[][] {
  const img = simImageOf(loadProfile(profileId));
  const w = world(img);
  return ops.map((o) => {
    const step: StepSpec = { id: 'x', path: 'x', ...o };
    loadArgv(step, img.fixtures);
    return simulateCommand(w, stepCommand(step, img.fixtures)).calls;
  });
}

const archOf = (c: SimCall) => (c.task.arch === 'i386' ? 'b32' : 'b64');
const scenario = fc.record({ profile: fc.constantFrom(...X86), rules: ruleSet, ops: fc.array(op, { minLength: 1, maxLength: 8 }) });
const RUNS = { numRuns: 150, seed: 1336 };

test('a rule naming the call\'s syscall and arch, first in the list, always matches it, with its key', (t) => {
  fc.assert(fc.property(scenario, ({ profile, rules, ops }) => {
    const img = simImageOf(loadProfile(profile));
    for (const calls of callsOf(profile, ops)) {
      for (const c of calls.filter((x) => (MODULE as readonly string[]).includes(x.syscall))) {
        const text = [`-a always,exit -F arch=${archOf(c)} -S ${c.syscall} -k probe`, ...rules].join('\n');
        const loaded = auditctlLoad(text, 'p.rules', 'x86_64').rules;
        const d = decide(loaded, world(img).fs, c);
        if (!d.record || d.key !== 'probe') return false;
      }
    }
    return true;
  }), RUNS);
  t.pass();
});

test('-D at the end of a rule set logs nothing, whatever came before', (t) => {
  fc.assert(fc.property(scenario, ({ profile, rules, ops }) => {
    const load = auditctlLoad([...rules, '-D'].join('\n'), 'p.rules', 'x86_64');
    if (load.errors.some((e) => e.severity === 'error')) return false;
    const loaded = load.rules;
    const fs = world(simImageOf(loadProfile(profile))).fs;
    return callsOf(profile, ops).flat().every((c) => !decide(loaded, fs, c).record);
  }), RUNS);
  t.pass();
});

test('a never rule before an always rule for the same syscall and arch wins: the module call is not logged', (t) => {
  fc.assert(fc.property(scenario, ({ profile, rules, ops }) => {
    const fs = world(simImageOf(loadProfile(profile))).fs;
    for (const c of callsOf(profile, ops).flat().filter((x) => (MODULE as readonly string[]).includes(x.syscall))) {
      const text = [`-a never,exit -F arch=${archOf(c)} -S ${c.syscall}`, `-a always,exit -F arch=${archOf(c)} -S ${c.syscall} -k probe`, ...rules].join('\n');
      if (decide(auditctlLoad(text, 'p.rules', 'x86_64').rules, fs, c).record) return false;
    }
    return true;
  }), RUNS);
  t.pass();
});

test('the sequences exercise the model: module calls of both arches, successes and EPERM', (t) => {
  const all = fc.sample(scenario, { numRuns: 60, seed: 1336 }).flatMap(({ profile, ops }) => callsOf(profile, ops).flat());
  const mod = all.filter((c) => (MODULE as readonly string[]).includes(c.syscall));
  t.true(mod.some((c) => c.task.arch === 'i386') && mod.some((c) => c.task.arch === 'x86_64'));
  t.true(mod.some((c) => c.error === 'EPERM') && mod.some((c) => !c.error));
  t.true(new Set(mod.map((c) => c.syscall)).size === 3);
});

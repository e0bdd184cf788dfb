// The `sim:` targets: a scenario answered by the model of a release's guest (its profile, vms/profiles) instead of a
// booted kernel, in milliseconds. Same rules parser, same expectations, same result shape as a real run; calibrated
// against the real kernel by test/scenario-library.test.ts, never a substitute for it.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeValue, parseLog } from '../audit/records/index.js';
import { setAccountFiles } from '../audit/records/interpret/index.js';
import { cacheDir } from '../paths.js';
import type { AuditEvent } from '../audit/records/types.js';
import { auditctlLoad, formatError, renderListing, rulesErrorsForArch } from '../audit/rules/index.js';
import type { SyscallArch } from '../audit/syscalls/index.js';
import { evaluate, evaluateExit, expectationsFor, outcomeOf } from '../scenarios/evaluate.js';
import type { ExpectationResult, ScenarioResult, StepResult } from '../scenarios/result.js';
import type { Scenario } from '../scenarios/schema.js';
import { stepCommand, type Fixtures } from '../scenarios/steps.js';
import { summarizeEvents } from '../scenarios/summarize.js';
import type { GuestArch, TargetInfo } from '../targets/target.js';
import { decide } from './filter.js';
import { SimFs } from './fs.js';
import { recordLines } from './records.js';
import { SimUnsupported, simulateCommand, type SimWorld } from './processes.js';
import { loadProfile, profileIds, type Profile } from './profile.js';
import type { AllFacts } from '../releases/facts.js';

export interface SimImage {
  spec: string;
  arch: GuestArch;
  release: string;
  interpreter: string;
  fixtures: Fixtures;
  profile: Profile;
  facts: AllFacts;
}

/** The paths the images put the test modules and loaders at (harness/images/build.ts), for a kernel release. */
function fixturesFor(profile: Profile): Fixtures {
  const rel = profile.kernelRelease;
  const ext = profile.values.moduleCompression === 'none' ? '.ko' : `.ko.${profile.values.moduleCompression === 'zstd' ? 'zst' : profile.values.moduleCompression === 'gzip' ? 'gz' : 'xz'}`;
  const native = '/usr/local/bin/audit-harness-loader';
  return {
    testModule: `/lib/modules/${rel}/extra/audit_test_mod${ext}`,
    testModuleKo: '/usr/local/lib/audit-harness/audit_test_mod.ko',
    testModuleXz: `/lib/modules/${rel}/extra/audit_test_mod_xz.ko.xz`,
    stockModule: { name: 'dummy', file: `/lib/modules/${rel}/kernel/drivers/net/dummy${ext}` },
    moduleName: 'audit_test_mod',
    ...(profile.values.arch === 'x86_64' ? { loader64: native, loader32: '/usr/local/bin/audit-harness-loader32' } : { loader32: native }),
  };
}

/** sim:<profile id>, from vms/profiles/<id>.yaml; undefined for a spec that names no profile. */
export function simImage(spec: string): SimImage | undefined {
  const id = spec.replace(/^sim:/, '');
  if (!spec.startsWith('sim:') || !profileIds().includes(id)) return undefined;
  return simImageOf(loadProfile(id), spec);
}

/** The model of a profile (one from vms/profiles, or one a test changed), answering as target `spec`. */
export function simImageOf(profile: Profile, spec = `sim:${profile.id}`): SimImage {
  return {
    spec, arch: profile.values.arch, release: profile.kernelRelease, profile, facts: profile.values,
    interpreter: profile.values.arch === 'x86_64' ? '/lib64/ld-linux-x86-64.so.2' : '/lib/ld-linux.so.2',
    fixtures: fixturesFor(profile),
  };
}

/** Every sim: target there is a profile for. */
export function simTargets(): string[] {
  return profileIds().map((id) => `sim:${id}`);
}

export function simTargetInfo(img: SimImage): TargetInfo {
  return { name: img.spec, kind: 'sim', arch: img.arch, kernelRelease: img.release, distro: img.profile.distro };
}

/** A fresh model of the image's guest: its files, no module loaded. */
export function world(img: SimImage): SimWorld {
  const fx = img.fixtures;
  const programs = [fx.loader32, ...(fx.loader64 ? [fx.loader64] : [])];
  const fs = new SimFs({
    usrMerge: img.facts.usrMerge, sh: img.facts.sh, kmod: img.profile.modelValues.kmodLayout, interpreter: img.interpreter,
    staticPrograms: programs, files: [fx.testModule, fx.testModuleKo, fx.testModuleXz, fx.stockModule.file],
  });
  const nativeArch: SyscallArch = img.arch === 'i686' ? 'i386' : 'x86_64';
  return {
    fs, nativeArch, loaded: new Set(), release: img.release, facts: img.facts, model: img.profile.modelValues,
    loader32: fx.loader32, ...(fx.loader64 ? { loader64: fx.loader64 } : {}),
    moduleFiles: new Map([[fx.testModule, fx.moduleName], [fx.testModuleKo, fx.moduleName], [fx.testModuleXz, `${fx.moduleName}_xz`], [fx.stockModule.file, fx.stockModule.name]]),
  };
}

/** The guest's users as the images create them (harness/images/rootfs.ts): names for `:i` matchers. */
const GUEST_ACCOUNTS = {
  passwd: 'root:x:0:0:root:/root:/bin/bash\ntester:x:1000:1000:tester,,,:/home/tester:/bin/bash\n',
  group: 'root:x:0:\nsudo:x:27:tester\ntester:x:1000:\n',
};
let accountsReady = false;

/** Interpretation uses the guest's account names, as the guest's ausearch -i would (files kept in the cache). */
function useGuestAccounts(): void {
  const dir = join(cacheDir(), 'sim');
  if (!accountsReady) {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(GUEST_ACCOUNTS)) {
      const tmp = join(dir, `.${name}.${process.pid}`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(dir, name));
    }
    accountsReady = true;
  }
  setAccountFiles({ passwd: join(dir, 'passwd'), group: join(dir, 'group') });
}

/** ausearch -k KEY [-w]: -w matches one of the event's keys exactly, without it a substring. */
function hasKey(e: AuditEvent, key: string, exact: boolean): boolean {
  const raw = e.records.find((r) => r.type === 'SYSCALL')?.fields.find((f) => f.name === 'key')?.value;
  const text = raw === undefined || raw === '(null)' ? undefined : decodeValue(raw);
  if (text === undefined) return false;
  const keys = text.split('\x01');
  return keys.some((k) => (exact ? k === key : k.includes(key)));
}

const loadedRules = new Map<string, ReturnType<typeof auditctlLoad>>();

/** auditctl's view of a rule set, once per text and arch (the library runs the same sets on many profiles). */
function loadRules(text: string, file: string, arch: GuestArch): ReturnType<typeof auditctlLoad> {
  const k = `${arch}\0${file}\0${text}`;
  let hit = loadedRules.get(k);
  if (!hit) {
    if (loadedRules.size > 256) loadedRules.clear();
    hit = auditctlLoad(text, file, arch);
    loadedRules.set(k, hit);
  }
  return hit;
}

/** Runs one scenario on the model. Whatever the model does not cover is an error naming it, never a guess. */
export function runScenarioSim(img: SimImage, scenario: Scenario, file: string, rules: { name: string; file: string; text: string }): ScenarioResult {
  const t0 = Date.now();
  const base = {
    scenarioId: scenario.id, title: scenario.title, source: scenario.source, file, target: img.spec, arch: img.arch, kernelRelease: img.release,
    ruleset: rules.name, apply: scenario.apply,
  };
  const expectations: ExpectationResult[] = [];
  const errors = rulesErrorsForArch(rules.text, rules.file, img.arch);
  const applied = errors.length === 0;
  expectations.push({
    description: `apply: rules applied with ${scenario.apply} ${scenario.applyFails ? 'fail' : 'load'}`,
    outcome: applied === !scenario.applyFails ? 'pass' : 'fail',
    expected: scenario.applyFails ? 'a command exits non-zero' : 'every command exits 0',
    actual: applied ? 'loaded (model)' : `refused (model):\n${errors.map(formatError).join('\n')}`,
  });
  const loaded = loadRules(rules.text, rules.file, img.arch);
  const steps: StepResult[] = [];
  try {
    if (applied === !scenario.applyFails) {
      const w = world(img);
      const expects = expectationsFor(scenario, img.facts);
      let serial = 1000;
      const logged = new Map<string, AuditEvent[]>();
      for (const step of scenario.steps) {
        const command = stepCommand(step, img.fixtures);
        const { status, calls } = simulateCommand(w, command);
        const lines: string[] = [];
        for (const call of calls) {
          const d = decide(loaded.rules, w.fs, call);
          if (d.record) lines.push(...recordLines(call, d.key, 1_795_000_000, ++serial));
        }
        const all = parseLog(lines.length ? `${lines.join('\n')}\n` : '', `${img.spec} (model)`).events;
        // Like the real runner, a step shows the events of the keys the scenario searches for.
        const events = all.filter((e) => expects.some((x) => hasKey(e, x.key, x.exactKey)));
        logged.set(step.id, all);
        steps.push({ id: step.id, path: step.path, as: step.as, do: step.do, ...(step.module ? { module: step.module } : {}), command, exitCode: status, stdout: '', stderr: '', durationMs: 0, events, logged: summarizeEvents(events) });
        expectations.push(evaluateExit(step.id, step.expectExit, status, ''));
      }
      useGuestAccounts();
      for (const x of expects) {
        expectations.push(evaluate(x, logged.get(x.step)!.filter((e) => hasKey(e, x.key, x.exactKey))));
      }
    }
  } catch (e) {
    if (!(e instanceof SimUnsupported)) throw e;
    return { ...base, outcome: 'error', durationMs: Date.now() - t0, steps, expectations, error: `not modelled by the simulator: ${e.message}` };
  }
  return { ...base, outcome: outcomeOf(expectations), durationMs: Date.now() - t0, steps, expectations, loadedRules: applied ? renderListing(loaded.rules) : '', rules };
}

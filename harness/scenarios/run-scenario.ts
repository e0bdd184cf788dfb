// Runs one scenario on a booted target: reset, apply the rules, run each step between markers, then ask the
// guest's ausearch for every key the scenario names and evaluate the expectations against those events.
import type { AuditEvent } from '../audit/records/types.js';
import type { Target } from '../targets/target.js';
import { applyRules, readRulesSource, RESET_SCRIPT, type ApplyResult } from './apply.js';
import { evaluate, evaluateExit, eventsOfStep, expectationsFor, outcomeOf } from './evaluate.js';
import { bracketed, markerText, searchKey, waitForMarkers, type KeySearch } from './guest-log.js';
import type { ExpectationResult, ScenarioResult, StepResult } from './result.js';
import type { Scenario } from './schema.js';
import { stepCommand, type Fixtures } from './steps.js';
import { summarizeEvents } from './summarize.js';
import { TargetError } from '../targets/target.js';
import type { AllFacts } from '../releases/facts.js';

/** What a runner keeps per booted target. */
export interface TargetSession {
  target: Target;
  kernelRelease: string;
  /** Measured on this guest at boot (harness/releases/probe.ts). */
  facts: AllFacts;
  fixtures: Fixtures;
  /** Marker sequence number: unique in this boot. */
  seq: number;
  /** Set when a scenario left the audit system locked (-e 2): the runner must reboot before the next one. */
  locked: boolean;
}

/** Brings the guest back to no rules and no test module; notes an immutable (-e 2) audit state. */
export async function resetGuest(s: TargetSession): Promise<void> {
  const r = await s.target.exec(RESET_SCRIPT, { timeoutMs: 60_000 });
  if (r.code === 96) throw new TargetError(s.target.info.name, `reset: the test module would not unload: ${r.stderr.trim()}`);
  s.locked = /^enabled 2$/m.test(r.stdout);
}

function applyExpectations(s: Scenario, a: ApplyResult): ExpectationResult[] {
  const how = `rules applied with ${s.apply}`;
  const shown = a.commands.map((c) => `$ ${c.command}\n${c.output ? `${c.output}\n` : ''}(exit ${c.code})`).join('\n');
  const out: ExpectationResult[] = [{
    description: `apply: ${how} ${s.applyFails ? 'fail' : 'load'}`,
    outcome: a.ok === !s.applyFails ? 'pass' : 'fail',
    expected: s.applyFails ? 'a command exits non-zero' : 'every command exits 0',
    actual: shown,
  }];
  // The parser's prediction is checked against the kernel on every run: a disagreement is a bug of ours.
  out.push({
    description: 'apply: audit-harness rules lint agrees with auditctl',
    outcome: a.predicted.ok === a.ok ? 'pass' : 'fail',
    expected: a.predicted.ok ? 'loads' : `refused:\n${a.predicted.errors.join('\n')}`,
    actual: a.ok ? 'loaded' : 'refused',
  });
  if (a.ok && a.predicted.ok && s.apply !== 'augenrules' && s.apply !== 'none') {
    out.push({
      description: 'apply: auditctl -l lists the rules as rendered',
      outcome: a.listing === a.predicted.listing ? 'pass' : 'fail',
      expected: a.predicted.listing,
      actual: a.listing,
    });
  }
  return out;
}

/**
 * Runs `scenario` on the session's target, which the runner has reset (resetGuest) or freshly booted.
 * Infrastructure faults throw TargetError; findings never throw.
 */
export async function runScenario(s: TargetSession, scenario: Scenario, file: string): Promise<ScenarioResult> {
  const t0 = Date.now();
  const info = s.target.info;
  const src = await readRulesSource(scenario, file, info.arch);
  const base = {
    scenarioId: scenario.id, title: scenario.title, source: scenario.source, file, target: info.name, arch: info.arch,
    kernelRelease: s.kernelRelease, ruleset: src.name, apply: scenario.apply,
  };
  const applied = await applyRules(s.target, src, scenario.apply, scenario.rulesFile);
  const expectations = applyExpectations(scenario, applied);
  const seq = ++s.seq;
  const steps: Array<Omit<StepResult, 'events' | 'logged'>> = [];
  // Steps run only on top of rules that loaded as the scenario says (an applyFails scenario has no steps to run).
  if (applied.ok === !scenario.applyFails) {
    for (const step of scenario.steps) {
      const command = stepCommand(step, s.fixtures);
      const script = bracketed(command, markerText(seq, scenario.id, step.id, 'begin'), markerText(seq, scenario.id, step.id, 'end'));
      const t1 = Date.now();
      const r = await s.target.exec(script, { timeoutMs: 120_000 });
      if (r.code === 97) throw new TargetError(info.name, `auditctl -m failed around step ${step.id}: ${r.stderr.trim()}`);
      steps.push({ id: step.id, path: step.path, as: step.as, do: step.do, ...(step.module ? { module: step.module } : {}), command, exitCode: r.code, stdout: r.stdout, stderr: r.stderr, durationMs: Date.now() - t1 });
      expectations.push(evaluateExit(step.id, step.expectExit, r.code, r.stderr));
    }
  }
  let stepResults: StepResult[] = steps.map((x) => ({ ...x, events: [], logged: [] }));
  let ausearchRaw = '';
  if (steps.length > 0) {
    const last = scenario.steps[steps.length - 1]!;
    const serials = await waitForMarkers(s.target, markerText(seq, scenario.id, last.id, 'end'));
    const windowOf = (id: string) => {
      const begin = serials.get(markerText(seq, scenario.id, id, 'begin'));
      const end = serials.get(markerText(seq, scenario.id, id, 'end'));
      if (begin === undefined || end === undefined) throw new TargetError(info.name, `markers of step ${id} missing from the guest's log`);
      return { id, begin, end };
    };
    const searches = new Map<string, KeySearch>();
    const keyOf = (key: string, exact: boolean) => `${exact ? '=' : '~'}${key}`;
    const expects = expectationsFor(scenario, s.facts);
    for (const x of expects) {
      if (!searches.has(keyOf(x.key, x.exactKey))) searches.set(keyOf(x.key, x.exactKey), await searchKey(s.target, x.key, x.exactKey));
    }
    const windows = new Map(steps.map((st) => [st.id, windowOf(st.id)]));
    const first = windows.get(steps[0]!.id)!.begin;
    const lastEnd = windows.get(last.id)!.end;
    stepResults = steps.map((st) => {
      const byKey = new Map<number, AuditEvent>();
      for (const k of searches.values()) for (const e of eventsOfStep(k.events, windows.get(st.id)!)) byKey.set(e.serial, e);
      const events = [...byKey.values()].sort((a, b) => a.serial - b.serial);
      return { ...st, events, logged: summarizeEvents(events) };
    });
    for (const x of expects) {
      const w = windows.get(x.step);
      if (!w) throw new Error(`${file}: expect names step "${x.step}", which did not run`);
      expectations.push(evaluate(x, eventsOfStep(searches.get(keyOf(x.key, x.exactKey))!.events, w)));
    }
    // The raw records of this scenario only (a boot's log holds every earlier scenario too).
    ausearchRaw = [...searches.values()].map((k) => k.raw.split('\n').filter((l) => {
      const m = /msg=audit\(\d+\.\d+:(\d+)\)/.exec(l);
      return m !== null && Number(m[1]) > first && Number(m[1]) < lastEnd;
    }).join('\n')).filter((t) => t !== '').join('\n');
  }
  return {
    ...base, outcome: outcomeOf(expectations), durationMs: Date.now() - t0, steps: stepResults, expectations,
    loadedRules: applied.listing, rules: src, ...(ausearchRaw ? { ausearchRaw } : {}),
  };
}

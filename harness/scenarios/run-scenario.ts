// Runs one scenario on a session (harness/targets/target.ts ScenarioSession), whatever answers it: apply the rules,
// run each step, read back what the steps logged under the keys the scenario names, evaluate the expectations. The
// session of a booted guest is here too: its steps run between markers, its records come from the guest's ausearch.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../audit/records/types.js';
import { setAccountFiles } from '../audit/records/interpret/index.js';
import { registerCleanup } from '../targets/cleanup.js';
import type { AppliedRules, KeyQuery, ScenarioSession, ScenarioSteps, StepRecords, Target } from '../targets/target.js';
import { applyRules, readRulesSource, RESET_SCRIPT, type RulesSource } from './apply.js';
import { evaluate, evaluateExit, eventsOfStep, expectationsFor, outcomeOf, type StepWindow } from './evaluate.js';
import { bracketed, LOG_FILE, MARKER_FAILED, markerText, searchKey, waitForMarkers, type KeySearch } from './guest-log.js';
import type { ExpectationResult, ScenarioResult, StepResult } from './result.js';
import type { Scenario } from './schema.js';
import { stepCommand, type Fixtures } from './steps.js';
import { summarizeEvents } from './summarize.js';
import { TargetError, UnansweredError } from '../targets/target.js';
import { deriveFacts, type AllFacts } from '../releases/facts.js';
import { parseProbe, PROBE_SCRIPT } from '../releases/probe.js';

/** What is kept per booted guest (the tools' flows hold one too: harness/tools). */
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

/** Reads what every scenario needs from a booted guest: its fixtures and its release facts, measured, never taken from a recipe. */
export async function probeGuest(target: Target): Promise<TargetSession> {
  const name = target.info.name;
  const fx = target.info.fixtures;
  if (!fx) throw new TargetError(name, 'the target has no test module or loaders (fixtures)');
  const probe = await target.exec(PROBE_SCRIPT, { timeoutMs: 60_000 });
  if (probe.code !== 0) throw new TargetError(name, `probing the release facts failed: ${probe.stderr.trim()}`);
  let facts: AllFacts;
  try {
    facts = deriveFacts(parseProbe(probe.stdout, name).facts);
  } catch (e) {
    throw new TargetError(name, e instanceof Error ? e.message : String(e));
  }
  return {
    target, kernelRelease: facts.kernel, facts, seq: 0, locked: false,
    fixtures: {
      testModule: fx.testModule, testModuleKo: fx.testModuleKo, testModuleXz: fx.testModuleXz, stockModule: fx.stockModule,
      loader32: fx.loader32, moduleName: 'audit_test_mod', ...(fx.loader64 ? { loader64: fx.loader64 } : {}),
    },
  };
}

/** A booted guest as a ScenarioSession: everything by exec through its Target. */
export class GuestSession implements ScenarioSession {
  private closed = false;

  constructor(readonly guest: TargetSession, readonly accounts?: { passwd: string; group: string }, private readonly cleanup?: () => Promise<void>) {}

  /** Probes the guest and copies its accounts (ausearch -i in the guest names users from the guest's files). Closes nothing on failure. */
  static async open(target: Target): Promise<GuestSession> {
    const guest = await probeGuest(target);
    const dir = await mkdtemp(join(tmpdir(), 'audit-harness-accounts-'));
    // Removed on close, and on Ctrl-C / SIGTERM with the VMs (the process exits from the signal handler).
    const unregister = registerCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const cleanup = async () => {
      await rm(dir, { recursive: true, force: true });
      unregister();
    };
    try {
      for (const f of ['passwd', 'group']) await writeFile(join(dir, f), await target.getFile(`/etc/${f}`));
    } catch (e) {
      await cleanup();
      throw e;
    }
    return new GuestSession(guest, { passwd: join(dir, 'passwd'), group: join(dir, 'group') }, cleanup);
  }

  get info() { return this.guest.target.info; }
  get facts() { return this.guest.facts; }
  get fixtures() { return this.guest.fixtures; }

  async reset(): Promise<'clean' | 'locked'> {
    await resetGuest(this.guest);
    return this.guest.locked ? 'locked' : 'clean';
  }

  async applyRules(src: RulesSource, apply: Scenario['apply'], rulesFile?: string): Promise<AppliedRules> {
    const a = await applyRules(this.guest.target, src, apply, rulesFile);
    const transcript = a.commands.map((c) => `$ ${c.command}\n${c.output ? `${c.output}\n` : ''}(exit ${c.code})`).join('\n');
    return { ok: a.ok, transcript, listing: a.listing, predicted: a.predicted };
  }

  steps(scenarioId: string): ScenarioSteps {
    return new GuestSteps(this.guest, scenarioId);
  }

  auditLog(): Promise<Buffer> {
    return this.guest.target.getFile(LOG_FILE);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.guest.target.close();
    } finally {
      await this.cleanup?.();
    }
  }
}

/** A scenario's steps on a guest: each between USER markers (auditctl -m), its records the guest's ausearch -k between them. */
class GuestSteps implements ScenarioSteps {
  /** Marker sequence number of this scenario: a retried scenario never reads an earlier attempt's markers. */
  private readonly seq: number;
  private readonly ran: string[] = [];

  constructor(private readonly s: TargetSession, private readonly scenarioId: string) {
    this.seq = ++s.seq;
  }

  private marker(stepId: string, edge: 'begin' | 'end'): string {
    return markerText(this.seq, this.scenarioId, stepId, edge);
  }

  async run(stepId: string, command: string) {
    const r = await this.s.target.exec(bracketed(command, this.marker(stepId, 'begin'), this.marker(stepId, 'end')), { timeoutMs: 120_000 });
    if (r.code === 97 && r.stderr.includes(MARKER_FAILED)) throw new TargetError(this.s.target.info.name, `auditctl -m failed around step ${stepId}: ${r.stderr.trim()}`);
    this.ran.push(stepId);
    return r;
  }

  async records(keys: readonly KeyQuery[]): Promise<StepRecords> {
    const name = this.s.target.info.name;
    if (this.ran.length === 0) return { events: () => [] };
    const serials = await waitForMarkers(this.s.target, this.marker(this.ran[this.ran.length - 1]!, 'end'));
    const windows = new Map<string, StepWindow>();
    for (const id of this.ran) {
      const begin = serials.get(this.marker(id, 'begin'));
      const end = serials.get(this.marker(id, 'end'));
      if (begin === undefined || end === undefined) throw new TargetError(name, `markers of step ${id} missing from the guest's log`);
      windows.set(id, { id, begin, end });
    }
    const searches = new Map<string, KeySearch>();
    const keyOf = (q: KeyQuery) => `${q.exact ? '=' : '~'}${q.key}`;
    for (const q of keys) if (!searches.has(keyOf(q))) searches.set(keyOf(q), await searchKey(this.s.target, q.key, q.exact));
    const first = windows.get(this.ran[0]!)!.begin;
    const lastEnd = windows.get(this.ran[this.ran.length - 1]!)!.end;
    // The raw records of this scenario only (a boot's log holds every earlier scenario too).
    const raw = [...searches.values()].map((k) => k.raw.split('\n').filter((l) => {
      const m = /msg=audit\(\d+\.\d+:(\d+)\)/.exec(l);
      return m !== null && Number(m[1]) > first && Number(m[1]) < lastEnd;
    }).join('\n')).filter((t) => t !== '').join('\n');
    return {
      events: (stepId, q) => {
        const w = windows.get(stepId);
        const found = searches.get(keyOf(q));
        if (!w || !found) throw new Error(`no records read for step ${stepId} and key ${q.key}`);
        return eventsOfStep(found.events, w);
      },
      raw,
    };
  }
}

function applyExpectations(s: Scenario, a: AppliedRules): ExpectationResult[] {
  const out: ExpectationResult[] = [{
    description: `apply: rules applied with ${s.apply} ${s.applyFails ? 'fail' : 'load'}`,
    outcome: a.ok === !s.applyFails ? 'pass' : 'fail',
    expected: s.applyFails ? 'a command exits non-zero' : 'every command exits 0',
    actual: a.transcript,
  }];
  // The parser's prediction is checked against the kernel on every run: a disagreement is a bug of ours.
  if (a.predicted) {
    out.push({
      description: 'apply: audit-harness rules lint agrees with auditctl',
      outcome: a.predicted.ok === a.ok ? 'pass' : 'fail',
      expected: a.predicted.ok ? 'loads' : `refused:\n${a.predicted.errors.join('\n')}`,
      actual: a.ok ? 'loaded' : 'refused',
    });
  }
  if (a.ok && a.predicted?.ok && s.apply !== 'augenrules' && s.apply !== 'none') {
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
 * Runs `scenario` on the session, which the runner has reset or freshly opened (a TargetSession is a booted guest's,
 * as the tools' flows hold it). Infrastructure faults throw TargetError; findings never throw; what the target
 * cannot answer (UnansweredError) is this scenario's error result.
 */
export async function runScenario(session: ScenarioSession | TargetSession, scenario: Scenario, file: string): Promise<ScenarioResult> {
  const s = 'applyRules' in session ? session : new GuestSession(session);
  const t0 = Date.now();
  const info = s.info;
  const src = await readRulesSource(scenario, file, info.arch);
  const base = {
    scenarioId: scenario.id, title: scenario.title, source: scenario.source, file, target: info.name, arch: info.arch,
    kernelRelease: s.facts.kernel, ruleset: src.name, apply: scenario.apply,
  };
  const applied = await s.applyRules(src, scenario.apply, scenario.rulesFile);
  const expectations = applyExpectations(scenario, applied);
  const steps: Array<Omit<StepResult, 'events' | 'logged'>> = [];
  const run = s.steps(scenario.id);
  try {
    // Steps run only on top of rules that loaded as the scenario says (an applyFails scenario has no steps to run).
    if (applied.ok === !scenario.applyFails) {
      for (const step of scenario.steps) {
        const command = stepCommand(step, s.fixtures);
        const t1 = Date.now();
        const r = await run.run(step.id, command);
        steps.push({ id: step.id, path: step.path, as: step.as, do: step.do, ...(step.module ? { module: step.module } : {}), command, exitCode: r.code, stdout: r.stdout, stderr: r.stderr, durationMs: Date.now() - t1 });
        expectations.push(evaluateExit(step.id, step.expectExit, r.code, r.stderr));
      }
    }
    if (steps.length > 0) {
      const expects = expectationsFor(scenario, s.facts);
      const found = await run.records(expects.map((x) => ({ key: x.key, exact: x.exactKey })));
      // Interpreted fields name users as the guest does: set right before evaluating (targets run concurrently).
      if (s.accounts) setAccountFiles(s.accounts);
      const ran = new Set(steps.map((st) => st.id));
      for (const x of expects) {
        if (!ran.has(x.step)) throw new Error(`${file}: expect names step "${x.step}", which did not run`);
        expectations.push(evaluate(x, found.events(x.step, { key: x.key, exact: x.exactKey })));
      }
      // A step shows the events of every key the scenario searches for.
      const stepResults: StepResult[] = steps.map((st) => {
        const bySerial = new Map<number, AuditEvent>();
        for (const x of expects) for (const e of found.events(st.id, { key: x.key, exact: x.exactKey })) bySerial.set(e.serial, e);
        const events = [...bySerial.values()].sort((a, b) => a.serial - b.serial);
        return { ...st, events, logged: summarizeEvents(events) };
      });
      return {
        ...base, outcome: outcomeOf(expectations), durationMs: Date.now() - t0, steps: stepResults, expectations,
        loadedRules: applied.listing, rules: src, ...(found.raw ? { ausearchRaw: found.raw } : {}),
      };
    }
  } catch (e) {
    if (!(e instanceof UnansweredError)) throw e;
    const partial = steps.map((x) => ({ ...x, events: [], logged: [] }));
    return { ...base, outcome: 'error', durationMs: Date.now() - t0, steps: partial, expectations, error: e.message };
  }
  return { ...base, outcome: outcomeOf(expectations), durationMs: Date.now() - t0, steps: [], expectations, loadedRules: applied.listing, rules: src };
}

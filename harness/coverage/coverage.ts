// `audit-harness coverage`: a user's own rules against the standard battery (battery.ts) on each target, through the
// one scenario runner (sim: answers from the release's profile in milliseconds, qemu: boots as `run` does). Per step:
// was something logged under the rules' keys, was it the module syscall itself or only the tool's exec, and if not,
// why (explain.ts, the model of the release evaluating the rules against the simulated calls).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { auditctlLoad, augenrulesMerge, formatError, readRulesSources, RulesReadError, type KernelArch } from '../audit/rules/index.js';
import { syscallName, type SyscallArch } from '../audit/syscalls/index.js';
import { decodeValue } from '../audit/records/index.js';
import type { AuditEvent } from '../audit/records/types.js';
import { runScenarios, type RunHooks, type RunOptions } from '../scenarios/runner.js';
import type { ScenarioResult } from '../scenarios/result.js';
import { stepCommand } from '../scenarios/steps.js';
import { SimUnsupported, simulateCommand } from '../sim/processes.js';
import { loadProfile, profileIds, type Profile } from '../sim/profile.js';
import { simImageOf, world } from '../sim/run.js';
import { batteryScenario, type BatteryStep } from './battery.js';
import { explainStep } from './explain.js';

export class CoverageInputError extends Error {}

export interface UserRules {
  /** The files read, in augenrules order. */
  files: string[];
  /** The rules as they reach auditctl (one file as it is; several, or a rules.d directory, merged as augenrules does). */
  text: string;
  /** Name for reports. */
  name: string;
  /** The file under /etc/audit/rules.d the guest gets (augenrules --load), or undefined for auditctl -R. */
  rulesFile?: string;
  /** Keys of the always rules: what the guest's ausearch -k looks for. */
  keys: string[];
}

/**
 * Reads RULES... as augenrules would see them; errors name the file and line. Warnings (what augenrules skips, and
 * those `rules lint` gives on the lines auditctl reads) go to `warn`, by default stderr.
 */
export async function loadUserRules(paths: readonly string[], onlyKeys?: readonly string[], warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<UserRules> {
  if (paths.length === 0) throw new CoverageInputError('no rules given: name rules files or an /etc/audit/rules.d directory');
  let sources;
  try {
    sources = await readRulesSources(paths, (s) => warn(`${s.path}: warning: ${s.reason}`));
  } catch (e) {
    if (e instanceof RulesReadError) throw new CoverageInputError(e.message);
    throw e;
  }
  const single = paths.length === 1 && !(await stat(paths[0]!)).isDirectory();
  const rules = sources.filter((s) => single || /\.rules$/.test(s.name));
  if (rules.length === 0) throw new CoverageInputError(`${paths.join(', ')}: no *.rules file (augenrules reads only those)`);
  const merged = single ? undefined : augenrulesMerge(rules);
  const text = merged?.text ?? rules[0]!.text;
  const mapLine = merged ? (n: number) => merged.lines[n - 1]?.source : undefined;
  const file = merged ? '/etc/audit/audit.rules' : rules[0]!.name;
  const perArch = (['x86_64', 'i686'] as KernelArch[]).map((a) => auditctlLoad(text, file, a, mapLine));
  const fatal = perArch.map((l) => l.errors.filter((e) => e.severity === 'error'));
  const loaded = perArch[fatal[0]!.length === 0 || fatal[1]!.length > 0 ? 0 : 1]!;
  // `rules lint`'s warnings (parseRuleLine's) on the lines auditctl reads: every line, unless no kernel loads them.
  for (const w of loaded.errors) if (w.severity === 'warning') warn(formatError(w));
  // Wrong for every kernel (a typo, a syscall no arch has): nothing could be measured.
  if (fatal.every((e) => e.length > 0)) throw new CoverageInputError(`the rules do not load on any kernel:\n${fatal[0]!.map(formatError).join('\n')}`);
  const keys = [...new Set(loaded.rules.filter((r) => r.list === 'exit' && r.action === 'always').flatMap((r) => r.keys))];
  if (onlyKeys?.length) {
    const unknown = onlyKeys.filter((k) => !keys.includes(k));
    if (unknown.length) throw new CoverageInputError(`--key ${unknown.join(',')}: no always rule has this key (keys: ${keys.join(', ') || 'none'})`);
  }
  if (keys.length === 0) throw new CoverageInputError('no always rule has a key (-k): coverage finds what was logged with ausearch -k, as a scanner does');
  const base = path.basename(rules[0]!.name);
  return {
    files: rules.map((r) => r.name), text, name: single ? base : `${path.basename(paths[0]!)}${paths.length > 1 ? ` +${paths.length - 1}` : ''}`,
    rulesFile: single ? (/^[A-Za-z0-9_.-]+\.rules$/.test(base) ? base : undefined) : '50-coverage.rules',
    keys: onlyKeys?.length ? [...onlyKeys] : keys,
  };
}

export type CellStatus = 'logged' | 'exec-only' | 'missed' | 'error';

export interface CoverageCell {
  stepId: string;
  kind: 'load' | 'unload';
  label: string;
  as: BatteryStep['as'];
  status: CellStatus;
  /** measured: on a real kernel; modelled: by the release's profile. */
  basis: 'measured' | 'modelled';
  /** Syscalls of the events logged under the keys (execve for a watch), "(i386)" for 32-bit calls on a 64-bit kernel. */
  syscalls: string[];
  keys: string[];
  /** The module syscalls the model makes here. */
  modelCalls: string[];
  /** Why the module syscall was not logged. */
  why: string[];
  error?: string;
}

export interface TargetCoverage {
  target: string;
  kind: 'qemu' | 'sim';
  basis: 'measured' | 'modelled';
  /** The profile the reasons come from (for sim: the one answering; for qemu: the one it calibrates). */
  profile?: { id: string; status: Profile['status']; calibratedBy?: string };
  arch?: string;
  kernelRelease?: string;
  error?: string;
  cells: CoverageCell[];
  loads: { logged: number; execOnly: number; total: number };
  unloads: { logged: number; execOnly: number; total: number };
  verdict: string;
}

export interface CoverageReport {
  rules: { name: string; files: string[]; keys: string[] };
  startedAt: string;
  durationMs: number;
  targets: TargetCoverage[];
}

const AUDIT_ARCH: Record<string, SyscallArch> = { c000003e: 'x86_64', '40000003': 'i386' };

function eventSyscall(e: AuditEvent, nativeArch: SyscallArch): string | undefined {
  const sys = e.records.find((r) => r.type === 'SYSCALL');
  const field = (n: string) => sys?.fields.find((f) => f.name === n)?.value;
  const arch = AUDIT_ARCH[(field('arch') ?? '').toLowerCase()];
  const nr = field('syscall');
  if (!arch || nr === undefined) return undefined;
  const name = syscallName(arch, Number(nr)) ?? nr;
  return arch !== nativeArch ? `${name} (${arch})` : name;
}

function eventKeys(e: AuditEvent): string[] {
  const raw = e.records.find((r) => r.type === 'SYSCALL')?.fields.find((f) => f.name === 'key')?.value;
  if (raw === undefined || raw === '(null)') return [];
  return (decodeValue(raw) ?? '').split('\x01');
}

const MODULE_SYSCALL = /^(init_module|finit_module|delete_module|create_module|query_module)\b/;

/** The profile that speaks for a target: sim:<id> itself; for qemu:<id> the profile it calibrates. */
export function profileFor(target: string): Profile | undefined {
  if (target.startsWith('sim:')) return loadProfile(target.slice(4));
  return profileIds().map(loadProfile).find((p) => p.calibratedBy === target);
}

function tally(cells: CoverageCell[], kind: 'load' | 'unload') {
  const mine = cells.filter((c) => c.kind === kind);
  return { logged: mine.filter((c) => c.status === 'logged').length, execOnly: mine.filter((c) => c.status === 'exec-only').length, total: mine.length };
}

/**
 * "loads logged 6/14, unloads 9/9; missed: insmod of an uncompressed module (root; finit_module): auid filter: …".
 * Misses with the same reason are grouped; a reason that covers everything one caller did says so once.
 */
export function verdictOf(t: Pick<TargetCoverage, 'cells' | 'loads' | 'unloads' | 'error'>): string {
  if (t.error) return `no answer: ${t.error}`;
  const part = (name: string, x: TargetCoverage['loads']) => `${name} logged ${x.logged}/${x.total}${x.execOnly ? ` (${x.execOnly} more only as the tool's exec)` : ''}`;
  const groups = new Map<string, CoverageCell[]>();
  for (const c of t.cells) {
    if (c.status === 'logged') continue;
    const k = `${c.status === 'exec-only' ? 'only the exec logged' : ''}\n${c.why.join('; ')}`;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  const missed = [...groups.entries()].map(([k, cells]) => {
    const [execOnly, why] = k.split('\n') as [string, string];
    const parts: string[] = [];
    const byLabel = new Map<string, CoverageCell[]>();
    for (const who of ['root', 'sudo', 'user'] as const) {
      const all = t.cells.filter((c) => c.as === who);
      const mine = cells.filter((c) => c.as === who);
      if (mine.length > 1 && mine.length === all.length) parts.push(`everything as ${who}`);
      else for (const c of mine) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c]);
    }
    for (const [label, cs] of byLabel) {
      const calls = [...new Set(cs.flatMap((c) => c.modelCalls.map((x) => x.replace(/ E[A-Z]+$/, ''))))].join(', ');
      parts.push(`${label} (${cs.map((c) => c.as).join(', ')}${calls ? `; ${calls}` : ''})`);
    }
    return `${parts.join(', ')}${execOnly ? ` [${execOnly}]` : ''}${why ? ` — ${why}` : ''}`;
  });
  return `${part('loads', t.loads)}, ${part('unloads', t.unloads)}${missed.length ? `; missed: ${missed.join('; ')}` : ''}`;
}

/** Replays the battery on the model of `profile` and explains every step. */
function explainAll(profile: Profile, arch: KernelArch, rules: UserRules, scenarioSteps: { id: string; step: Parameters<typeof stepCommand>[0] }[], battery: Set<string>) {
  const img = simImageOf(profile);
  const w = world(img);
  const loaded = auditctlLoad(rules.text, 'rules', arch).rules;
  const out = new Map<string, ReturnType<typeof explainStep> | { error: string }>();
  for (const { id, step } of scenarioSteps) {
    try {
      const command = stepCommand(step, img.fixtures);
      if (battery.has(id)) out.set(id, explainStep(w, loaded, rules.keys, command));
      else simulateCommand(w, command);
    } catch (e) {
      if (!(e instanceof SimUnsupported)) throw e;
      out.set(id, { error: `not modelled: ${e.message}` });
    }
  }
  return out;
}

function cellsOf(target: string, r: ScenarioResult | undefined, steps: BatteryStep[], basis: CoverageCell['basis'], profile: Profile | undefined, rules: UserRules, arch: KernelArch, scenarioSteps: { id: string; step: Parameters<typeof stepCommand>[0] }[]): CoverageCell[] {
  const native: SyscallArch = arch === 'i686' ? 'i386' : 'x86_64';
  const why = profile ? explainAll(profile, arch, rules, scenarioSteps, new Set(steps.map((s) => s.id))) : undefined;
  return steps.map((s) => {
    const res = r?.steps.find((x) => x.id === s.id);
    const base = { stepId: s.id, kind: s.item.kind, label: s.item.label, as: s.as, basis };
    const ex = why?.get(s.id);
    const model = ex && !('error' in ex) ? ex : undefined;
    if (!res) return { ...base, status: 'error' as const, syscalls: [], keys: [], modelCalls: model?.calls ?? [], why: [], error: r?.error ?? `the step did not run on ${target}` };
    const events = res.events.filter((e) => eventKeys(e).some((k) => rules.keys.includes(k)));
    const syscalls = [...new Set(events.map((e) => eventSyscall(e, native)).filter((x): x is string => x !== undefined))];
    const keys = [...new Set(events.flatMap(eventKeys).filter((k) => rules.keys.includes(k)))];
    const status: CellStatus = syscalls.some((x) => MODULE_SYSCALL.test(x)) ? 'logged' : events.length ? 'exec-only' : 'missed';
    const reasons = status === 'logged' ? [] : ex === undefined ? ['no profile of this release to explain it'] : 'error' in ex ? [ex.error]
      : model!.moduleLogged ? ['the model logs it here: a difference between the kernel and the model, not explained'] : model!.why;
    return { ...base, status, syscalls, keys, modelCalls: model?.calls ?? [], why: reasons };
  });
}

export interface CoverageOptions {
  rules: UserRules;
  targets: readonly string[];
  hooks?: RunHooks;
  signal?: AbortSignal;
  qemu?: RunOptions['qemu'];
  parallel?: number;
}

export async function runCoverage(opts: CoverageOptions): Promise<CoverageReport> {
  const t0 = Date.now();
  // One battery per kernel arch; each target runs the one of its arch (the other is not applicable there), so the
  // arch comes from the opened target itself. The module of the kernel package the images and profiles use (recipes'
  // stockModule, harness/sim/run.ts).
  const built = new Map((['x86_64', 'i686'] as const).map((arch) => [arch, batteryScenario({ arch, rules: opts.rules.text, rulesName: opts.rules.name, ...(opts.rules.rulesFile ? { rulesFile: opts.rules.rulesFile } : {}), keys: opts.rules.keys, stockModule: 'dummy' })] as const));
  const run = await runScenarios({
    targets: opts.targets, scenarios: [...built.values()].map((b) => ({ scenario: b.scenario, file: `coverage:${opts.rules.name}` })),
    ...(opts.hooks ? { hooks: opts.hooks } : {}), ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.qemu ? { qemu: opts.qemu } : {}), ...(opts.parallel ? { parallel: opts.parallel } : {}),
  });
  const targets: TargetCoverage[] = opts.targets.map((target) => {
    const tinfo = run.targets.find((x) => x.name === target);
    const arch = tinfo?.arch as KernelArch | undefined;
    const battery = arch ? built.get(arch) : undefined;
    const info = battery && run.results.find((x) => x.target === target && x.scenarioId === battery.scenario.id);
    const kind = target.startsWith('sim:') ? 'sim' as const : 'qemu' as const;
    const basis = kind === 'sim' ? 'modelled' as const : 'measured' as const;
    const profile = profileFor(target);
    const applied = info?.expectations.find((x) => x.description.startsWith('apply:'));
    const error = tinfo?.error ?? (info?.outcome === 'error' ? info.error : undefined)
      ?? (info && info.steps.length === 0 && applied?.outcome === 'fail' ? `the rules do not load here: ${applied.actual.replace(/\s+/g, ' ').trim()}` : undefined);
    const cells = error || !battery || !arch ? [] : cellsOf(target, info, battery.steps, basis, profile, opts.rules, arch, battery.scenario.steps.map((s) => ({ id: s.id, step: s })));
    const t = { cells, loads: tally(cells, 'load'), unloads: tally(cells, 'unload'), ...(error ? { error } : {}) };
    return {
      target, kind, basis, ...(arch ? { arch } : {}), ...(tinfo?.kernelRelease ? { kernelRelease: tinfo.kernelRelease } : {}),
      ...(profile ? { profile: { id: profile.id, status: profile.status, ...(profile.calibratedBy ? { calibratedBy: profile.calibratedBy } : {}) } } : {}),
      ...t, verdict: verdictOf(t),
    };
  });
  return { rules: { name: opts.rules.name, files: opts.rules.files, keys: opts.rules.keys }, startedAt: run.startedAt, durationMs: Date.now() - t0, targets };
}

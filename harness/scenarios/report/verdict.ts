// The verdict: per rule set and target, how many of the load paths exercised had their module syscall logged with
// the rule set's key, how many unload paths their delete_module, and the most important path that was missed.
import type { AllFacts } from '../../releases/facts.js';
import type { ExpectationResult, RunResult, ScenarioResult, StepResult, TargetRunInfo } from '../result.js';
import { byTarget } from './group.js';
import type { MatrixGap } from './matrix.js';
import { cmp, isSetupStep, isUnloadStep, loggedKind, rowKey, rowLabel, stepOf } from './step-reading.js';
import { pathRank } from './path-rank.js';

/**
 * logged: every run logged the module syscall; partial: some runs did; exec-only: no module syscall, only an execve
 * (a watch on the tool); missed: nothing of the kind; unknown: an infrastructure error came first; no-syscall: the
 * scenario asserts that nothing is logged and names no gap (the command made no module syscall, e.g. kmod 30 has
 * no `insmod` subcommand): not counted.
 */
export type PathVerdict = 'logged' | 'partial' | 'exec-only' | 'missed' | 'unknown' | 'no-syscall';

export interface VerdictPath {
  label: string;
  unload: boolean;
  rank: number;
  verdict: PathVerdict;
  /** Documented gaps the scenarios give for this path here. */
  gaps: MatrixGap[];
}

export interface VerdictTally {
  /** Paths measured (not unknown, not no-syscall). */
  exercised: number;
  logged: number;
  partial: number;
  execOnly: number;
  unknown: number;
}

export interface VerdictCell {
  ruleset: string;
  target: string;
  loads: VerdictTally;
  unloads: VerdictTally;
  /** Paths not (fully) logged, most important first: loads before unloads, then by pathRank. */
  misses: VerdictPath[];
  /** A scenario asserted that the kernel refuses these rules on this target (e.g. arch=b64 on i686). */
  refused: boolean;
  scenarios: string[];
}

export interface VerdictTarget {
  name: string;
  arch?: string;
  kernelRelease?: string;
  facts?: AllFacts;
  error?: string;
}

export interface Verdict {
  rulesets: string[];
  targets: VerdictTarget[];
  /** cells[target][ruleset]; null where the rule set was not run (or not applicable) on that target. */
  cells: (VerdictCell | null)[][];
}

/** "step X: key K absent" with no record/field filter and no `when`: the author says nothing at all happens here. */
function assertsNothingHappens(e: ExpectationResult): boolean {
  return e.outcome === 'pass' && /^step [^:]+: key \S+ absent$/.test(e.description);
}

interface PathAcc {
  label: string;
  unload: boolean;
  rank: number;
  runs: number;
  measured: number;
  moduleRuns: number;
  execRuns: number;
  noSyscallRuns: number;
  gaps: MatrixGap[];
}

function measure(acc: PathAcc, s: ScenarioResult, step: StepResult): void {
  acc.runs++;
  const mine = s.expectations.filter((e) => stepOf(e) === step.id);
  for (const g of mine.filter((e) => e.outcome === 'gap')) {
    const reason = g.reason ?? g.description;
    if (!acc.gaps.some((x) => x.reason === reason)) acc.gaps.push({ scenarioId: s.scenarioId, reason, ...(g.reference ? { reference: g.reference } : {}) });
  }
  // Like the matrix: a step that logged nothing in a scenario that hit an infrastructure error is unknown.
  if (step.logged.length === 0 && s.outcome === 'error') return;
  acc.measured++;
  const kind = loggedKind(step, acc.unload);
  if (kind === 'module') acc.moduleRuns++;
  else if (kind === 'exec') acc.execRuns++;
  else if (kind === 'nothing') {
    const keyed = mine.filter((e) => !/^step [^:]+: exit status /.test(e.description));
    if (keyed.length > 0 && keyed.every(assertsNothingHappens)) acc.noSyscallRuns++;
  }
}

function verdictOf(a: PathAcc): PathVerdict {
  if (a.measured === 0) return 'unknown';
  if (a.noSyscallRuns === a.measured) return 'no-syscall';
  const counted = a.measured - a.noSyscallRuns;
  if (a.moduleRuns === counted) return 'logged';
  if (a.moduleRuns > 0) return 'partial';
  return a.execRuns > 0 ? 'exec-only' : 'missed';
}

function tally(paths: VerdictPath[]): VerdictTally {
  const n = (v: PathVerdict) => paths.filter((p) => p.verdict === v).length;
  return {
    exercised: paths.filter((p) => p.verdict !== 'unknown' && p.verdict !== 'no-syscall').length,
    logged: n('logged'),
    partial: n('partial'),
    execOnly: n('exec-only'),
    unknown: n('unknown'),
  };
}

/** The apply expectation of an applyFails scenario ("apply: rules applied with auditctl fail") that held. */
const refusedAsExpected = (s: ScenarioResult) => s.expectations.some((e) => /^apply: .* fail$/.test(e.description) && e.outcome === 'pass');

export function buildVerdict(run: RunResult): Verdict {
  const groups = byTarget(run);
  const rulesets = [...new Set(run.results.filter((s) => s.outcome !== 'not-applicable').map((s) => s.ruleset))].sort(cmp);
  const targets: VerdictTarget[] = groups.map(({ info }) => targetOf(info));
  const cells = groups.map(({ info, results }) =>
    rulesets.map((ruleset) => {
      const mine = results.filter((s) => s.ruleset === ruleset && s.outcome !== 'not-applicable');
      return mine.length ? cellOf(ruleset, info.name, mine) : null;
    }),
  );
  return { rulesets, targets, cells };
}

function targetOf(info: TargetRunInfo): VerdictTarget {
  return {
    name: info.name,
    ...(info.arch ? { arch: info.arch } : {}),
    ...(info.kernelRelease ? { kernelRelease: info.kernelRelease } : {}),
    ...(info.facts ? { facts: info.facts } : {}),
    ...(info.error ? { error: info.error } : {}),
  };
}

function cellOf(ruleset: string, target: string, results: ScenarioResult[]): VerdictCell {
  const paths = new Map<string, PathAcc>();
  for (const s of results) {
    for (const step of s.steps) {
      if (isSetupStep(s, step)) continue;
      const key = rowKey(step);
      let acc = paths.get(key);
      if (!acc) {
        acc = { label: rowLabel(step), unload: isUnloadStep(step), rank: pathRank(step), runs: 0, measured: 0, moduleRuns: 0, execRuns: 0, noSyscallRuns: 0, gaps: [] };
        paths.set(key, acc);
      }
      measure(acc, s, step);
    }
  }
  const all: VerdictPath[] = [...paths.values()].map((a) => ({ label: a.label, unload: a.unload, rank: a.rank, verdict: verdictOf(a), gaps: a.gaps }));
  const misses = all
    .filter((p) => p.verdict === 'missed' || p.verdict === 'exec-only' || p.verdict === 'partial')
    .sort((a, b) => Number(a.unload) - Number(b.unload) || a.rank - b.rank || cmp(a.label, b.label));
  return {
    ruleset,
    target,
    loads: tally(all.filter((p) => !p.unload)),
    unloads: tally(all.filter((p) => p.unload)),
    misses,
    refused: results.some(refusedAsExpected),
    scenarios: [...new Set(results.map((s) => s.scenarioId))],
  };
}

/** How a cell reads at a glance: everything logged, some, nothing (or rules refused), or not measured. */
export type VerdictLevel = 'all' | 'some' | 'none' | 'unknown';

export function verdictLevel(c: VerdictCell): VerdictLevel {
  const measured = c.loads.exercised + c.unloads.exercised;
  if (c.refused || (c.loads.exercised > 0 && c.loads.logged === 0)) return 'none';
  if (measured === 0) return 'unknown';
  if (c.misses.length > 0) return 'some';
  return c.loads.unknown + c.unloads.unknown > 0 ? 'some' : 'all';
}

function tallyText(word: string, t: VerdictTally): string | undefined {
  if (t.exercised === 0) return t.unknown ? `${word}: ${t.unknown} unknown` : undefined;
  const extra = [
    t.execOnly ? `+${t.execOnly} exec only` : '',
    t.partial ? `${t.partial} partly` : '',
    t.unknown ? `${t.unknown} unknown` : '',
  ].filter(Boolean);
  return `${word} ${t.logged}/${t.exercised}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

const MISS_MARK: Record<'missed' | 'exec-only' | 'partial', string> = { missed: '✗', 'exec-only': '✗', partial: '◐' };

/** The most important miss: "✗ modprobe (stock module) (root)", how it was missed, and how many more misses there are. */
export function topMiss(c: VerdictCell): { text: string; how?: string; more: number } | undefined {
  const top = c.misses[0];
  if (!top) return undefined;
  const how = top.verdict === 'exec-only' ? 'exec only' : top.verdict === 'partial' ? 'partly' : undefined;
  return { text: `${MISS_MARK[top.verdict as keyof typeof MISS_MARK]} ${top.label}`, ...(how ? { how } : {}), more: c.misses.length - 1 };
}

/** "✗ modprobe (stock module) (root): exec only (+4 more)". */
export function topMissText(c: VerdictCell): string | undefined {
  const m = topMiss(c);
  return m && `${m.text}${m.how ? `: ${m.how}` : ''}${m.more ? ` (+${m.more} more)` : ''}`;
}

/** The counts of a verdict cell: "loads 2/8 (+3 exec only)", "unloads 3/3" (a kind of path not exercised is left out). */
export function verdictCounts(c: VerdictCell): string[] {
  return [tallyText('loads', c.loads), tallyText('unloads', c.unloads)].filter((t): t is string => t !== undefined);
}

/** Something was measured, nothing missed, nothing unknown. */
export function allLogged(c: VerdictCell): boolean {
  return c.misses.length === 0 && c.loads.exercised + c.unloads.exercised > 0 && c.loads.unknown + c.unloads.unknown === 0;
}

/** The lines of a verdict cell: refused, the counts, then the top miss or that every path was logged. */
export function verdictLines(c: VerdictCell): string[] {
  const lines: string[] = [];
  if (c.refused) lines.push('✗ rules refused by the kernel');
  const counts = verdictCounts(c);
  lines.push(...counts);
  const miss = topMissText(c);
  if (miss) lines.push(miss);
  else if (allLogged(c)) lines.push('✓ every path logged');
  if (lines.length === 0) lines.push('no load/unload path measured');
  return lines;
}

/** One line: "loads 2/8 (+3 exec only) · unloads 3/3 · ✗ modprobe (stock module) (root): exec only (+4 more)". */
export function verdictText(c: VerdictCell): string {
  return verdictLines(c).join(' · ');
}

const EXT: Record<string, string> = { none: '.ko', xz: '.ko.xz', zstd: '.ko.zst', gzip: '.ko.gz' };

/** "kernel 6.1.0-27-cloud-amd64, kmod 30, modules shipped as .ko, kernel decompression none (kmod loads .ko with finit_module, ...)". */
export function factsLine(t: VerdictTarget): string {
  if (t.error) return `target failed: ${t.error.split('\n')[0]}`;
  const f = t.facts;
  if (!f) return t.kernelRelease ? `kernel ${t.kernelRelease} (release facts not recorded)` : 'release facts not recorded';
  const dec = f.kernelDecompression === 'none' ? 'none' : f.kernelDecompression;
  return (
    `kernel ${f.kernel}, kmod ${f.kmod}, module compression ${f.moduleCompression} (${EXT[f.moduleCompression] ?? f.moduleCompression}), ` +
    `kernel decompression ${dec}; kmod loads a .ko with ${f.koSyscall}, a .ko.xz with ${f.xzSyscall}, the release's own modules with ${f.distroModuleSyscall}`
  );
}

export const VERDICT_LEGEND =
  'A load path counts when its init_module or finit_module (any arch) was logged with the rule set\'s key in every run; ' +
  'an unload path when its delete_module was. "exec only": only the execve of the tool was logged (a watch), not the ' +
  'syscall that loads. "partly": logged in some runs only. Paths whose scenario asserts that nothing happens (the ' +
  'command made no module syscall) are not counted. The named miss is the most important one: modprobe of a module ' +
  'the release ships first, then insmod, modprobe of a .ko.xz, kmod under other names, the loaders; root before sudo ' +
  'before user; loads before unloads. — : the rule set was not run on that target.';

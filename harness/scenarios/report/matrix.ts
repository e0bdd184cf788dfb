// The coverage matrix: which load/unload path was logged under which rule set, arch and target.
import type { AuditEvent } from '../../audit/records/types.js';
import type { ExpectationResult, RunResult, ScenarioResult, StepResult } from '../result.js';
import { reproLinks, type ReproLink } from '../../repro/command.js';
import { toolLinks, type ToolLink } from '../../tools/validate/tool-links.js';

/** results.json's name beside the matrix files (REPORT_FILES.json). */
const REPORT_RESULTS_FILE = 'results.json';
import { pathKindRank } from './path-rank.js';
import { archRank, cmp, isSetupStep, isUnloadStep, loggedKind, loggedSyscall, rowKey, rowLabel, stepOf } from './step-reading.js';
import { buildVerdict, type Verdict } from './verdict.js';

export { isUnload } from './step-reading.js';

export interface MatrixRow {
  key: string;
  path: string;
  as: StepResult['as'];
  /** "insmod (sudo)" */
  label: string;
  /** An unload path (rmmod, modprobe -r, delete_module, ...). */
  unload: boolean;
  /** How much the path matters (path-rank.ts): 0 = modprobe of a module the release ships. */
  rank: number;
}

export interface MatrixColumn {
  key: string;
  ruleset: string;
  arch: string;
  target: string;
  kernelRelease?: string;
  /** How the rules were applied in this column's scenarios (auditctl, auditctl-R, augenrules). */
  apply: string[];
}

/**
 * logged: every run of the path logged an event with the key; exec-only: every run did, but only the execve of the
 * tool (a watch), never the module syscall; partial: some did; gap: nothing logged and a scenario
 * documented that as a known gap; not-logged: nothing logged; error: the step's scenario failed for infrastructure.
 */
export type CellStatus = 'logged' | 'exec-only' | 'partial' | 'gap' | 'not-logged' | 'error';

export interface MatrixGap {
  scenarioId: string;
  reason: string;
  reference?: string;
}

export interface MatrixCell {
  status: CellStatus;
  /** Syscall names seen (execve for a watch), " (i386)" appended for 32-bit calls on a 64-bit target. */
  syscalls: string[];
  keys: string[];
  /** Steps that ran this path in this column, and how many of them logged something. */
  runs: number;
  loggedRuns: number;
  /** Runs that logged the path's module syscall (init_module/finit_module, or delete_module for an unload). */
  moduleRuns: number;
  scenarios: string[];
  /** Documented gaps of this path here: why it was not logged, or (on a logged cell) which part of it was not. */
  gaps: MatrixGap[];
  /** Some expectation about this path failed (the scenario's outcome is fail). */
  failed: boolean;
  errors: string[];
}

export interface Matrix {
  startedAt: string;
  rows: MatrixRow[];
  columns: MatrixColumn[];
  /** cells[row][column]; null where the path was not exercised in that column. */
  cells: (MatrixCell | null)[][];
  /** Per rule set and target: how many paths logged their module syscall, and the most important miss. */
  verdict: Verdict;
  /** Each gap and failure with the command that reproduces it (results.json beside the matrix). */
  repro: ReproLink[];
  /** The tools whose claims the rule sets check, with the command that shows each tool's own verdict. */
  tools: ToolLink[];
}

const AS_ORDER: StepResult['as'][] = ['root', 'sudo', 'user'];

function syscallLabel(entry: StepResult['logged'][number], bySerial: Map<number, AuditEvent>, columnArch: string): string | undefined {
  const sc = loggedSyscall(entry, bySerial);
  if (!sc) return undefined;
  // A 32-bit call on a 64-bit kernel is the interesting case of the matrix: say so in the cell.
  return sc.arch === 'i386' && archRank(columnArch) === 0 ? `${sc.name} (i386)` : sc.name;
}

function keysOf(key: string | undefined): string[] {
  if (!key) return [];
  // Several keys of one rule arrive joined by \x01; quotes are kept in raw fields.
  return key
    .split('\x01')
    .map((k) => k.replace(/^"(.*)"$/s, '$1'))
    .filter((k) => k !== '' && k !== '(null)');
}

function addUnique(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v);
}

export function buildMatrix(run: RunResult): Matrix {
  const rows = new Map<string, MatrixRow>();
  const columns = new Map<string, MatrixColumn>();
  const cells = new Map<string, MatrixCell>();

  for (const s of run.results) {
    if (s.outcome === 'not-applicable') continue;
    const colKey = JSON.stringify([s.ruleset, s.arch, s.target]);
    const col: MatrixColumn = columns.get(colKey) ?? {
      key: colKey,
      ruleset: s.ruleset,
      arch: s.arch,
      target: s.target,
      ...(s.kernelRelease ? { kernelRelease: s.kernelRelease } : {}),
      apply: [],
    };
    const unattributedGaps = s.expectations.filter((e) => e.outcome === 'gap' && stepOf(e) === undefined);
    for (const step of s.steps) {
      if (isSetupStep(s, step)) continue;
      const row: MatrixRow = { key: rowKey(step), path: step.path, as: step.as, label: rowLabel(step), unload: isUnloadStep(step), rank: pathKindRank(step) };
      if (!rows.has(row.key)) rows.set(row.key, row);
      if (!columns.has(col.key)) columns.set(col.key, col);
      addUnique(col.apply, s.apply);
      const cellKey = `${row.key}\n${col.key}`;
      let cell = cells.get(cellKey);
      if (!cell) {
        cell = { status: 'not-logged', syscalls: [], keys: [], runs: 0, loggedRuns: 0, moduleRuns: 0, scenarios: [], gaps: [], failed: false, errors: [] };
        cells.set(cellKey, cell);
      }
      addCell(cell, s, step, row.unload, unattributedGaps);
    }
  }

  const rowList = [...rows.values()].sort(
    (a, b) =>
      Number(a.unload) - Number(b.unload) ||
      a.rank - b.rank ||
      cmp(a.path, b.path) ||
      AS_ORDER.indexOf(a.as) - AS_ORDER.indexOf(b.as),
  );
  const colList = [...columns.values()].sort(
    (a, b) => cmp(a.ruleset, b.ruleset) || archRank(a.arch) - archRank(b.arch) || cmp(a.arch, b.arch) || cmp(a.target, b.target),
  );
  for (const cell of cells.values()) cell.status = statusOf(cell);
  return {
    startedAt: run.startedAt,
    rows: rowList,
    columns: colList,
    cells: rowList.map((r) => colList.map((c) => cells.get(`${r.key}\n${c.key}`) ?? null)),
    verdict: buildVerdict(run),
    repro: reproLinks(run, REPORT_RESULTS_FILE),
    tools: toolLinks(run),
  };
}

function addCell(cell: MatrixCell, s: ScenarioResult, step: StepResult, unload: boolean, unattributedGaps: ExpectationResult[]): void {
  cell.runs++;
  addUnique(cell.scenarios, s.scenarioId);
  const logged = step.logged.length > 0;
  if (logged) cell.loggedRuns++;
  if (loggedKind(step, unload) === 'module') cell.moduleRuns++;
  // A step can log thousands of events (a module flooding PATH records): look them up by serial, not by scanning.
  const bySerial = new Map(step.events.map((e) => [e.serial, e] as const));
  for (const entry of step.logged) {
    const name = syscallLabel(entry, bySerial, s.arch);
    if (name) addUnique(cell.syscalls, name);
    for (const k of keysOf(entry.key)) addUnique(cell.keys, k);
  }
  const mine = s.expectations.filter((e) => stepOf(e) === step.id);
  if (mine.some((e) => e.outcome === 'fail')) cell.failed = true;
  // A step that logged something can still miss part of what was expected (the execve of a watched path): its own
  // documented gaps are noted on the cell too. A gap that names no step only explains steps that logged nothing.
  const gaps = mine.filter((e) => e.outcome === 'gap');
  for (const g of logged || gaps.length ? gaps : unattributedGaps) {
    if (!cell.gaps.some((x) => x.scenarioId === s.scenarioId && x.reason === (g.reason ?? g.description))) {
      cell.gaps.push({ scenarioId: s.scenarioId, reason: g.reason ?? g.description, ...(g.reference ? { reference: g.reference } : {}) });
    }
  }
  if (!logged && s.outcome === 'error') addUnique(cell.errors, s.error ?? 'infrastructure error');
}

function statusOf(cell: MatrixCell): CellStatus {
  // What the verdict counts is the module syscall: a path whose every run logged only the tool's execve says so.
  if (cell.loggedRuns > 0 && cell.loggedRuns === cell.runs && cell.moduleRuns === 0 && cell.syscalls.some((n) => /^execve/.test(n))) return 'exec-only';
  if (cell.loggedRuns > 0) return cell.loggedRuns === cell.runs ? 'logged' : 'partial';
  if (cell.gaps.length > 0) return 'gap';
  if (cell.errors.length > 0) return 'error';
  return 'not-logged';
}

/** "finit_module · modules", "execve, finit_module · modules", or "" when nothing was logged. */
export function cellSummary(cell: MatrixCell): string {
  const parts = [cell.syscalls.join(', '), cell.keys.join(', ')].filter((p) => p !== '');
  return parts.join(' · ');
}

/** The part of the matrix one rule set covers: its columns, and the rows with a cell in one of them. */
export function rulesetSections(matrix: Matrix): { ruleset: string; matrix: Matrix }[] {
  const sections: { ruleset: string; matrix: Matrix }[] = [];
  for (const ruleset of [...new Set(matrix.columns.map((c) => c.ruleset))]) {
    const cols = matrix.columns.flatMap((c, i) => (c.ruleset === ruleset ? [i] : []));
    const rows = matrix.rows.flatMap((_, r) => (cols.some((i) => matrix.cells[r]![i]) ? [r] : []));
    sections.push({
      ruleset,
      matrix: {
        ...matrix,
        rows: rows.map((r) => matrix.rows[r]!),
        columns: cols.map((i) => matrix.columns[i]!),
        cells: rows.map((r) => cols.map((i) => matrix.cells[r]![i] ?? null)),
      },
    });
  }
  return sections;
}

/** Column groups for headers: runs of equal ruleset, and within them runs of equal arch. */
export function headerGroups(columns: MatrixColumn[]): { ruleset: string; span: number; arches: { arch: string; span: number }[] }[] {
  const groups: { ruleset: string; span: number; arches: { arch: string; span: number }[] }[] = [];
  for (const c of columns) {
    let g = groups[groups.length - 1];
    if (!g || g.ruleset !== c.ruleset) groups.push((g = { ruleset: c.ruleset, span: 0, arches: [] }));
    g.span++;
    let a = g.arches[g.arches.length - 1];
    if (!a || a.arch !== c.arch) g.arches.push((a = { arch: c.arch, span: 0 }));
    a.span++;
  }
  return groups;
}

export interface GapNote {
  n: number;
  reason: string;
  reference?: string;
  scenarios: string[];
}

/** Numbers the distinct documented gaps (reason + reference) in reading order (rule set by rule set), for footnotes. */
export function gapNotes(matrix: Matrix): { notes: GapNote[]; of: (cell: MatrixCell) => number[] } {
  const notes: GapNote[] = [];
  const byKey = new Map<string, GapNote>();
  const keyOf = (g: MatrixGap) => `${g.reason}\n${g.reference ?? ''}`;
  for (const row of rulesetSections(matrix).flatMap((s) => s.matrix.cells)) {
    for (const cell of row) {
      if (!cell) continue;
      for (const g of cell.gaps) {
        let note = byKey.get(keyOf(g));
        if (!note) {
          note = { n: notes.length + 1, reason: g.reason, ...(g.reference ? { reference: g.reference } : {}), scenarios: [] };
          notes.push(note);
          byKey.set(keyOf(g), note);
        }
        addUnique(note.scenarios, g.scenarioId);
      }
    }
  }
  return {
    notes,
    of: (cell) => [...new Set(cell.gaps.map((g) => byKey.get(keyOf(g))!.n))],
  };
}

export const CELL_MARK: Record<CellStatus, string> = {
  logged: '✓',
  'exec-only': '○',
  partial: '◐',
  gap: '◆',
  'not-logged': '✗',
  error: '!',
};

export const CELL_LEGEND: [CellStatus | 'empty' | 'failed', string][] = [
  ['logged', 'logged: every run of the path produced an event with the key (syscalls · keys seen)'],
  ['exec-only', 'exec only: every run logged the execve of the tool (a watch), never the module syscall'],
  ['partial', 'logged in some runs only (logged/total runs)'],
  ['gap', 'not logged, and the scenario documents this as a known gap; [n] points to the note on a gap (on a logged cell: part of what was expected, e.g. the execve of a watched path, is a documented gap)'],
  ['not-logged', 'not logged'],
  ['error', 'unknown: the scenario hit an infrastructure error before this was measured'],
  ['failed', 'an expectation about this path failed'],
  ['empty', 'empty cell: the path was not exercised there'],
];

/** The one-line text of a cell without markup: "✓ finit_module · modules", "◐ finit_module · modules (1/2)". */
export function cellText(cell: MatrixCell): string {
  const summary = cellSummary(cell);
  let text: string;
  switch (cell.status) {
    case 'logged':
      text = `${CELL_MARK.logged} ${summary || 'logged'}`;
      break;
    case 'exec-only':
      text = `${CELL_MARK['exec-only']} ${summary}`;
      break;
    case 'partial':
      text = `${CELL_MARK.partial} ${summary || 'logged'} (${cell.loggedRuns}/${cell.runs})`;
      break;
    case 'gap':
      text = `${CELL_MARK.gap} not logged`;
      break;
    case 'not-logged':
      text = `${CELL_MARK['not-logged']} not logged`;
      break;
    case 'error':
      text = `${CELL_MARK.error} error`;
      break;
  }
  return cell.failed ? `${text} †` : text;
}

const STATUS_WORDS: [CellStatus, string][] = [
  ['logged', 'logged'],
  ['exec-only', 'exec only'],
  ['partial', 'partly logged'],
  ['gap', 'documented gap'],
  ['not-logged', 'not logged'],
  ['error', 'unknown (error)'],
];

/** "5 paths × 5 columns: 8 logged, 1 documented gap, 1 unknown (error)" (zero counts left out). */
export function matrixTotals(matrix: Matrix): string {
  const counts = new Map<CellStatus, number>();
  for (const row of matrix.cells) for (const c of row) if (c) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const parts = STATUS_WORDS.filter(([st]) => counts.get(st)).map(([st, w]) => `${counts.get(st)} ${w}`);
  const paths = `${matrix.rows.length} path${matrix.rows.length === 1 ? '' : 's'}`;
  const cols = `${matrix.columns.length} column${matrix.columns.length === 1 ? '' : 's'}`;
  return `${paths} × ${cols}: ${parts.length ? parts.join(', ') : 'nothing exercised'}`;
}

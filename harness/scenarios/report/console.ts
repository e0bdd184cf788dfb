// Live console output of a run: one line per scenario × target as it finishes, failure details side by side,
// a summary at the end. On a TTY a transient status line shows what is running; elsewhere (CI) plain lines only.
import type { ExpectationResult, Outcome, RunResult, ScenarioResult, StepResult, TargetRunInfo } from '../result.js';
import { byTarget } from './group.js';
import { allLogged, buildVerdict } from './verdict.js';
import { LABEL, MARK, OUTCOMES, clip, formatDuration, visible, width as textWidth, wrapWords } from './text.js';

export interface ConsoleReporterOptions {
  stream?: NodeJS.WritableStream;
  /** Force colours on or off; by default on when the stream is a TTY and NO_COLOR is not set. */
  color?: boolean;
  /** Defaults to the stream's own isTTY. */
  isTTY?: boolean;
  /** Line width for side-by-side output; defaults to the terminal's columns, else 120. */
  width?: number;
}

export interface ConsoleReporter {
  targetStarted(name: string): void;
  targetReady(info: TargetRunInfo): void;
  scenarioStarted(target: string, scenarioId: string): void;
  scenarioFinished(result: ScenarioResult): void;
  targetFailed(info: TargetRunInfo): void;
  runFinished(run: RunResult): void;
}

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
  gray: '\x1b[90m',
} as const;
type Style = keyof typeof ANSI;

const OUTCOME_STYLE: Record<Outcome, Style> = {
  pass: 'green',
  gap: 'yellow',
  fail: 'red',
  error: 'magenta',
  'not-applicable': 'gray',
};

/** Max lines shown per side of an expected/actual comparison; the rest is counted, and is in results.json. */
const MAX_SIDE_LINES = 24;
/** Max rows one logical line may take once wrapped. */
const MAX_ROWS_PER_LINE = 8;

/**
 * Shortens long field values of audit records (hex proctitles, huge args) so that each fits one row of `w`:
 * "proctitle=696E…[+65500 chars]". Values up to 64 characters (or one row) are left whole.
 */
export function shortenFields(line: string, w: number): string {
  return line.replace(/(\b[\w-]+=)("[^"]*"|[^\s]+)/g, (m, name: string, value: string) =>
    value.length > Math.max(64, w - name.length) ? name + clip(value, Math.max(24, w - name.length)) : m,
  );
}

/** Lines of one side of a comparison, each at most `w` wide. */
function sideLines(text: string, w: number): string[] {
  const raw = text === '' ? ['(empty)'] : text.replace(/\r\n/g, '\n').split('\n');
  const lines: string[] = [];
  for (const l of raw) {
    // Long field values (64 KiB proctitles) are shortened first, then a line takes at most MAX_ROWS_PER_LINE rows.
    const rows = wrapWords(shortenFields(visible(l), w), w);
    if (rows.length > MAX_ROWS_PER_LINE) {
      lines.push(...rows.slice(0, MAX_ROWS_PER_LINE - 1), clip(`… +${rows.length - MAX_ROWS_PER_LINE + 1} rows`, w));
    } else lines.push(...rows);
    if (lines.length > MAX_SIDE_LINES) break;
  }
  const total = raw.length;
  if (lines.length > MAX_SIDE_LINES) {
    const shown = lines.slice(0, MAX_SIDE_LINES - 1);
    shown.push(clip(`… (${total} line${total === 1 ? '' : 's'} in all)`, w));
    return shown;
  }
  return lines;
}

/** Expected and actual in two columns, `total` characters wide including `indent`. */
export function sideBySide(expected: string, actual: string, total: number, indent = '      '): string[] {
  const sep = ' │ ';
  const colW = Math.max(20, Math.floor((total - indent.length - sep.length) / 2));
  const left = sideLines(expected, colW);
  const right = sideLines(actual, colW);
  const pad = (s: string) => s + ' '.repeat(Math.max(0, colW - textWidth(s)));
  const out = [indent + pad('expected') + sep + 'actual', indent + '─'.repeat(colW) + '─┼─' + '─'.repeat(colW)];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    out.push((indent + pad(left[i] ?? '') + sep + (right[i] ?? '')).trimEnd());
  }
  return out;
}

export function createConsoleReporter(opts: ConsoleReporterOptions = {}): ConsoleReporter {
  const stream = opts.stream ?? process.stdout;
  const tty = opts.isTTY ?? Boolean((stream as NodeJS.WriteStream).isTTY);
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  const color = opts.color ?? (tty && !noColor);
  const lineWidth = Math.max(60, opts.width ?? (stream as NodeJS.WriteStream).columns ?? 120);
  /** What each target is doing now, for the TTY status line (targets run in parallel). */
  const running = new Map<string, string>();
  let status: string | undefined;

  const paint = (style: Style, text: string): string => (color ? ANSI[style] + text + ANSI.reset : text);

  const statusText = (): string | undefined =>
    running.size === 0
      ? undefined
      : paint('dim', clip(`… ${[...running].map(([t, what]) => `${t} ${what}`).join(' · ')}`, lineWidth - 1));

  // The status line is redrawn under every output: cleared, the new lines written, the current status shown again.
  const write = (lines: string | string[] | undefined): void => {
    let text = lines === undefined ? '' : (Array.isArray(lines) ? lines : [lines]).join('\n') + '\n';
    if (tty) {
      const next = statusText();
      if (status !== undefined) text = '\r\x1b[2K' + text;
      if (next !== undefined) text += next;
      status = next;
    }
    if (text !== '') stream.write(text);
  };

  const one = (t: string) => visible(t, true);

  function stepLines(steps: StepResult[], indent: string): string[] {
    if (steps.length === 0) return [];
    const out = [`${indent}steps:`];
    for (const st of steps) {
      const exit = st.exitCode === 0 ? paint('green', 'exit 0') : paint('red', `exit ${st.exitCode}`);
      const cmd = clip(one(st.command), Math.max(30, lineWidth - indent.length - 40));
      out.push(
        `${indent}  ${clip(one(st.id), 40)} ${paint('dim', `[${clip(one(st.path), 40)} as ${st.as}]`)} $ ${cmd}  → ${exit}, ` +
          `${st.logged.length} event${st.logged.length === 1 ? '' : 's'}, ${formatDuration(st.durationMs)}`,
      );
      if (st.exitCode !== 0 && st.stderr.trim()) {
        out.push(`${indent}    ${paint('dim', 'stderr:')} ${clip(one(st.stderr.trim()), lineWidth - indent.length - 12)}`);
      }
    }
    return out;
  }

  function failedExpectation(e: ExpectationResult): string[] {
    return [`    ${paint('red', MARK.fail)} ${one(e.description)}`, ...sideBySide(e.expected, e.actual, lineWidth)];
  }

  function gapLines(s: ScenarioResult): string[] {
    return s.expectations
      .filter((e) => e.outcome === 'gap')
      .map((e) => {
        const ref = e.reference ? ` ${paint('dim', `[${one(e.reference)}]`)}` : '';
        return `    ${paint('yellow', MARK.gap)} gap: ${one(e.description)} — ${one(e.reason ?? 'no reason given')}${ref}`;
      });
  }

  /** One line per target: under how many of the rule sets it ran every path had its module syscall logged. */
  function verdictSummary(run: RunResult): string[] {
    const v = buildVerdict(run);
    const rows = v.targets.flatMap((t, i) => {
      const ran = v.rulesets.filter((_, r) => v.cells[i]![r]);
      if (ran.length === 0) return [];
      const all = v.rulesets.filter((_, r) => v.cells[i]![r] && allLogged(v.cells[i]![r]!));
      return [{ name: clip(one(t.name), 40), text: `${all.length}/${ran.length}${all.length ? `: ${all.map(one).join(', ')}` : ''}`, all: all.length === ran.length }];
    });
    if (rows.length === 0) return [];
    const nameW = Math.max(6, ...rows.map((r) => textWidth(r.name)));
    return [
      'Verdict: rule sets under which every load and unload path had its module syscall logged (misses: coverage-matrix):',
      ...rows.map((r) => `  ${r.name.padEnd(nameW)}  ${paint(r.all ? 'green' : 'yellow', clip(r.text, Math.max(20, lineWidth - nameW - 5)))}`),
    ];
  }

  return {
    targetStarted(name) {
      running.set(one(name), 'starting');
      write(tty ? undefined : `▸ ${one(name)}: starting`);
    },
    targetReady(info) {
      const bits = [info.kernelRelease, info.arch].filter(Boolean).map((b) => one(b!));
      const boot = info.bootMs !== undefined ? `, up in ${formatDuration(info.bootMs)}` : '';
      running.delete(one(info.name));
      write(`▸ ${paint('bold', one(info.name))}: ready${bits.length ? ` (${bits.join(', ')})` : ''}${boot}`);
    },
    scenarioStarted(target, scenarioId) {
      running.set(one(target), one(scenarioId));
      write(tty ? undefined : `  … ${one(target)}  ${one(scenarioId)}`);
    },
    scenarioFinished(s) {
      const style = OUTCOME_STYLE[s.outcome];
      const head =
        // The rule set is part of the identity: one scenario usually runs under several (the matrix columns).
        `${paint(style, MARK[s.outcome])} ${one(s.target)}  ${paint('bold', one(s.scenarioId))} ${paint('dim', `[${clip(one(s.ruleset), 40)}]`)}: ` +
        `${one(s.title)}  ` +
        `${paint('dim', formatDuration(s.durationMs))}` +
        (s.outcome === 'pass' ? '' : `  ${paint(style, LABEL[s.outcome])}`) +
        (s.retries ? paint('dim', ` (after ${s.retries} retr${s.retries === 1 ? 'y' : 'ies'})`) : '');
      const lines = [head];
      if (s.outcome === 'gap') lines.push(...gapLines(s));
      if (s.outcome === 'fail') {
        for (const e of s.expectations.filter((x) => x.outcome === 'fail')) lines.push(...failedExpectation(e));
        lines.push(...gapLines(s), ...stepLines(s.steps, '    '));
      }
      if (s.outcome === 'error') {
        const msg = visible(s.error ?? 'infrastructure error').split('\n');
        lines.push(`    ${paint('magenta', 'error:')} ${msg[0]}`, ...msg.slice(1, 12).map((l) => `      ${l}`));
        lines.push(...stepLines(s.steps, '    '));
      }
      running.delete(one(s.target));
      write(lines);
    },
    targetFailed(info) {
      const msg = visible(info.error ?? 'unknown error').split('\n');
      running.delete(one(info.name));
      write([`${paint('magenta', MARK.error)} ${paint('bold', one(info.name))}: target failed: ${msg[0]}`, ...msg.slice(1, 12).map((l) => `    ${l}`)]);
    },
    runFinished(run) {
      running.clear();
      const count = (rs: ScenarioResult[], o: Outcome) => rs.filter((r) => r.outcome === o).length;
      const totals = OUTCOMES.map((o) => {
        const n = count(run.results, o);
        return n ? paint(OUTCOME_STYLE[o], `${n} ${LABEL[o]}`) : `${n} ${LABEL[o]}`;
      });
      const out = ['', `${paint('bold', 'Summary')}: ${run.results.length} scenario run${run.results.length === 1 ? '' : 's'} in ${formatDuration(run.durationMs)}: ${totals.join(', ')}`];
      const groups = byTarget(run);
      const name = (g: (typeof groups)[number]) => clip(one(g.info.name), 40);
      const nameW = Math.max(6, ...groups.map((g) => textWidth(name(g))));
      const heads = OUTCOMES.map((o) => (o === 'not-applicable' ? 'n/a' : o));
      out.push(`  ${'target'.padEnd(nameW)}  ${heads.map((h) => h.padStart(5)).join(' ')}  kernel`);
      for (const g of groups) {
        const cells = OUTCOMES.map((o) => String(count(g.results, o)).padStart(5)).join(' ');
        const kernel = [g.info.kernelRelease, g.info.arch].filter(Boolean).map((b) => one(b!)).join(' ');
        const err = g.info.error ? `  ${paint('magenta', `target failed: ${clip(one(g.info.error), 80)}`)}` : '';
        out.push(`  ${name(g).padEnd(nameW)}  ${cells}  ${clip(kernel, 60)}${err}`);
      }
      out.push(...verdictSummary(run));
      const bad = run.results.filter((r) => r.outcome === 'fail' || r.outcome === 'error');
      if (bad.length) {
        out.push(`${paint('red', 'Not passed')}:`);
        for (const r of bad) out.push(`  ${paint(OUTCOME_STYLE[r.outcome], MARK[r.outcome])} ${one(r.target)}  ${one(r.scenarioId)} [${clip(one(r.ruleset), 40)}]`);
      }
      write(out);
    },
  };
}

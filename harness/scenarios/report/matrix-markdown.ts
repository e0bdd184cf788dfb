// The coverage matrix as GitHub-flavoured Markdown: the verdict (rule set × target) first, then a table of paths per
// rule set (columns arch and target), so that the page stays readable with many rule sets and targets.
import { CELL_LEGEND, CELL_MARK, cellText, gapNotes, matrixTotals, rulesetSections, type Matrix, type MatrixCell } from './matrix.js';
import { visible } from './text.js';
import { factsLine, verdictLines, VERDICT_LEGEND } from './verdict.js';

/** Escapes text for a Markdown table cell (no line breaks, no pipes, no inline HTML, no emphasis). */
export function mdCell(text: string): string {
  return visible(text, true)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*[\]|~]/g, (c) => `\\${c}`)
    // GFM never reads an underscore between two letters or digits as emphasis: keep x86_64 and finit_module readable.
    .replace(/_/g, (c, i: number, s: string) => (/[A-Za-z0-9]/.test(s[i - 1] ?? '') && /[A-Za-z0-9]/.test(s[i + 1] ?? '') ? c : '\\_'));
}

/** The verdict: a column per rule set, a row per target, then each target's release facts. */
function verdictMarkdown(matrix: Matrix): string[] {
  const v = matrix.verdict;
  const out: string[] = ['## Verdict', '', mdCell(VERDICT_LEGEND), ''];
  if (v.rulesets.length === 0) return [...out, 'No rule set was run.', ''];
  out.push(`| Target | ${v.rulesets.map((r) => `**${mdCell(r)}**`).join(' | ')} |`);
  out.push(`|:--|${v.rulesets.map(() => ':--').join('|')}|`);
  v.targets.forEach((t, i) => {
    const row = v.cells[i]!;
    if (row.every((c) => c === null)) return;
    const head = `**${mdCell(t.name)}**${t.arch ? `<br>${mdCell(t.arch)}` : ''}`;
    out.push(`| ${head} | ${row.map((c) => (c ? verdictLines(c).map(mdCell).join('<br>') : '—')).join(' | ')} |`);
  });
  out.push('', 'Targets:', '');
  for (const t of v.targets) out.push(`- **${mdCell(t.name)}**${t.arch ? ` (${mdCell(t.arch)})` : ''}: ${mdCell(factsLine(t))}`);
  out.push('');
  if (matrix.tools.length) {
    out.push('What each tool itself says about these rule sets, beside what the kernel logged:', '');
    for (const l of matrix.tools) out.push(`- ${mdCell(l.claim)} (${l.rulesets.map(mdCell).join(', ')}): ${mdCell(l.command)}`);
    out.push('');
  }
  return out;
}

/** One rule set's paths × its targets; the rule set is the section's heading, columns are arch and target. */
function sectionTable(m: Matrix, of: (cell: MatrixCell) => number[]): string[] {
  const header = m.columns.map((c, i) => {
    const prev = m.columns[i - 1];
    return `${prev && prev.arch === c.arch ? '〃' : mdCell(c.arch)}<br>${mdCell(c.target)}`;
  });
  const out = [`| Path (as) | ${header.join(' | ')} |`, `|:--|${m.columns.map(() => ':--').join('|')}|`];
  m.rows.forEach((row, r) => {
    const cells = m.cells[r]!.map((cell) => {
      if (!cell) return ' ';
      const refs = of(cell).map((n) => `[${n}]`).join('');
      return mdCell(cellText(cell)) + (refs ? ` ${refs}` : '');
    });
    out.push(`| ${mdCell(row.label)} | ${cells.join(' | ')} |`);
  });
  return out;
}

export function renderMatrixMarkdown(matrix: Matrix): string {
  const out: string[] = ['# Coverage matrix: module load/unload paths × rule set × arch × target', ''];
  out.push(`Run started ${mdCell(matrix.startedAt)}.`, '');
  out.push(...verdictMarkdown(matrix));
  out.push('## Paths by rule set', '');
  if (matrix.columns.length === 0 || matrix.rows.length === 0) {
    out.push('No scenario exercised a load or unload path.', '');
    return out.join('\n');
  }
  const { notes, of } = gapNotes(matrix);
  out.push(`**${mdCell(matrixTotals(matrix))}**`, '');
  const legend = CELL_LEGEND.map(([k, text]) => {
    const mark = k === 'empty' ? '(empty)' : k === 'failed' ? '†' : CELL_MARK[k];
    return `${mark} ${text}`;
  });
  out.push(`Legend: ${legend.join('; ')}.`, '');
  for (const section of rulesetSections(matrix)) {
    out.push(`### ${mdCell(section.ruleset)}`, '', `${mdCell(matrixTotals(section.matrix))}.`, '');
    out.push(...sectionTable(section.matrix, of), '');
  }
  if (notes.length) {
    out.push('Documented gaps:', '');
    for (const n of notes) {
      const ref = n.reference ? ` (${mdCell(n.reference)})` : '';
      out.push(`${n.n}. ${mdCell(n.reason)}${ref}. Scenarios: ${n.scenarios.map(mdCell).join(', ')}.`);
    }
    out.push('');
  }
  if (matrix.repro.length) {
    out.push('## Reproduce a finding', '', 'Each gap and failure, as a self-contained directory with a POSIX repro.sh (run from this directory):', '');
    for (const r of matrix.repro) out.push(`- ${mdCell(r.scenarioId)} on ${mdCell(r.target)} (${r.outcome}): ${mdCell(r.command)}`);
    out.push('');
  }
  return out.join('\n');
}

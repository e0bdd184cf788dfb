// The coverage matrix as GitHub-flavoured Markdown: one table, columns grouped by rule set then arch.
import { CELL_LEGEND, CELL_MARK, cellText, gapNotes, matrixTotals, type Matrix } from './matrix.js';
import { visible } from './text.js';

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

export function renderMatrixMarkdown(matrix: Matrix): string {
  const out: string[] = ['# Coverage matrix: module load/unload paths × rule set × arch × target', ''];
  out.push(`Run started ${mdCell(matrix.startedAt)}.`, '');
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

  // The rule set and arch head only the first column of their group (〃 below): a grouped header without colspans.
  const header = matrix.columns.map((c, i) => {
    const prev = matrix.columns[i - 1];
    const newRuleset = !prev || prev.ruleset !== c.ruleset;
    const rs = newRuleset ? `**${mdCell(c.ruleset)}**` : '〃';
    const arch = newRuleset || prev.arch !== c.arch ? mdCell(c.arch) : '〃';
    return `${rs}<br>${arch}<br>${mdCell(c.target)}`;
  });
  out.push(`| Path (as) | ${header.join(' | ')} |`);
  out.push(`|:--|${matrix.columns.map(() => ':--').join('|')}|`);
  matrix.rows.forEach((row, r) => {
    const cells = matrix.cells[r]!.map((cell) => {
      if (!cell) return ' ';
      const refs = of(cell).map((n) => `[${n}]`).join('');
      return mdCell(cellText(cell)) + (refs ? ` ${refs}` : '');
    });
    out.push(`| ${mdCell(row.label)} | ${cells.join(' | ')} |`);
  });
  out.push('');
  if (notes.length) {
    out.push('Documented gaps:', '');
    for (const n of notes) {
      const ref = n.reference ? ` (${mdCell(n.reference)})` : '';
      out.push(`${n.n}. ${mdCell(n.reason)}${ref}. Scenarios: ${n.scenarios.map(mdCell).join(', ')}.`);
    }
    out.push('');
  }
  return out.join('\n');
}

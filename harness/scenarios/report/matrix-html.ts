// The coverage matrix as one standalone HTML page: inline CSS, no scripts, no external assets.
import { CELL_LEGEND, CELL_MARK, cellSummary, gapNotes, headerGroups, matrixTotals, type Matrix, type MatrixCell } from './matrix.js';
import { visible } from './text.js';

/** Escapes text for HTML content and double-quoted attributes; control characters become visible escapes. */
export function html(text: string): string {
  return visible(text, true)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1b1f24;background:#fff}
h1{font-size:1.3em;margin:0 0 .3em}
p.meta{color:#57606a;margin:0 0 1em}
table.matrix{border-collapse:collapse;font-size:13px}
table.matrix th,table.matrix td{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top}
table.matrix thead th{background:#f6f8fa;text-align:center;font-weight:600}
table.matrix thead tr.arch th{font-weight:500}
table.matrix thead tr.target th{font-weight:400;font-size:12px;color:#57606a}
table.matrix tbody th{text-align:left;white-space:nowrap;background:#f6f8fa;font-weight:500}
td.logged,.swatch.logged{background:#dafbe1}
td.partial,.swatch.partial{background:#fff8c5}
td.gap,.swatch.gap{background:#ffebd6}
td.not-logged,.swatch.not-logged{background:#ffebe9}
td.error,.swatch.error{background:#eaeef2;color:#57606a}
td.empty{background:#fff}
td .mark{font-weight:700;margin-right:.3em}
td .detail{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
td.failed,.swatch.failed{outline:2px solid #cf222e;outline-offset:-2px}
table.matrix .group-start{border-left:3px solid #8c959f}
sup a{text-decoration:none}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4em 1.2em;margin:1em 0}
ul.legend li span.swatch{display:inline-block;width:1.6em;text-align:center;border:1px solid #d0d7de;margin-right:.3em}
ol.notes li{margin:.2em 0}
@media (prefers-color-scheme: dark){body{background:#0d1117;color:#e6edf3}
table.matrix th,table.matrix td{border-color:#30363d}table.matrix thead th,table.matrix tbody th{background:#161b22}
td.logged,.swatch.logged{background:#12361f}td.partial,.swatch.partial{background:#3b2e00}td.gap,.swatch.gap{background:#4a2a0a}td.not-logged,.swatch.not-logged{background:#4c1618}
td.error,.swatch.error{background:#21262d;color:#8b949e}td.empty{background:#0d1117}p.meta,table.matrix thead tr.target th{color:#8b949e}}
`.trim();

function cellHtml(cell: MatrixCell | null, notes: number[], groupStart: boolean): string {
  const start = groupStart ? ' group-start' : '';
  if (!cell) return `<td class="empty${start}" title="not exercised"></td>`;
  const summary = cellSummary(cell);
  const cls = [cell.status, ...(cell.failed ? ['failed'] : []), ...(groupStart ? ['group-start'] : [])].join(' ');
  const tip: string[] = [];
  let body: string;
  switch (cell.status) {
    case 'logged':
      body = summary || 'logged';
      tip.push(`logged in ${cell.runs}/${cell.runs} runs`);
      break;
    case 'partial':
      body = `${summary || 'logged'} (${cell.loggedRuns}/${cell.runs})`;
      tip.push(`logged in ${cell.loggedRuns} of ${cell.runs} runs`);
      break;
    case 'gap':
      body = 'not logged';
      break;
    case 'not-logged':
      body = 'not logged';
      break;
    case 'error':
      body = 'error';
      tip.push(...cell.errors);
      break;
  }
  for (const g of cell.gaps) tip.push(`documented gap: ${g.reason}${g.reference ? ` (${g.reference})` : ''}`);
  if (cell.failed) tip.push('an expectation about this path failed');
  tip.push(`scenarios: ${cell.scenarios.join(', ')}`);
  const sup = notes.map((n) => `<sup><a href="#gap-${n}">[${n}]</a></sup>`).join('');
  return (
    `<td class="${cls}" title="${html(tip.join('; '))}"><span class="mark">${CELL_MARK[cell.status]}</span>` +
    `<span class="detail">${html(body)}</span>${cell.failed ? ' †' : ''}${sup}</td>`
  );
}

export function renderMatrixHtml(matrix: Matrix): string {
  const { notes, of } = gapNotes(matrix);
  const groups = headerGroups(matrix.columns);
  // A heavier rule at the first column of each rule set keeps the groups apart down the whole table.
  const starts = matrix.columns.map((c, i) => i === 0 || matrix.columns[i - 1]!.ruleset !== c.ruleset);
  const gs = (i: number) => (starts[i] ? ' class="group-start"' : '');
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Coverage matrix: module load/unload paths</title>',
    `<style>\n${CSS}\n</style>`,
    '</head>',
    '<body>',
    '<h1>Coverage matrix: module load/unload paths × rule set × arch × target</h1>',
    `<p class="meta">Run started ${html(matrix.startedAt)}. <strong>${html(matrixTotals(matrix))}</strong>.</p>`,
  ];
  out.push('<ul class="legend">');
  for (const [k, text] of CELL_LEGEND) {
    const swatch = k === 'empty' ? '' : k === 'failed' ? '†' : CELL_MARK[k];
    const cls = k === 'failed' ? 'failed' : k;
    out.push(`<li><span class="swatch ${cls}">${html(swatch) || '&nbsp;'}</span>${html(text)}</li>`);
  }
  out.push('</ul>');
  if (matrix.columns.length === 0 || matrix.rows.length === 0) {
    out.push('<p>No scenario exercised a load or unload path.</p>');
  } else {
    out.push('<table class="matrix">', '<thead>');
    out.push(
      `<tr class="ruleset"><th rowspan="3" scope="col">Path (as)</th>${groups
        .map((g) => `<th colspan="${g.span}" scope="colgroup" class="group-start">${html(g.ruleset)}</th>`)
        .join('')}</tr>`,
    );
    out.push(
      `<tr class="arch">${groups
        .flatMap((g) => g.arches.map((a, j) => `<th colspan="${a.span}" scope="colgroup"${j === 0 ? ' class="group-start"' : ''}>${html(a.arch)}</th>`))
        .join('')}</tr>`,
    );
    const colTip = (c: (typeof matrix.columns)[number]) =>
      [c.kernelRelease ? `kernel ${c.kernelRelease}` : '', c.apply.length ? `rules applied with ${c.apply.join(', ')}` : ''].filter(Boolean).join('; ');
    out.push(
      `<tr class="target">${matrix.columns.map((c, i) => `<th scope="col"${gs(i)} title="${html(colTip(c))}">${html(c.target)}</th>`).join('')}</tr>`,
    );
    out.push('</thead>', '<tbody>');
    matrix.rows.forEach((row, r) => {
      const cells = matrix.cells[r]!.map((cell, i) => cellHtml(cell, cell ? of(cell) : [], starts[i]!));
      out.push(`<tr><th scope="row">${html(row.label)}</th>${cells.join('')}</tr>`);
    });
    out.push('</tbody>', '</table>');
  }
  if (notes.length) {
    out.push('<h2>Documented gaps</h2>', '<ol class="notes">');
    for (const n of notes) {
      const ref = n.reference ? ` <cite>${html(n.reference)}</cite>` : '';
      out.push(`<li id="gap-${n.n}">${html(n.reason)}${ref} — scenarios: ${html(n.scenarios.join(', '))}</li>`);
    }
    out.push('</ol>');
  }
  out.push('</body>', '</html>', '');
  return out.join('\n');
}

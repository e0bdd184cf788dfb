// The coverage matrix as one standalone HTML page: inline CSS, no scripts, no external assets. The verdict (rule set ×
// target) first, then each rule set's paths × targets folded in <details>, the first one open.
import { CELL_LEGEND, CELL_MARK, cellSummary, gapNotes, headerGroups, matrixTotals, rulesetSections, type Matrix, type MatrixCell } from './matrix.js';
import { visible } from './text.js';
import { allLogged, factsLine, topMiss, verdictCounts, verdictLevel, verdictLines, VERDICT_LEGEND, type VerdictCell, type VerdictLevel } from './verdict.js';

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
td.exec-only,.swatch.exec-only{background:#ddf4ff}
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
h2{font-size:1.1em;margin:1.4em 0 .4em}
p.note{color:#57606a;max-width:70em;margin:0 0 .8em;font-size:13px}
table.verdict{border-collapse:collapse;font-size:13px}
table.verdict th,table.verdict td{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top}
table.verdict thead th{background:#f6f8fa;font-weight:600;text-align:left}
table.verdict tbody th{text-align:left;white-space:nowrap;background:#f6f8fa;font-weight:600}
table.verdict .arch{font-weight:400;color:#57606a;font-size:12px}
table.verdict td{min-width:8em;max-width:14em;font-size:12px}
table.verdict td .count b{font-size:14px}
table.verdict td .miss{font-weight:600;margin-top:.2em}
table.verdict td .miss .how,table.verdict td .miss .more{font-weight:400}
table.verdict td .miss .more{color:#57606a;white-space:nowrap}
table.verdict td .ok{margin-top:.2em}
div.scroll{overflow-x:auto;max-width:100%}
table.verdict tbody th,table.matrix tbody th{position:sticky;left:0;z-index:1}
td.v-all{background:#dafbe1}td.v-some{background:#fff8c5}td.v-none{background:#ffebe9}td.v-unknown{background:#eaeef2;color:#57606a}
td.v-na{color:#8c959f;text-align:center}
ul.facts{font-size:13px;color:#1b1f24;padding-left:1.2em}
details{margin:.6em 0}
summary{cursor:pointer;padding:.2em 0}
summary .meta{color:#57606a;font-size:13px;margin-left:.5em}
table.matrix tr.unloads th,table.matrix tr.unloads td{border-top:3px solid #8c959f}
@media (prefers-color-scheme: dark){body{background:#0d1117;color:#e6edf3}
table.matrix th,table.matrix td{border-color:#30363d}table.matrix thead th,table.matrix tbody th{background:#161b22}
td.logged,.swatch.logged{background:#12361f}td.exec-only,.swatch.exec-only{background:#0c2d48}td.partial,.swatch.partial{background:#3b2e00}td.gap,.swatch.gap{background:#4a2a0a}td.not-logged,.swatch.not-logged{background:#4c1618}
td.error,.swatch.error{background:#21262d;color:#8b949e}td.empty{background:#0d1117}p.meta,table.matrix thead tr.target th{color:#8b949e}
table.verdict th,table.verdict td{border-color:#30363d}table.verdict thead th,table.verdict tbody th{background:#161b22}
td.v-all{background:#12361f}td.v-some{background:#3b2e00}td.v-none{background:#4c1618}td.v-unknown{background:#21262d;color:#8b949e}
ul.facts{color:#e6edf3}p.note,summary .meta{color:#8b949e}}
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
    case 'exec-only':
      body = summary;
      tip.push(`only the execve of the tool was logged, in ${cell.runs}/${cell.runs} runs; not the module syscall`);
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

const LEVEL_WORD: Record<VerdictLevel, string> = {
  all: 'every path exercised was logged',
  some: 'some paths were not logged',
  none: 'no load was logged, or the rules were refused',
  unknown: 'not measured',
};

function verdictCellHtml(c: VerdictCell | null): string {
  if (!c) return '<td class="v-na" title="not run on this target">—</td>';
  const level = verdictLevel(c);
  const tip = [LEVEL_WORD[level]];
  for (const m of c.misses) {
    const how = m.verdict === 'exec-only' ? 'exec only' : m.verdict === 'partial' ? 'logged in some runs' : 'not logged';
    tip.push(`${m.label}: ${how}${m.gaps.length ? ` (documented: ${m.gaps.map((g) => g.reason).join('; ')})` : ''}`);
  }
  tip.push(`scenarios: ${c.scenarios.join(', ')}`);
  const body: string[] = [];
  if (c.refused) body.push('<div class="miss">✗ rules refused by the kernel</div>');
  // The counts in bold, what qualifies them ("+3 exec only") in plain text.
  const counts = verdictCounts(c);
  for (const line of counts) {
    const m = /^(\S+) (\d+\/\d+)(.*)$/.exec(line);
    body.push(m ? `<div class="count">${html(m[1]!)} <b>${html(m[2]!)}</b>${html(m[3]!)}</div>` : `<div class="count">${html(line)}</div>`);
  }
  const miss = topMiss(c);
  if (miss) {
    const more = miss.more ? ` <span class="more">+${miss.more} more</span>` : '';
    body.push(`<div class="miss">${html(miss.text)}${miss.how ? `<span class="how">: ${html(miss.how)}</span>` : ''}${more}</div>`);
  } else if (allLogged(c)) body.push('<div class="ok">✓ every path logged</div>');
  if (body.length === 0) body.push(html(verdictLines(c)[0]!));
  // One tooltip line per miss (&#10; is a line break inside an attribute).
  return `<td class="v-${level}" title="${tip.map(html).join('&#10;')}">${body.join('')}</td>`;
}

function verdictHtml(matrix: Matrix): string[] {
  const v = matrix.verdict;
  const out = ['<h2>Verdict</h2>', `<p class="note">${html(VERDICT_LEGEND)}</p>`];
  if (v.rulesets.length === 0) return [...out, '<p>No rule set was run.</p>'];
  out.push('<div class="scroll">', '<table class="verdict">', '<thead>');
  out.push(`<tr><th scope="col">Target</th>${v.rulesets.map((r) => `<th scope="col">${html(r)}</th>`).join('')}</tr>`);
  out.push('</thead>', '<tbody>');
  v.targets.forEach((t, i) => {
    const row = v.cells[i]!;
    if (row.every((c) => c === null)) return;
    const arch = t.arch ? `<br><span class="arch">${html(t.arch)}</span>` : '';
    out.push(`<tr><th scope="row">${html(t.name)}${arch}</th>${row.map(verdictCellHtml).join('')}</tr>`);
  });
  out.push('</tbody>', '</table>', '</div>', '<ul class="facts">');
  for (const t of v.targets) {
    out.push(`<li><strong>${html(t.name)}</strong>${t.arch ? ` (${html(t.arch)})` : ''}: ${html(factsLine(t))}</li>`);
  }
  out.push('</ul>');
  if (matrix.tools.length) {
    out.push('<p class="note">What each tool itself says about these rule sets, beside what the kernel logged:</p>', '<ul class="tools">');
    for (const l of matrix.tools) out.push(`<li id="tool-${l.tool}">${html(l.claim)} (${html(l.rulesets.join(', '))}): <code>${html(l.command)}</code></li>`);
    out.push('</ul>');
  }
  return out;
}

/** One rule set's paths × its targets: arch headers over target headers, a heavier rule where the arch changes. */
function sectionTableHtml(m: Matrix, of: (cell: MatrixCell) => number[]): string[] {
  const starts = m.columns.map((c, i) => i === 0 || m.columns[i - 1]!.arch !== c.arch);
  const arches = headerGroups(m.columns).flatMap((g) => g.arches);
  const colTip = (c: (typeof m.columns)[number]) =>
    [c.kernelRelease ? `kernel ${c.kernelRelease}` : '', c.apply.length ? `rules applied with ${c.apply.join(', ')}` : ''].filter(Boolean).join('; ');
  const out = ['<div class="scroll">', '<table class="matrix">', '<thead>'];
  out.push(
    `<tr class="arch"><th rowspan="2" scope="col">Path (as)</th>${arches
      .map((a) => `<th colspan="${a.span}" scope="colgroup" class="group-start">${html(a.arch)}</th>`)
      .join('')}</tr>`,
  );
  out.push(
    `<tr class="target">${m.columns
      .map((c, i) => `<th scope="col"${starts[i] ? ' class="group-start"' : ''} title="${html(colTip(c))}">${html(c.target)}</th>`)
      .join('')}</tr>`,
  );
  out.push('</thead>', '<tbody>');
  m.rows.forEach((row, r) => {
    const cells = m.cells[r]!.map((cell, i) => cellHtml(cell, cell ? of(cell) : [], starts[i]!));
    out.push(`<tr${row.unload && (r === 0 || !m.rows[r - 1]!.unload) ? ' class="unloads"' : ''}><th scope="row">${html(row.label)}</th>${cells.join('')}</tr>`);
  });
  out.push('</tbody>', '</table>', '</div>');
  return out;
}

export function renderMatrixHtml(matrix: Matrix): string {
  const { notes, of } = gapNotes(matrix);
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
    `<p class="meta">Run started ${html(matrix.startedAt)}.</p>`,
  ];
  out.push(...verdictHtml(matrix));
  out.push('<h2>Paths by rule set</h2>', `<p class="meta"><strong>${html(matrixTotals(matrix))}</strong>.</p>`);
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
    // One folded section per rule set (the first open): a few targets wide each, instead of one table 60 columns wide.
    rulesetSections(matrix).forEach((section, i) => {
      out.push(
        `<details${i === 0 ? ' open' : ''}>`,
        `<summary><strong>${html(section.ruleset)}</strong> <span class="meta">${html(matrixTotals(section.matrix))}</span></summary>`,
        ...sectionTableHtml(section.matrix, of),
        '</details>',
      );
    });
  }
  if (notes.length) {
    out.push('<h2>Documented gaps</h2>', '<ol class="notes">');
    for (const n of notes) {
      const ref = n.reference ? ` <cite>${html(n.reference)}</cite>` : '';
      out.push(`<li id="gap-${n.n}">${html(n.reason)}${ref} — scenarios: ${html(n.scenarios.join(', '))}</li>`);
    }
    out.push('</ol>');
  }
  if (matrix.repro.length) {
    out.push('<h2 id="repro">Reproduce a finding</h2>', '<p class="meta">Each gap and failure, as a self-contained directory with a POSIX repro.sh (run from this directory):</p>', '<ul class="repro">');
    for (const r of matrix.repro) out.push(`<li id="repro-${html(r.scenarioId)}@${html(r.target)}">${html(r.scenarioId)} on ${html(r.target)} (${r.outcome}): <code>${html(r.command)}</code></li>`);
    out.push('</ul>');
  }
  out.push('</body>', '</html>', '');
  return out.join('\n');
}

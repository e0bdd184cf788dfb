// What `audit-harness coverage` prints and writes: a verdict per target and the matrix (rows: battery step and who ran
// it; columns: targets), as console text, Markdown, HTML and JSON. Every cell says whether it was measured on a real
// kernel or modelled by a profile, and every miss says why.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../scenarios/report/atomic-write.js';
import type { CoverageCell, CoverageReport, TargetCoverage } from './coverage.js';

export const COVERAGE_REPORTERS = ['console', 'md', 'html', 'json'] as const;
export type CoverageReporter = (typeof COVERAGE_REPORTERS)[number];

export function parseCoverageReporters(text: string): CoverageReporter[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.filter((n) => !(COVERAGE_REPORTERS as readonly string[]).includes(n));
  if (bad.length || names.length === 0) throw new Error(`unknown reporter ${bad.join(', ') || '(none)'}; known: ${COVERAGE_REPORTERS.join(', ')}`);
  return names as CoverageReporter[];
}

/** "measured (real kernel)" or "modelled (profile rhel9-x86_64, modelled)". */
export function basisText(t: TargetCoverage): string {
  if (t.basis === 'measured') return 'measured on a real kernel';
  const p = t.profile;
  return `modelled by profile ${p?.id ?? '?'} (${p?.status === 'calibrated' ? `calibrated by ${p.calibratedBy}` : 'modelled, not measured here'})`;
}

const MARK: Record<CoverageCell['status'], string> = { logged: '✔', 'exec-only': '◐', missed: '✘', error: '!' };

export function cellText(c: CoverageCell): string {
  const what = c.status === 'logged' ? `${c.syscalls.join(', ')} · ${c.keys.join(', ')}`
    : c.status === 'exec-only' ? `only ${c.syscalls.join(', ')} · ${c.keys.join(', ')}; ${c.why.join('; ')}`
      : c.status === 'missed' ? (c.why.join('; ') || 'not logged') : (c.error ?? 'error');
  return `${MARK[c.status]} ${c.basis}: ${what}`;
}

interface Row { key: string; label: string; as: string; cells: (CoverageCell | undefined)[] }

function rows(r: CoverageReport): Row[] {
  const out = new Map<string, Row>();
  r.targets.forEach((t, i) => {
    for (const c of t.cells) {
      const key = `${c.kind}\n${c.label}\n${c.as}`;
      const row = out.get(key) ?? { key, label: c.label, as: c.as, cells: r.targets.map(() => undefined) };
      row.cells[i] = c;
      out.set(key, row);
    }
  });
  return [...out.values()];
}

export function renderConsole(r: CoverageReport): string {
  const lines = [`coverage of ${r.rules.name} (keys: ${r.rules.keys.join(', ')}) — ${r.targets.length} target(s), ${(r.durationMs / 1000).toFixed(2)} s`];
  for (const t of r.targets) {
    lines.push('', `${t.target} — ${basisText(t)}${t.kernelRelease ? `, kernel ${t.kernelRelease}` : ''}`, `  ${t.verdict}`);
    for (const c of t.cells) lines.push(`  ${MARK[c.status]} ${`${c.label} (${c.as})`.padEnd(62)} ${c.status === 'logged' ? `${c.syscalls.join(', ')} · ${c.keys.join(', ')}` : c.status === 'exec-only' ? `only ${c.syscalls.join(', ')}: ${c.why.join('; ')}` : c.why.join('; ') || c.error || ''}`);
  }
  return `${lines.join('\n')}\n`;
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(r: CoverageReport): string {
  const out = [`# Coverage of ${md(r.rules.name)}`, '', `Rules: ${r.rules.files.map((f) => `\`${md(f)}\``).join(', ')}; keys searched: ${r.rules.keys.map((k) => `\`${md(k)}\``).join(', ')}.`, '',
    '✔ the module syscall was logged · ◐ only the tool\'s exec was logged · ✘ nothing was logged · measured: a real kernel · modelled: the release\'s profile', '', '## Verdicts', ''];
  for (const t of r.targets) out.push(`- **${md(t.target)}** (${md(basisText(t))}): ${md(t.verdict)}`);
  out.push('', '## Matrix', '', `| load/unload | as | ${r.targets.map((t) => md(t.target)).join(' | ')} |`, `|---|---|${r.targets.map(() => '---').join('|')}|`);
  for (const row of rows(r)) out.push(`| ${md(row.label)} | ${row.as} | ${row.cells.map((c) => (c ? md(cellText(c)) : '')).join(' | ')} |`);
  return `${out.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderHtml(r: CoverageReport): string {
  const cls: Record<CoverageCell['status'], string> = { logged: 'ok', 'exec-only': 'part', missed: 'miss', error: 'err' };
  const head = r.targets.map((t) => `<th>${esc(t.target)}<br><small>${esc(basisText(t))}</small></th>`).join('');
  const body = rows(r).map((row) => `<tr><th>${esc(row.label)}</th><td>${row.as}</td>${row.cells.map((c) => (c ? `<td class="${cls[c.status]}">${esc(cellText(c))}</td>` : '<td></td>')).join('')}</tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Coverage of ${esc(r.rules.name)}</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;vertical-align:top;font-size:13px}
.ok{background:#dfd}.part{background:#ffd}.miss{background:#fdd}.err{background:#ddd}</style></head><body>
<h1>Coverage of ${esc(r.rules.name)}</h1>
<p>Rules: ${r.rules.files.map(esc).join(', ')}; keys searched: ${r.rules.keys.map(esc).join(', ')}</p>
<ul>${r.targets.map((t) => `<li><b>${esc(t.target)}</b> (${esc(basisText(t))}): ${esc(t.verdict)}</li>`).join('\n')}</ul>
<table><thead><tr><th>load/unload</th><th>as</th>${head}</tr></thead><tbody>
${body}
</tbody></table></body></html>
`;
}

export function renderCoverageJson(r: CoverageReport): string {
  return `${JSON.stringify({ format: 'audit-harness/coverage', version: 1, ...r }, null, 2)}\n`;
}

/** Writes coverage.md, coverage.html, coverage.json into outDir; returns the files written. */
export async function writeCoverageReports(r: CoverageReport, reporters: readonly CoverageReporter[], outDir: string): Promise<string[]> {
  const files: [CoverageReporter, string, (x: CoverageReport) => string][] = [['md', 'coverage.md', renderMarkdown], ['html', 'coverage.html', renderHtml], ['json', 'coverage.json', renderCoverageJson]];
  const written: string[] = [];
  for (const [name, file, render] of files) {
    if (!reporters.includes(name)) continue;
    await mkdir(outDir, { recursive: true });
    await writeFileAtomic(path.join(outDir, file), render(r));
    written.push(path.join(outDir, file));
  }
  return written;
}

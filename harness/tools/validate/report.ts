// The validate report, Markdown and standalone HTML from one document model: per target, per tool, per rule or
// control, the tool's verdict beside what the kernel logged and what the Elastic rule saw.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { shortRule } from '../ssg/content.js';
import type { SsgRun } from '../ssg/flow.js';
import type { CisVerdict } from '../cis/check.js';
import { describeRow, type Battery, type BatteryRow } from './battery.js';
import { describeDetection, detect, detectionRule } from './detection.js';
import type { TargetValidation } from './run.js';

type Block =
  | { kind: 'h'; level: 1 | 2 | 3 | 4; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'table'; head: string[]; rows: string[][] }
  | { kind: 'pre'; text: string };

const verdicts = (m: Map<string, string>, rule: string) => m.get(rule) ?? '—';
const loggedCell = (r: BatteryRow) => (r.exitCode !== r.expectExit ? `step failed (exit ${r.exitCode})` : r.logged.length ? [...new Set(r.logged)].join(', ') : 'not logged');
const fired = (r: BatteryRow) => {
  const d = detect(r);
  return Object.entries(d.fired).map(([v, f]) => `${v}: ${f ? 'fired' : 'no'}`).join(', ');
};
const who = (r: BatteryRow) => `${r.path}${r.as === 'root' ? '' : ` (${r.as})`}`;

/** One line per battery row: "<tool verdict> · <path>: logged / not logged · <detection>". */
function headline(tool: string, r: BatteryRow): string {
  return `${tool} · ${describeRow(r)} · ${describeDetection(detect(r))}`;
}

function batteryTables(batteries: Array<{ title: string; b: Battery }>): Block[] {
  const rows = batteries[0]!.b.rows.map((r, i) => [who(r), ...batteries.flatMap(({ b }) => [loggedCell(b.rows[i]!), fired(b.rows[i]!)])]);
  return [
    { kind: 'table', head: ['path', ...batteries.flatMap(({ title }) => [`${title}: logged (key modules)`, `${title}: Elastic rule`])], rows },
    ...batteries.map(({ title, b }) => ({ kind: 'pre' as const, text: `auditctl -l (${title}):\n${b.loadedRules.trim() || '(nothing)'}` })),
  ];
}

function ssgBlocks(r: SsgRun): Block[] {
  const last = r.remediations[r.remediations.length - 1];
  const blocks: Block[] = [
    { kind: 'h', level: 4, text: `${r.product}: ${r.datastream}` },
    { kind: 'p', text: `Package database oscap read: ${r.dpkgStatus}. Platform checks (oscap's ARF, before): ${[...r.before.platforms].map(([d, v]) => `${d.replace(/^oval:ssg-|:def:1$/g, '')}=${v}`).join(', ') || '(none evaluated)'}. Result files: ${[r.before, ...r.remediations.map((m) => m.after)].map((e) => relative(process.cwd(), e.resultsFile)).join(', ')}.` },
    {
      kind: 'table',
      head: ['rule', 'oscap before', ...r.remediations.map((m) => `oscap after remediation (${m.variant})`), 'platform guard of the fix'],
      rows: r.rules.map((rule) => [shortRule(rule), verdicts(r.before.results, rule), ...r.remediations.map((m) => verdicts(m.after.results, rule)),
        `\`${r.script.blocks.find((b) => b.rule === rule)?.guard ?? '(none)'}\``]),
    },
    { kind: 'p', text: r.remediations.map((m) => `Remediation ${m.variant}: exit ${m.exitCode}, ${m.notApplicable} of ${r.script.blocks.length} fixes said "Remediation is not applicable, nothing was done".`).join(' ') },
    { kind: 'pre', text: `On-disk rules after the remediation:\n${r.rulesOnDisk.trim()}` },
  ];
  if (r.batteryOnDisk && r.batteryLoaded) {
    blocks.push(...batteryTables([{ title: 'rules on disk only', b: r.batteryOnDisk }, { title: 'after augenrules --load', b: r.batteryLoaded }]));
    const tool = `oscap ${[...new Set([...(last ?? { after: r.before }).after.results.values()])].join('/')} after remediation`;
    blocks.push({ kind: 'p', text: r.batteryLoaded.rows.map((row) => headline(tool, row)).join('  \n') });
  } else blocks.push({ kind: 'p', text: 'Battery not run for this datastream.' });
  return blocks;
}

function cisTable(v: CisVerdict, title: string): Block[] {
  return [
    { kind: 'p', text: `${title}: **${v.compliant ? 'compliant' : 'not compliant'}** (${v.arch}; on-disk rules read from ${v.source === 'rules.d' ? '/etc/audit/rules.d/*.rules' : '/etc/audit/audit.rules'})` },
    { kind: 'table', head: ['expected line', 'on disk', 'auditctl -l'], rows: v.lines.map((l) => [l.expected, l.onDisk ?? 'missing', l.loaded ?? 'missing']) },
  ];
}

export function reportBlocks(results: readonly TargetValidation[]): Block[] {
  const rule = detectionRule();
  const out: Block[] = [
    { kind: 'h', level: 1, text: 'audit-harness validate' },
    { kind: 'p', text: `Each tool's own verdict beside what the kernel logged. SSG: OpenSCAP (oscap) evaluating Debian's SCAP Security Guide content on the host against the guest's files (harness/tools/ssg/README.md), its generated bash remediation run in the guest. CIS: the benchmark's audit procedure (expected lines on disk and in auditctl -l). Elastic: "${rule.name}" (${rule.versions.map((v) => v.id).join(', ')}) on the auditbeat documents of each step's events.` },
  ];
  for (const t of results) {
    out.push({ kind: 'h', level: 2, text: `${t.target}${t.arch ? ` (${t.arch}, kernel ${t.kernelRelease})` : ''}` });
    if (t.bootMs !== undefined) out.push({ kind: 'p', text: `Boot ${(t.bootMs / 1000).toFixed(1)} s, whole validation ${(t.durationMs / 1000).toFixed(1)} s.` });
    for (const e of t.errors) out.push({ kind: 'p', text: `**error:** ${e}` });
    if (t.ssg.length > 0) {
      out.push({ kind: 'h', level: 3, text: 'SCAP Security Guide with OpenSCAP' });
      for (const r of t.ssg) out.push(...ssgBlocks(r));
    }
    if (t.cis) {
      out.push({ kind: 'h', level: 3, text: `CIS ${t.cis.control}` });
      out.push(...cisTable(t.cis.before, 'Before'), ...cisTable(t.cis.onDiskOnly, 'Solution file written, not loaded'), ...cisTable(t.cis.after, 'After augenrules --load'));
      out.push(...batteryTables([{ title: 'CIS lines loaded', b: t.cis.battery }]));
      const tool = `CIS ${t.cis.after.compliant ? 'compliant' : 'not compliant'}`;
      out.push({ kind: 'p', text: t.cis.battery.rows.map((row) => headline(tool, row)).join('  \n') });
    }
    if (t.elastic) {
      out.push({ kind: 'h', level: 3, text: `Elastic "${rule.name}"` });
      out.push({ kind: 'p', text: `Rules: ${t.elastic.battery.label}. Events of key exec per step, as auditbeat documents.` });
      out.push({ kind: 'table', head: ['path', 'logged (key exec)', ...rule.versions.map((v) => `${v.id} query`)],
        rows: t.elastic.battery.rows.map((r) => { const d = detect(r); return [who(r), loggedCell(r), ...rule.versions.map((v) => (d.fired[v.id] ? 'fired' : 'did not fire'))]; }) });
    }
  }
  return out;
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '<br>');

export function toMarkdown(blocks: readonly Block[]): string {
  return `${blocks.map((b) => {
    switch (b.kind) {
      case 'h': return `${'#'.repeat(b.level)} ${b.text}`;
      case 'p': return b.text;
      case 'pre': return `\`\`\`\n${b.text}\n\`\`\``;
      case 'table': return [`| ${b.head.map(mdCell).join(' | ')} |`, `| ${b.head.map(() => '---').join(' | ')} |`, ...b.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n');
    }
  }).join('\n\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Markdown's **bold** and `code` in paragraph text, after escaping. */
const inline = (s: string) => esc(s).replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>').replace(/`([^`]+)`/g, '<code>$1</code>').replace(/ {2}\n/g, '<br>\n');

export function toHtml(blocks: readonly Block[]): string {
  const body = blocks.map((b) => {
    switch (b.kind) {
      case 'h': return `<h${b.level}>${esc(b.text)}</h${b.level}>`;
      case 'p': return `<p>${inline(b.text)}</p>`;
      case 'pre': return `<pre>${esc(b.text)}</pre>`;
      case 'table': return `<table><thead><tr>${b.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    }
  }).join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>audit-harness validate</title><style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1f2328;max-width:110em}
table{border-collapse:collapse;font-size:13px;margin:.5em 0}th,td{border:1px solid #d0d7de;padding:3px 7px;vertical-align:top;text-align:left}
th{background:#f6f8fa}pre{background:#f6f8fa;padding:.5em;font-size:12px;overflow-x:auto}code{font-size:12px}
</style></head><body>\n${body}\n</body></html>\n`;
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.partial-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** Writes validate.md, validate.html and validate.json under `dir`; returns their paths. */
export async function writeReport(results: readonly TargetValidation[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const blocks = reportBlocks(results);
  const files = [join(dir, 'validate.md'), join(dir, 'validate.html'), join(dir, 'validate.json')];
  await writeAtomic(files[0]!, toMarkdown(blocks));
  await writeAtomic(files[1]!, toHtml(blocks));
  const json = JSON.stringify(results, (k, v) => (v instanceof Map ? Object.fromEntries(v) : k === 'events' || k === 'result' ? undefined : v), 2);
  await writeAtomic(files[2]!, `${json}\n`);
  return files;
}

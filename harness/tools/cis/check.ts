// CIS 4.1.3.7's audit procedure as a compliance plugin performs it: every line of the benchmark's rule set must be
// present in the on-disk rules (rules.d/*.rules when auditd loads them with augenrules, else audit.rules) AND in
// `auditctl -l`. Lines are compared as the kernel would hold them (the project's rule parser), so `-k modules` and
// `-F key=modules`, `-S a -S b` and `-S a,b` are the same line; a line naming more syscalls than the benchmark's
// also counts (the expected syscalls are all there).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isWatch, parseRulesText, type AuditRule, type KernelArch } from '../../audit/rules/index.js';
import { RULESETS_DIR } from '../../scenarios/apply.js';
import type { Target } from '../../targets/target.js';

export interface RulesFile {
  file: string;
  text: string;
}

export interface CisLine {
  /** The benchmark's line. */
  expected: string;
  /** The on-disk line that satisfies it, as `file:line: text`. */
  onDisk?: string;
  /** The `auditctl -l` line that satisfies it. */
  loaded?: string;
}

export interface CisVerdict {
  arch: KernelArch;
  /** Where the on-disk rules were read: augenrules (rules.d) or auditctl (audit.rules). */
  source: 'rules.d' | 'audit.rules';
  lines: CisLine[];
  compliant: boolean;
}

/** The benchmark's rule set for a kernel arch: the 64-bit variant on x86_64, the 32-bit one on i686 (seed 000). */
export async function cisExpected(arch: KernelArch): Promise<RulesFile> {
  const file = join(RULESETS_DIR, arch === 'x86_64' ? 'cis-64.rules' : 'cis-32.rules');
  return { file, text: await readFile(file, 'utf8') };
}

function rulesOf(f: RulesFile, arch: KernelArch): AuditRule[] {
  return parseRulesText(f.text, f.file, { kernelArch: arch }).rules.filter((r): r is AuditRule => r.kind === 'rule' && r.op === 'add');
}

const filters = (r: AuditRule) => r.fields.filter((f) => f.name !== 'key').map((f) => `${f.name}${f.op}${String(f.value)}`).sort().join(' ');

/** Does `actual` carry what `expected` asks for (same list, action, filters; its key; at least its syscalls)? */
export function satisfies(actual: AuditRule, expected: AuditRule): boolean {
  if (actual.list !== expected.list || actual.action !== expected.action || isWatch(actual) !== isWatch(expected)) return false;
  if (filters(actual) !== filters(expected)) return false;
  if (!expected.keys.every((k) => actual.keys.includes(k))) return false;
  const want = expected.syscalls;
  const have = actual.syscalls;
  if (want === undefined || want === 'all') return have === want;
  if (!Array.isArray(have) || actual.syscallTable !== expected.syscallTable) return false;
  return want.every((n) => have.includes(n));
}

/** The check on texts: the expected rule set, the on-disk files the plugin reads, and `auditctl -l`. */
export function cisCheck(expected: RulesFile, onDisk: readonly RulesFile[], listing: string, arch: KernelArch, source: CisVerdict['source']): CisVerdict {
  const disk = onDisk.flatMap((f) => rulesOf(f, arch));
  const loaded = rulesOf({ file: 'auditctl -l', text: listing.split('\n').filter((l) => l.trim() !== 'No rules').join('\n') }, arch);
  const lines = rulesOf(expected, arch).map((e) => {
    const d = disk.find((a) => satisfies(a, e));
    const l = loaded.find((a) => satisfies(a, e));
    return { expected: e.text.trim(), ...(d ? { onDisk: `${d.pos.file}:${d.pos.line}: ${d.text.trim()}` } : {}), ...(l ? { loaded: l.text.trim() } : {}) };
  });
  return { arch, source, lines, compliant: lines.length > 0 && lines.every((l) => l.onDisk !== undefined && l.loaded !== undefined) };
}

/** Reads what the plugin reads from the guest and checks it. */
export async function cisCheckGuest(target: Target): Promise<CisVerdict> {
  const arch = target.info.arch;
  const unit = await target.exec('cat /usr/lib/systemd/system/auditd.service 2>/dev/null || cat /lib/systemd/system/auditd.service 2>/dev/null; true');
  // Debian's and RHEL's units load rules.d through augenrules (ExecStartPost=-/sbin/augenrules --load).
  const source: CisVerdict['source'] = /^ExecStartPost=-?\/(?:usr\/)?sbin\/augenrules/m.test(unit.stdout) ? 'rules.d' : 'audit.rules';
  const list = await target.exec(source === 'rules.d' ? 'ls /etc/audit/rules.d/*.rules 2>/dev/null; true' : 'echo /etc/audit/audit.rules');
  const files: RulesFile[] = [];
  for (const file of list.stdout.split('\n').filter((l) => l !== '')) {
    const r = await target.exec(['cat', file]);
    if (r.code === 0) files.push({ file, text: r.stdout });
  }
  const listing = await target.exec(['auditctl', '-l']);
  return cisCheck(await cisExpected(arch), files, listing.stdout, arch, source);
}

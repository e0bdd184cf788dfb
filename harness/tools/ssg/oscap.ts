// Runs the real OpenSCAP scanner on the host (Debian's openscap-scanner): `oscap xccdf eval` against a directory
// holding the guest's files (OSCAP_PROBE_ROOT, what oscap-chroot sets), and `oscap xccdf generate fix`.
import { mkdir, writeFile, readFile, rm } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { execa } from 'execa';
import { TAILORED_PROFILE, tailoringXml, type Datastream } from './content.js';

export type RuleVerdict = 'pass' | 'fail' | 'notapplicable' | 'notchecked' | 'notselected' | 'error' | 'unknown' | 'informational' | 'fixed';

export interface OscapEval {
  /** Rule id → oscap's result, read from its own XCCDF results file. */
  results: Map<string, RuleVerdict>;
  /** The XCCDF results and ARF files oscap wrote, gzipped as they came (a few MB each: every rule of the content). */
  resultsFile: string;
  arfFile: string;
  /** The platform (inventory) definitions oscap evaluated and their results, from its ARF: why a rule is notapplicable. */
  platforms: Map<string, string>;
  /** oscap's exit status: 0 all passed (or not applicable), 2 some rule failed, 1 error. */
  exitCode: number;
  stdout: string;
  durationMs: number;
}

async function oscapBinary(): Promise<string> {
  const r = await execa('oscap', ['--version'], { reject: false });
  if (r.exitCode !== 0) throw new Error('oscap not found: install openscap-scanner (scripts/setup.sh does)');
  return 'oscap';
}

/** Rule results read from an XCCDF results document (oscap --results). */
export function ruleResultsOf(xml: string, rules?: readonly string[]): Map<string, RuleVerdict> {
  const out = new Map<string, RuleVerdict>();
  for (const m of xml.matchAll(/<(?:[\w.-]+:)?rule-result\b[^>]*\bidref="([^"]+)"[^>]*>\s*<(?:[\w.-]+:)?result>([a-z]+)</g)) {
    if (!rules || rules.includes(m[1]!)) out.set(m[1]!, m[2] as RuleVerdict);
  }
  return out;
}

/**
 * The apt configuration the dpkginfo probe reads (oscap 1.3.7 asks libapt-pkg, with RootDir = OSCAP_PROBE_ROOT): the
 * host's apt.conf.d is left out, since a container host's (docker-clean) empties Dir::Cache::pkgcache and the probe
 * then fails, making every rule under the `package[audit]` platform "notapplicable". The architecture is the guest's:
 * libapt otherwise takes this amd64 host's, and an i386 guest's `auditd` (Architecture: i386) is then not installed.
 */
async function aptConfig(work: string, machine: string): Promise<string> {
  const dpkgArch = machine === 'i686' ? 'i386' : 'amd64';
  const parts = join(work, 'apt.conf.d');
  await mkdir(parts, { recursive: true });
  const file = join(work, 'apt.conf');
  await writeFile(file, `Dir::Etc::parts "${parts}";\nDir::Etc::main "/dev/null";\nAPT::Architecture "${dpkgArch}";\n`);
  return file;
}

/**
 * `oscap xccdf eval` of `rules` (tailored profile) against the files under `root`; results under `outDir`.
 * `machine` is the guest's `uname -m` (for the architecture of its package database).
 */
export async function oscapEval(ds: Datastream, rules: readonly string[], root: string, outDir: string, label: string, machine: string): Promise<OscapEval> {
  const oscap = await oscapBinary();
  await mkdir(outDir, { recursive: true });
  const tailoring = join(outDir, 'tailoring.xml');
  await writeFile(tailoring, tailoringXml(rules));
  const resultsFile = join(outDir, `${label}.xccdf-results.xml.gz`);
  const arfFile = join(outDir, `${label}.arf.xml.gz`);
  const rawResults = join(outDir, `.${label}.xccdf-results.xml`);
  const rawArf = join(outDir, `.${label}.arf.xml`);
  const t0 = Date.now();
  const args = ['xccdf', 'eval', '--tailoring-file', tailoring, '--profile', TAILORED_PROFILE, '--results', rawResults, '--results-arf', rawArf, ds.file];
  const r = await execa(oscap, args, {
    reject: false, env: { OSCAP_PROBE_ROOT: root, APT_CONFIG: await aptConfig(outDir, machine) }, timeout: 300_000,
  });
  if (r.exitCode !== 0 && r.exitCode !== 2) {
    await rm(rawResults, { force: true });
    await rm(rawArf, { force: true });
    throw new Error(`oscap xccdf eval ${ds.file} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  }
  const xml = await readFile(rawResults);
  const arf = await readFile(rawArf);
  await writeFile(resultsFile, gzipSync(xml));
  await writeFile(arfFile, gzipSync(arf));
  const platforms = new Map([...ovalDefinitionResults(arf.toString('utf8'))].filter(([id]) => /installed_|system_with_kernel/.test(id)));
  await rm(rawResults);
  await rm(rawArf);
  const results = ruleResultsOf(xml.toString('utf8'), rules);
  return { results, platforms, resultsFile, arfFile, exitCode: r.exitCode ?? -1, stdout: r.stdout, durationMs: Date.now() - t0 };
}

/** `oscap xccdf generate fix --fix-type bash` for the tailored profile: the script as oscap writes it. */
export async function oscapBashFix(ds: Datastream, rules: readonly string[], outDir: string): Promise<string> {
  const oscap = await oscapBinary();
  await mkdir(outDir, { recursive: true });
  const tailoring = join(outDir, 'tailoring.xml');
  await writeFile(tailoring, tailoringXml(rules));
  const r = await execa(oscap, ['xccdf', 'generate', 'fix', '--fix-type', 'bash', '--tailoring-file', tailoring, '--profile', TAILORED_PROFILE, ds.file], { reject: false, timeout: 120_000 });
  if (r.exitCode !== 0 || !r.stdout.includes('BEGIN fix')) throw new Error(`oscap xccdf generate fix ${ds.file} failed (exit ${r.exitCode}): ${r.stderr.trim().slice(0, 2000)}`);
  return `${r.stdout}\n`;
}

export interface FixBlock {
  rule: string;
  /** The platform condition oscap put around the fix (`if …; then`), or undefined when the fix has none. */
  guard?: string;
}

const GUARD_MARK = '# Remediation is applicable only in certain platforms';

/**
 * The guard's lines after GUARD_MARK at `i`: `if …; then`, over more than one line where a dpkg-query format holds a
 * newline (0.1.76: `--showformat='${db:Status-Status}` NEWLINE `' 'linux-base' … ; then`). End index (exclusive).
 */
function guardEnd(lines: readonly string[], i: number): number | undefined {
  if (!lines[i + 1]?.startsWith('if ')) return undefined;
  for (let j = i + 1; j < Math.min(lines.length, i + 5); j++) if (/; then$/.test(lines[j]!)) return j + 1;
  return undefined;
}

/** Each rule's block in a generated script, with the platform guard SSG's build wrapped it in. */
export function fixBlocks(script: string): FixBlock[] {
  const out: FixBlock[] = [];
  const lines = script.split('\n');
  lines.forEach((l, i) => {
    const m = /^# BEGIN fix \(\d+ \/ \d+\) for '([^']+)'/.exec(l);
    if (!m) return;
    for (let j = i + 1; j < Math.min(lines.length, i + 6); j++) {
      const end = lines[j] === GUARD_MARK ? guardEnd(lines, j) : undefined;
      if (end !== undefined) {
        out.push({ rule: m[1]!, guard: lines.slice(j + 1, end).join('\n') });
        return;
      }
    }
    out.push({ rule: m[1]! });
  });
  return out;
}

/**
 * The same script with each platform guard replaced by `if true; then`: what seed 001 shows (the fix text
 * without its applicability check), used to see what the rules would do where the guard stops them.
 */
export function withoutPlatformGuards(script: string): string {
  const lines = script.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]!);
    const end = lines[i] === GUARD_MARK ? guardEnd(lines, i) : undefined;
    if (end !== undefined) {
      out.push('if true; then');
      i = end - 1;
    }
  }
  return out.join('\n');
}

/** Reads one of oscap's result files as kept (gzipped). */
export async function readResultFile(file: string): Promise<string> {
  return gunzipSync(await readFile(file)).toString('utf8');
}

/** OVAL definition results of an ARF file (e.g. oval:ssg-installed_OS_is_debian11:def:1 → false), evaluated ones only. */
export function ovalDefinitionResults(arf: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of arf.matchAll(/<definition definition_id="([^"]+)" result="([^"]+)"/g)) if (m[2] !== 'not evaluated') out.set(m[1]!, m[2]!);
  return out;
}

// SSG end to end on one booted guest, per datastream: oscap evaluates the kernel-module rules, generates the bash
// remediation from the same content, the guest runs it, oscap evaluates again, and the battery runs twice: on the
// rules as the remediation leaves them (files only) and after `augenrules --load` (what a reboot does).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Target } from '../../targets/target.js';
import type { TargetSession } from '../../scenarios/run-scenario.js';
import { restoreAudit, RULES_ON_DISK, runBattery, type Battery } from '../validate/battery.js';
import { datastreamFor, moduleRules, shortRule, type Datastream } from './content.js';
import { copyGuestRoot } from './guest-root.js';
import { fixBlocks, oscapBashFix, oscapEval, withoutPlatformGuards, type FixBlock, type OscapEval } from './oscap.js';

export const REMEDIATION_FILE = '/tmp/audit-harness-ssg-remediation.sh';
const NOT_APPLICABLE = 'Remediation is not applicable, nothing was done';

export interface RemediationRun {
  /** Which script ran: oscap's as generated, or the same with its platform guards replaced by `if true`. */
  variant: 'as generated' | 'platform guards lifted';
  file: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** How many of the script's fixes printed "Remediation is not applicable, nothing was done". */
  notApplicable: number;
  /** oscap's verdicts afterwards. */
  after: OscapEval;
}

export interface SsgRun {
  product: string;
  datastream: string;
  rules: string[];
  /** Whether oscap's package checks had the guest's dpkg database to read ('guest') or none. */
  dpkgStatus: string;
  before: OscapEval;
  script: { file: string; text: string; blocks: FixBlock[] };
  /** Empty when the run was asked for oscap's evaluation and script only (`remediate: false`). */
  remediations: RemediationRun[];
  /** /etc/audit/rules.d/*.rules and /etc/audit/audit.rules after the last remediation. */
  rulesOnDisk: string;
  /** auditctl -l right after the remediation, before any load. */
  loadedAfterRemediation: string;
  /** Absent when the run was asked for oscap's part only (`battery: false`). */
  batteryOnDisk?: Battery;
  augenrules?: { exitCode: number; output: string };
  batteryLoaded?: Battery;
  durationMs: number;
}

async function evalGuest(target: Target, ds: Datastream, rules: string[], outDir: string, label: string): Promise<{ ev: OscapEval; dpkgStatus: string }> {
  const root = await copyGuestRoot(target);
  try {
    return { ev: await oscapEval(ds, rules, root.dir, outDir, label, target.info.arch), dpkgStatus: root.dpkgStatus };
  } finally {
    await root.remove();
  }
}

async function remediate(session: TargetSession, ds: Datastream, rules: string[], outDir: string, variant: RemediationRun['variant'], text: string): Promise<RemediationRun> {
  const t = session.target;
  const file = join(outDir, variant === 'as generated' ? 'remediation.sh' : 'remediation-unguarded.sh');
  await writeFile(file, text);
  await t.putFile(REMEDIATION_FILE, text, 0o700);
  const r = await t.exec(['bash', REMEDIATION_FILE], { timeoutMs: 300_000 });
  const notApplicable = r.stderr.split('\n').filter((l) => l.includes(NOT_APPLICABLE)).length;
  const { ev } = await evalGuest(t, ds, rules, outDir, variant === 'as generated' ? 'after-remediation' : 'after-unguarded-remediation');
  return { variant, file, exitCode: r.code, stdout: r.stdout, stderr: r.stderr, notApplicable, after: ev };
}

/**
 * One datastream on the session's guest; the guest is restored to `pristineAuditRules` before and after.
 * Result files (oscap's XCCDF results and ARF, the scripts) go under `outDir`.
 */
export async function runSsg(session: TargetSession, product: string, outDir: string, pristineAuditRules: Buffer, opts: { battery?: boolean; remediate?: boolean } = {}): Promise<SsgRun> {
  const t0 = Date.now();
  const t = session.target;
  const ds = await datastreamFor(product);
  const rules = await moduleRules(ds);
  if (rules.length === 0) throw new Error(`${ds.file}: no ${'audit_rules_kernel_module_loading'}* rule`);
  await mkdir(outDir, { recursive: true });
  await restoreAudit(session, pristineAuditRules);
  try {
    const { ev: before, dpkgStatus } = await evalGuest(t, ds, rules, outDir, 'before');
    const text = await oscapBashFix(ds, rules, outDir);
    const blocks = fixBlocks(text);
    if (opts.remediate === false) {
      await writeFile(join(outDir, 'remediation.sh'), text);
      return {
        product, datastream: ds.file, rules, dpkgStatus, before, script: { file: join(outDir, 'remediation.sh'), text, blocks }, remediations: [],
        rulesOnDisk: '', loadedAfterRemediation: '', durationMs: Date.now() - t0,
      };
    }
    const remediations = [await remediate(session, ds, rules, outDir, 'as generated', text)];
    // Where every fix's platform guard stopped it, run the same fixes without the guards (seed 001 is such a text).
    if (remediations[0]!.notApplicable >= blocks.length && blocks.some((b) => b.guard)) {
      remediations.push(await remediate(session, ds, rules, outDir, 'platform guards lifted', withoutPlatformGuards(text)));
    }
    const rulesOnDisk = (await t.exec(RULES_ON_DISK)).stdout;
    const loadedAfterRemediation = (await t.exec(['auditctl', '-l'])).stdout;
    const id = `ssg-${product}`;
    let batteries: Pick<SsgRun, 'batteryOnDisk' | 'augenrules' | 'batteryLoaded'> = {};
    if (opts.battery !== false) {
      const batteryOnDisk = await runBattery(session, { id: `${id}-on-disk`, label: `${product} remediation, rules on disk only`, rules: rulesOnDisk });
      const load = await t.exec('augenrules --load', { timeoutMs: 60_000 });
      const batteryLoaded = await runBattery(session, { id: `${id}-loaded`, label: `${product} remediation, after augenrules --load`, rules: rulesOnDisk });
      batteries = { batteryOnDisk, augenrules: { exitCode: load.code, output: (load.stdout + load.stderr).trim() }, batteryLoaded };
    }
    await writeFile(join(outDir, 'summary.txt'), [
      `datastream ${ds.file}`, `rules ${rules.map(shortRule).join(' ')}`,
      `before ${[...before.results].map(([r, v]) => `${shortRule(r)}=${v}`).join(' ')}`,
      ...remediations.map((r) => `after (${r.variant}) ${[...r.after.results].map(([x, v]) => `${shortRule(x)}=${v}`).join(' ')}`),
      '', rulesOnDisk,
    ].join('\n'));
    return {
      product, datastream: ds.file, rules, dpkgStatus, before, script: { file: join(outDir, 'remediation.sh'), text, blocks }, remediations,
      rulesOnDisk, loadedAfterRemediation, ...batteries, durationMs: Date.now() - t0,
    };
  } finally {
    await restoreAudit(session, pristineAuditRules);
  }
}

// CIS 4.1.3.7 end to end on one booted guest: the check before, the benchmark's Solution (its lines in
// /etc/audit/rules.d/50-modules.rules), the check with the file only on disk, `augenrules --load`, the check
// again, then the battery on what is loaded.
import type { TargetSession } from '../../scenarios/run-scenario.js';
import { restoreAudit, RULES_ON_DISK, runBattery, type Battery } from '../validate/battery.js';
import { cisCheckGuest, cisExpected, type CisVerdict } from './check.js';

/** Where the benchmark's Solution puts the lines ("Example: vi /etc/audit/rules.d/50-modules.rules"). */
export const CIS_RULES_FILE = '/etc/audit/rules.d/50-modules.rules';

export interface CisRun {
  control: string;
  before: CisVerdict;
  /** The Solution's file written, nothing loaded yet. */
  onDiskOnly: CisVerdict;
  augenrules: { exitCode: number; output: string };
  after: CisVerdict;
  battery: Battery;
  durationMs: number;
}

export const CIS_CONTROL = '4.1.3.7 Ensure kernel module loading and unloading is collected';

export async function runCis(session: TargetSession, pristineAuditRules: Buffer): Promise<CisRun> {
  const t0 = Date.now();
  const t = session.target;
  await restoreAudit(session, pristineAuditRules);
  try {
    const before = await cisCheckGuest(t);
    const solution = await cisExpected(t.info.arch);
    await t.putFile(CIS_RULES_FILE, solution.text, 0o640);
    const onDiskOnly = await cisCheckGuest(t);
    const load = await t.exec('augenrules --load', { timeoutMs: 60_000 });
    const after = await cisCheckGuest(t);
    const rulesOnDisk = (await t.exec(RULES_ON_DISK)).stdout;
    const battery = await runBattery(session, { id: `cis-${t.info.arch}`, label: `CIS ${t.info.arch === 'x86_64' ? '64' : '32'}-bit lines, after augenrules --load`, rules: rulesOnDisk });
    return { control: CIS_CONTROL, before, onDiskOnly, augenrules: { exitCode: load.code, output: (load.stdout + load.stderr).trim() }, after, battery, durationMs: Date.now() - t0 };
  } finally {
    await restoreAudit(session, pristineAuditRules);
  }
}

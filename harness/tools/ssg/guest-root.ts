// The directory oscap evaluates (OSCAP_PROBE_ROOT): the guest's own files that the kernel-module rules' OVAL and
// their platform checks read, copied out of the guest, plus the package database the dpkginfo probe needs.
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Target } from '../../targets/target.js';

/**
 * What the OVAL of audit_rules_kernel_module_loading* and the platform checks read (from the datastreams):
 * rules.d/*.rules and audit.rules (the rules), auditd.service (augenrules or auditctl: ExecStartPost=-/sbin/augenrules),
 * debian_version / os-release / redhat-release (the benchmark's platform CPE), /.dockerenv and /run/.containerenv
 * (the `machine` platform). uname (the 64-bit test) is not probed against a directory: see README.
 */
export const GUEST_PATHS = [
  'etc/audit', 'etc/os-release', 'etc/debian_version', 'etc/redhat-release', 'etc/system-release',
  'usr/lib/systemd/system/auditd.service', 'lib/systemd/system/auditd.service', 'var/lib/dpkg/status',
  '.dockerenv', 'run/.containerenv',
] as const;

export interface GuestRoot {
  dir: string;
  /** Whether the guest has a dpkg database for oscap's dpkginfo probe (every image does; an RPM system does not). */
  dpkgStatus: 'guest' | 'none';
  remove(): Promise<void>;
}

/** Copies the guest's files into a fresh temp directory. */
export async function copyGuestRoot(target: Target): Promise<GuestRoot> {
  const dir = await mkdtemp(join(tmpdir(), 'audit-harness-oscap-root-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    // The guest has no tar: list the regular files (and files behind symlinks) and read each one.
    const list = `cd / && for p in ${GUEST_PATHS.join(' ')}; do [ -e "$p" ] && find "$p" -follow -type f; done; true`;
    const r = await target.exec(list, { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`${target.info.name}: listing the audit configuration failed: ${r.stderr.trim()}`);
    for (const rel of r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('/') && !l.split('/').includes('..'))) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), await target.getFile(`/${rel}`));
    }
    await mkdir(join(dir, 'var/lib/dpkg'), { recursive: true });
    const hasStatus = await stat(join(dir, 'var/lib/dpkg/status')).then((st) => st.size > 0, () => false);
    const dpkgStatus: GuestRoot['dpkgStatus'] = hasStatus ? 'guest' : 'none';
    // libapt-pkg (behind oscap's dpkginfo probe) wants its directories and dpkg's arch tables under the root.
    for (const d of ['etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'etc/apt/sources.list.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'usr/share/dpkg']) {
      await mkdir(join(dir, d), { recursive: true });
    }
    await writeFile(join(dir, 'etc/apt/sources.list'), '');
    for (const t of ['cputable', 'tupletable']) await copyFile(join('/usr/share/dpkg', t), join(dir, 'usr/share/dpkg', t)).catch(() => undefined);
    return { dir, dpkgStatus, remove };
  } catch (e) {
    await remove();
    throw e;
  }
}

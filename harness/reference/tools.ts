// The real audit userspace tools (ausearch, auditctl, ausyscall) as a reference for
// differential tests and benchmarks. They are unpacked from Debian's own packages into the
// cache, never installed, so the host's audit daemon and configuration are left alone.
// Only ever run them on files (ausearch -if) or offline (-v, ausyscall): never against the host kernel.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { candidateVersions, downloadDebs, extractDebsInto } from '../debian/apt.js';
import { cacheDir } from '../paths.js';

export interface ReferenceTool {
  path: string;
  env: Record<string, string>;
  version: string;
}

const PACKAGES = ['auditd', 'libauparse0', 'libaudit1'];

let cached: Promise<string> | undefined;

async function root(): Promise<string> {
  const versions = await candidateVersions(PACKAGES, 'amd64');
  const key = PACKAGES.map((p) => `${p}_${versions[p]}`).join('+').replace(/[^A-Za-z0-9_.+-]/g, '_');
  const dir = path.join(cacheDir(), 'reference', key);
  try {
    await stat(path.join(dir, 'sbin/ausearch'));
    return dir;
  } catch {
    /* build it */
  }
  await extractDebsInto(dir, await downloadDebs(Object.fromEntries(PACKAGES.map((p) => [p, versions[p]])), 'amd64'));
  return dir;
}

/** Path and environment to run a real audit tool unpacked from Debian's auditd package. */
export async function referenceTool(name: 'ausearch' | 'auditctl' | 'ausyscall' | 'aureport'): Promise<ReferenceTool> {
  cached ??= root();
  const dir = await cached;
  return {
    // Debian 12's auditd ships its tools in /sbin (merged-/usr maps it to /usr/sbin on a real system), ausyscall in /usr/bin.
    path: path.join(dir, name === 'ausyscall' ? 'usr/bin' : 'sbin', name),
    env: { LD_LIBRARY_PATH: [path.join(dir, 'lib/x86_64-linux-gnu'), path.join(dir, 'usr/lib/x86_64-linux-gnu')].join(':') },
    version: path.basename(dir),
  };
}

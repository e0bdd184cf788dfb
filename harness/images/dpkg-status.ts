// The guest's dpkg database (/var/lib/dpkg/status): every package the image unpacked, with its own control
// fields as dpkg records them after an install. A Debian system always has one (dpkg is Essential), and tools
// read it: SSG's remediations guard each fix with `dpkg-query --show 'auditd'` (and 'linux-base'), and oscap's
// dpkginfo probe reads it. Maintainer scripts are not run, so nothing else of dpkg's state is made.
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** `dpkg-deb -f` of each package (its control file), plus `Status: install ok installed`, in dpkg's field order. */
export async function writeDpkgStatus(root: string, debs: readonly string[], signal?: AbortSignal): Promise<void> {
  const entries: string[] = [];
  for (const deb of debs) {
    const { stdout } = await execa('dpkg-deb', ['-f', deb], { cancelSignal: signal });
    const lines = stdout.trimEnd().split('\n');
    // dpkg writes Status right after Package.
    entries.push([lines[0], 'Status: install ok installed', ...lines.slice(1)].join('\n'));
  }
  const dir = path.join(root, 'var/lib/dpkg');
  await mkdir(path.join(dir, 'updates'), { recursive: true });
  await mkdir(path.join(dir, 'info'), { recursive: true });
  await writeFile(path.join(dir, 'status'), entries.sort(byPackage).join('\n\n') + '\n');
  await writeFile(path.join(dir, 'available'), '');
}

const byPackage = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// The guest's /lib/modules/<release>: only the modules the recipe names (drivers, the stock module) and their
// dependencies, copied from the kernel package's tree as it ships them (indexed with depmod), plus the test
// modules; then depmod.
import { execa } from 'execa';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const norm = (n: string) => n.replace(/-/g, '_');

/**
 * Copies `modules` and what they depend on from kernelRoot's module tree into root's. Returns each named module's
 * file relative to /lib/modules/<release> (absent for built-in ones).
 */
export async function installKernelModules(kernelRoot: string, root: string, release: string, drivers: string[]): Promise<Map<string, string>> {
  const srcDir = path.join(kernelRoot, 'lib/modules', release);
  await execa('depmod', ['-b', kernelRoot, release]);
  const dep = await readFile(path.join(srcDir, 'modules.dep'), 'utf8');
  const builtin = new Set(
    (await readFile(path.join(srcDir, 'modules.builtin'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => norm(path.basename(l, '.ko'))),
  );
  const byName = new Map<string, { file: string; deps: string[] }>();
  for (const line of dep.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    byName.set(norm(path.basename(m[1]).replace(/\.ko(\.\w+)?$/, '')), { file: m[1], deps: m[2].split(/\s+/).filter(Boolean) });
  }
  const files = new Set<string>();
  const named = new Map<string, string>();
  for (const d of drivers) {
    const entry = byName.get(norm(d));
    if (!entry) {
      if (builtin.has(norm(d))) continue;
      throw new Error(`kernel ${release} has no module ${d} (neither in modules.dep nor built in)`);
    }
    files.add(entry.file);
    named.set(d, entry.file);
    for (const x of entry.deps) files.add(x);
  }
  const dstDir = path.join(root, 'usr/lib/modules', release);
  for (const f of files) {
    await mkdir(path.dirname(path.join(dstDir, f)), { recursive: true });
    await copyFile(path.join(srcDir, f), path.join(dstDir, f));
  }
  // modprobe needs these to know built-in modules (and their aliases) from missing ones.
  for (const f of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) {
    if (await stat(path.join(srcDir, f)).then(() => true, () => false)) await copyFile(path.join(srcDir, f), path.join(dstDir, f));
  }
  return named;
}

export async function runDepmod(root: string, release: string): Promise<void> {
  // depmod -b ROOT looks in ROOT/lib/modules, which is the merged usr/lib/modules.
  await execa('depmod', ['-b', root, release]);
}

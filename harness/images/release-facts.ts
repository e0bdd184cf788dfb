// The release facts a recipe states, checked against the packages the build unpacked: the kernel package's
// config and module files, the kmod and auditd package versions, auditd.conf, the root's layout. A wrong stated
// fact fails the build naming the recipe line, so a manifest never carries a fact its own image contradicts.
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Compression, FactName, Facts } from '../releases/facts.js';
import { resolveInRoot } from './elf-closure.js';
import type { Recipe } from './recipe.js';

/** Upstream part of a Debian version: 1:3.0.9-1 -> 3.0.9, 30+20221128-1 -> 30+20221128. */
function upstream(version: string): string {
  return version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

const EXT: Record<string, Compression> = { '.ko': 'none', '.ko.xz': 'xz', '.ko.zst': 'zstd', '.ko.gz': 'gzip' };

/** How the kernel package ships its modules: the one extension all its module files have. */
export async function moduleCompressionOf(kernelRoot: string, release: string): Promise<Compression> {
  const counts = new Map<Compression, number>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else {
        const ext = /\.ko(\.\w+)?$/.exec(e.name)?.[0];
        if (ext && EXT[ext]) counts.set(EXT[ext], (counts.get(EXT[ext]) ?? 0) + 1);
      }
    }
  };
  await walk(path.join(kernelRoot, 'lib/modules', release, 'kernel'));
  const kinds = [...counts.keys()];
  if (kinds.length !== 1) throw new Error(`kernel ${release}: its package ships modules as ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing'}; expected one kind`);
  return kinds[0];
}

async function kernelConfig(kernelRoot: string, release: string): Promise<Map<string, string>> {
  const file = path.join(kernelRoot, 'boot', `config-${release}`);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`the kernel package of ${release} has no /boot/config-${release}`);
  });
  return new Map([...text.matchAll(/^(CONFIG_\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

export interface MeasuredFacts {
  facts: Facts;
  /** How each was read (the error message quotes it). */
  how: Record<FactName, string>;
}

/** The facts as the unpacked packages show them. */
export async function measureFacts(opts: {
  recipe: Recipe;
  kernelRoot: string;
  root: string;
  release: string;
  versions: Record<string, string>;
}): Promise<MeasuredFacts> {
  const { recipe, kernelRoot, root, release, versions } = opts;
  const cfg = await kernelConfig(kernelRoot, release);
  const y = (k: string) => cfg.get(k) === 'y';
  const decompression: Compression = !y('CONFIG_MODULE_DECOMPRESS')
    ? 'none'
    : y('CONFIG_MODULE_COMPRESS_XZ') ? 'xz' : y('CONFIG_MODULE_COMPRESS_ZSTD') ? 'zstd' : y('CONFIG_MODULE_COMPRESS_GZIP') ? 'gzip' : 'none';
  const auditdConf = await readFile(path.join(root, 'etc/audit/auditd.conf'), 'utf8').catch(() => '');
  const logFormat = /^\s*log_format\s*=\s*(\S+)/m.exec(auditdConf)?.[1] ?? '(none)';
  const sh = await resolveInRoot(root, '/bin/sh');
  const usrMerge = (await Promise.all(['bin', 'sbin', 'lib'].map((d) => lstat(path.join(root, d)).then((s) => s.isSymbolicLink(), () => false)))).every(Boolean);
  const kmod = versions.kmod ? Number(/^\d+/.exec(upstream(versions.kmod))?.[0]) : NaN;
  const config = `/boot/config-${release}`;
  const facts: Facts = {
    arch: recipe.debArch === 'amd64' ? 'x86_64' : 'i686',
    kernel: /^\d+\.\d+/.exec(release)?.[0] ?? release,
    kmod,
    moduleCompression: await moduleCompressionOf(kernelRoot, release),
    kernelDecompression: decompression,
    usrMerge,
    sh: (sh ? path.basename(sh) : '(missing)') as Facts['sh'],
    auditd: versions.auditd ? upstream(versions.auditd) : '(no auditd package)',
    logFormat: logFormat as Facts['logFormat'],
    ia32Emulation: recipe.debArch === 'amd64' && y('CONFIG_IA32_EMULATION') && !y('CONFIG_IA32_EMULATION_DEFAULT_DISABLED'),
  };
  const how: MeasuredFacts['how'] = {
    arch: `debArch ${recipe.debArch}`,
    kernel: `kernel release ${release}`,
    kmod: `kmod package ${versions.kmod}`,
    moduleCompression: `module files under the kernel package's lib/modules/${release}/kernel`,
    kernelDecompression: `${config}: CONFIG_MODULE_DECOMPRESS=${cfg.get('CONFIG_MODULE_DECOMPRESS') ?? 'unset'}`,
    usrMerge: 'bin, sbin, lib of the built root',
    sh: '/bin/sh of the built root',
    auditd: `auditd package ${versions.auditd}`,
    logFormat: `/etc/audit/auditd.conf of the auditd package`,
    ia32Emulation: `${config}: CONFIG_IA32_EMULATION=${cfg.get('CONFIG_IA32_EMULATION') ?? 'unset'}`,
  };
  return { facts, how };
}

/** Throws naming each recipe line whose stated fact the packages contradict. */
export function checkStatedFacts(recipe: Recipe, measured: MeasuredFacts): void {
  const wrong: string[] = [];
  for (const name of Object.keys(measured.facts) as FactName[]) {
    const stated = recipe.facts[name].value;
    const got = measured.facts[name];
    // auditd: the recipe may state major.minor of a longer upstream version (3.0 of 3.0.9).
    const ok = name === 'auditd' ? got === stated || String(got).startsWith(`${String(stated)}.`) : got === stated;
    if (!ok) {
      const line = recipe.factLines[name];
      wrong.push(`${recipe.file}${line ? `:${line}` : ''}: facts.${name} is ${JSON.stringify(stated)}, but the packages say ${JSON.stringify(got)} (${measured.how[name]})`);
    }
  }
  if (wrong.length) throw new Error(`stated facts contradicted by the packages:\n${wrong.map((w) => `  ${w}`).join('\n')}`);
}

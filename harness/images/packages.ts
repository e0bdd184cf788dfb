// Exact package versions for a recipe: userland packages per arch (arch-all ones from the
// native index), the kernel image behind the meta package, its headers and a kbuild that runs on the host.
import { execa } from 'execa';
import type { DebArch } from '../debian/apt.js';
import type { Recipe } from './recipe.js';

export interface ResolvedPackage {
  name: string;
  version: string;
  /** Architecture apt-get download needs (arch-all packages are fetched through the host's arch). */
  fetchArch: DebArch;
}

export interface ResolvedImagePackages {
  kernelRelease: string;
  kernelVersion: string;
  /** Guest packages (userland + linux-image-<release>), extracted into the root. */
  guest: ResolvedPackage[];
  /** linux-headers-<release>, -common, linux-kbuild (host arch): extracted only to build the test module. */
  build: ResolvedPackage[];
}

const HOST_ARCH: DebArch = 'amd64';

async function aptCache(args: string[]): Promise<string> {
  try {
    const { stdout } = await execa('apt-cache', args, { env: { LC_ALL: 'C' } });
    return stdout;
  } catch (err) {
    throw new Error(`apt-cache ${args.join(' ')} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
}

interface Policy {
  candidate?: string;
  versions: string[];
}

async function policies(names: string[]): Promise<Map<string, Policy>> {
  const out = await aptCache(['policy', ...names]);
  const result = new Map<string, Policy>();
  let cur: Policy | undefined;
  for (const line of out.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      cur = { versions: [] };
      result.set(head[1], cur);
      // apt prints native-arch packages without their :arch qualifier.
      if (!head[1].includes(':')) result.set(`${head[1]}:${HOST_ARCH}`, cur);
      continue;
    }
    if (!cur) continue;
    const cand = /^\s+Candidate:\s+(\S+)/.exec(line);
    if (cand && cand[1] !== '(none)') cur.candidate = cand[1];
    const ver = /^\s+(?:\*\*\* )?(\S+) -?\d+$/.exec(line);
    if (ver) cur.versions.push(ver[1]);
  }
  return result;
}

/** Field `field` of `apt-cache show name=version`. */
async function showField(pkg: string, version: string, field: string): Promise<string | undefined> {
  const out = await aptCache(['show', `${pkg}=${version}`]);
  const m = new RegExp(`^${field}: (.*)$`, 'm').exec(out);
  return m?.[1];
}

/** Candidate versions for `names` in `arch`; packages apt only knows as Architecture: all come from the native index. */
export async function resolveArchPackages(names: string[], arch: DebArch): Promise<ResolvedPackage[]> {
  const qualified = await policies(names.map((n) => `${n}:${arch}`));
  const missing = names.filter((n) => !qualified.get(`${n}:${arch}`)?.candidate && !qualified.get(n)?.candidate);
  const native = missing.length ? await policies(missing) : new Map<string, Policy>();
  const result: ResolvedPackage[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const q = qualified.get(`${n}:${arch}`)?.candidate ?? qualified.get(n)?.candidate;
    if (q) {
      result.push({ name: n, version: q, fetchArch: arch });
      continue;
    }
    const v = native.get(n)?.candidate;
    if (v && (await showField(n, v, 'Architecture')) === 'all') result.push({ name: n, version: v, fetchArch: HOST_ARCH });
    else unknown.push(n);
  }
  if (unknown.length) {
    throw new Error(`apt has no candidate for ${unknown.join(', ')} (${arch}); run scripts/setup.sh (dpkg --add-architecture i386, apt-get update)`);
  }
  return result;
}

export async function resolveImagePackages(recipe: Recipe): Promise<ResolvedImagePackages> {
  const arch = recipe.debArch;
  const [meta] = await resolveArchPackages([recipe.kernel.meta], arch);
  const depends = (await showField(`${meta.name}:${arch}`, meta.version, 'Depends')) ?? '';
  const image = /(?:^|,\s*)(linux-image-(\S+)) \(= ([^)]+)\)/.exec(depends);
  if (!image) throw new Error(`${recipe.file}: ${meta.name} ${meta.version} does not depend on an exact linux-image-<release> (${depends})`);
  const [, imagePkg, kernelRelease, kernelVersion] = image;
  if (!kernelRelease.endsWith(`-${recipe.kernel.flavour}`)) {
    throw new Error(`${recipe.file}: kernel ${kernelRelease} is not of flavour ${recipe.kernel.flavour}`);
  }
  const headersPkg = `linux-headers-${kernelRelease}`;
  const headersDeps = (await showField(`${headersPkg}:${arch}`, kernelVersion, 'Depends')) ?? '';
  const common = /(linux-headers-\S+-common) \(= ([^)]+)\)/.exec(headersDeps);
  const kbuild = /(linux-kbuild-[0-9.]+)/.exec(headersDeps);
  if (!common || !kbuild) throw new Error(`${headersPkg} ${kernelVersion}: cannot find -common and linux-kbuild in Depends (${headersDeps})`);
  // kbuild's tools (modpost, fixdep) must run on the host: the host-arch build of the very same version.
  const kb = (await policies([`${kbuild[1]}:${HOST_ARCH}`])).get(`${kbuild[1]}:${HOST_ARCH}`);
  if (!kb?.versions.includes(kernelVersion)) {
    throw new Error(`${kbuild[1]}:${HOST_ARCH} ${kernelVersion} is not available (apt has ${kb?.versions.join(', ') || 'none'}); the test module for ${kernelRelease} needs it`);
  }
  const userland = await resolveArchPackages(recipe.packages, arch);
  return {
    kernelRelease,
    kernelVersion,
    guest: [...userland, { name: imagePkg, version: kernelVersion, fetchArch: arch }],
    build: [
      { name: headersPkg, version: kernelVersion, fetchArch: arch },
      { name: common[1], version: common[2], fetchArch: HOST_ARCH },
      { name: kbuild[1], version: kernelVersion, fetchArch: HOST_ARCH },
    ],
  };
}

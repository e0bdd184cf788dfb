// Exact package versions for a recipe, from its private apt state (harness/debian/apt.ts): userland packages per
// arch (arch-all ones from the native index), the kernel image behind the meta package, its headers and a kbuild
// that runs on the host.
import { runApt, type AptState, type DebArch } from '../debian/apt.js';
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


interface Policy {
  candidate?: string;
  versions: string[];
}

async function policies(state: AptState, names: string[]): Promise<Map<string, Policy>> {
  const out = await runApt(state, 'apt-cache', ['policy', ...names]);
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
export async function showField(state: AptState, pkg: string, version: string, field: string): Promise<string | undefined> {
  const out = await runApt(state, 'apt-cache', ['show', `${pkg}=${version}`]);
  const m = new RegExp(`^${field}: (.*)$`, 'm').exec(out);
  return m?.[1];
}

/** Candidate versions for `names` in `arch`; packages apt only knows as Architecture: all come from the native index. */
export async function resolveArchPackages(state: AptState, names: string[], arch: DebArch): Promise<ResolvedPackage[]> {
  const qualified = await policies(state, names.map((n) => `${n}:${arch}`));
  const missing = names.filter((n) => !qualified.get(`${n}:${arch}`)?.candidate && !qualified.get(n)?.candidate);
  const native = missing.length ? await policies(state, missing) : new Map<string, Policy>();
  const result: ResolvedPackage[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const q = qualified.get(`${n}:${arch}`)?.candidate ?? qualified.get(n)?.candidate;
    if (q) {
      result.push({ name: n, version: q, fetchArch: arch });
      continue;
    }
    const v = native.get(n)?.candidate;
    if (v && (await showField(state, n, v, 'Architecture')) === 'all') result.push({ name: n, version: v, fetchArch: HOST_ARCH });
    else unknown.push(n);
  }
  if (unknown.length) {
    throw new Error(`apt state ${state.name} has no candidate for ${unknown.join(', ')} (${arch})`);
  }
  return result;
}

export async function resolveImagePackages(recipe: Recipe, state: AptState): Promise<ResolvedImagePackages> {
  const arch = recipe.debArch;
  const [meta] = await resolveArchPackages(state, [recipe.kernel.meta], arch);
  const depends = (await showField(state, `${meta.name}:${arch}`, meta.version, 'Depends')) ?? '';
  const image = /(?:^|,\s*)(linux-image-(\S+)) \(= ([^)]+)\)/.exec(depends);
  if (!image) throw new Error(`${recipe.file}: ${meta.name} ${meta.version} does not depend on an exact linux-image-<release> (${depends})`);
  const [, imagePkg, kernelRelease, kernelVersion] = image;
  if (!kernelRelease.endsWith(`-${recipe.kernel.flavour}`)) {
    throw new Error(`${recipe.file}: kernel ${kernelRelease} is not of flavour ${recipe.kernel.flavour}`);
  }
  const headersPkg = `linux-headers-${kernelRelease}`;
  const headersDeps = (await showField(state, `${headersPkg}:${arch}`, kernelVersion, 'Depends')) ?? '';
  const common = /(linux-headers-\S+-common) \(= ([^)]+)\)/.exec(headersDeps);
  // linux-kbuild-6.1, linux-kbuild-5.10, linux-kbuild-6.12.117+deb13
  const kbuild = /(linux-kbuild-[0-9][^\s,(]*)/.exec(headersDeps);
  if (!common || !kbuild) throw new Error(`${headersPkg} ${kernelVersion}: cannot find -common and linux-kbuild in Depends (${headersDeps})`);
  // kbuild's tools (modpost, fixdep) must run on the host: the host-arch build of the very same version.
  const kb = (await policies(state, [`${kbuild[1]}:${HOST_ARCH}`])).get(`${kbuild[1]}:${HOST_ARCH}`);
  if (!kb?.versions.includes(kernelVersion)) {
    throw new Error(`${kbuild[1]}:${HOST_ARCH} ${kernelVersion} is not available (apt has ${kb?.versions.join(', ') || 'none'}); the test module for ${kernelRelease} needs it`);
  }
  const userland = await resolveArchPackages(state, recipe.packages, arch);
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

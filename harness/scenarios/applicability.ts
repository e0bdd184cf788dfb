// Whether a scenario applies to a target: its kernel's arch, its distribution (id or family), its kernel version.
import type { TargetInfo } from '../targets/target.js';
import type { Scenario } from './schema.js';

/** Compares dotted numeric prefixes of kernel versions: "6.1.0-56-cloud-amd64" >= "5.8". */
export function kernelAtLeast(release: string, min: string): boolean {
  const nums = (v: string) => (/^[\d.]+/.exec(v)?.[0] ?? '0').split('.').filter((x) => x !== '').map(Number);
  const a = nums(release);
  const b = nums(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** undefined when the scenario applies, else why not (for the report). */
export function whyNotApplicable(s: Scenario, info: TargetInfo, kernelRelease: string): string | undefined {
  const a = s.applies;
  if (a.archs && !a.archs.includes(info.arch)) return `only for ${a.archs.join(', ')} kernels; ${info.name} is ${info.arch}`;
  if (a.distros && !a.distros.includes(info.distro.id) && !a.distros.includes(info.distro.family)) {
    return `only for ${a.distros.join(', ')}; ${info.name} is ${info.distro.id}`;
  }
  const image = info.name.slice(info.name.indexOf(':') + 1);
  if (a.images && !a.images.includes(image)) return `only for images ${a.images.join(', ')}; ${info.name} is ${image}`;
  if (a.minKernel && !kernelAtLeast(kernelRelease, a.minKernel)) return `needs kernel >= ${a.minKernel}; ${info.name} runs ${kernelRelease}`;
  return undefined;
}

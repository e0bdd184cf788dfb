// Whether a scenario applies to a target: its kernel's arch, its distribution (id or family), its kernel version, and
// the release facts it names (`applies.when`).
import { conditionsHold, describeConditions } from '../releases/conditions.js';
import type { AllFacts } from '../releases/facts.js';
import { kernelAtLeast } from '../releases/version.js';
import type { TargetInfo } from '../targets/target.js';
import type { Scenario } from './schema.js';
import { rulesArchs } from './apply.js';

export { kernelAtLeast };

/** undefined when the scenario applies, else why not (for the report). */
export function whyNotApplicable(s: Scenario, info: TargetInfo, facts: AllFacts): string | undefined {
  const a = s.applies;
  const archs = a.archs ?? rulesArchs(s);
  if (archs && !archs.includes(info.arch)) return `only for ${archs.join(', ')} kernels; ${info.name} is ${info.arch}`;
  if (a.distros && !a.distros.includes(info.distro.id) && !a.distros.includes(info.distro.family)) {
    return `only for ${a.distros.join(', ')}; ${info.name} is ${info.distro.id}`;
  }
  const image = info.name.slice(info.name.indexOf(':') + 1);
  if (a.images && !a.images.includes(image)) return `only for images ${a.images.join(', ')}; ${info.name} is ${image}`;
  if (a.minKernel && !kernelAtLeast(facts.kernel, a.minKernel)) return `needs kernel >= ${a.minKernel}; ${info.name} runs ${facts.kernel}`;
  if (a.when && !conditionsHold(a.when, facts)) return `only where ${describeConditions(a.when)}; ${info.name} differs`;
  return undefined;
}

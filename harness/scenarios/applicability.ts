// Whether a scenario applies to a target: its kernel's arch, its distribution (id or family), its kernel version, and
// the release facts it names (`applies.when`); and which image names and distributions the targets `run` accepts
// can have, so that a scenario naming one no target has is refused at load instead of being n/a everywhere.
import path from 'node:path';
import { recipesDir } from '../images/recipe-file.js';
import { repoRoot } from '../paths.js';
import { conditionsHold, describeConditions } from '../releases/conditions.js';
import type { AllFacts } from '../releases/facts.js';
import { profileIds, profilesDir } from '../sim/profile.js';
import { boxDistro, type BoxNaming } from '../targets/vagrant/box-distro.js';
import { knownTargets } from '../targets/known-targets.js';
import { BOXES_FILE } from '../targets/vagrant/boxes.js';
import { VAGRANT_PREFIX } from '../targets/vagrant/spec.js';
import { kernelAtLeast } from '../releases/version.js';
import type { TargetInfo } from '../targets/target.js';
import { readYamlValue } from '../yaml-errors.js';
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
  const image = imageOf(info.name);
  if (a.images && !a.images.includes(image)) return `only for images ${a.images.join(', ')}; ${info.name} is ${image}`;
  if (a.minKernel && !kernelAtLeast(facts.kernel, a.minKernel)) return `needs kernel >= ${a.minKernel}; ${info.name} runs ${facts.kernel}`;
  if (a.when && !conditionsHold(a.when, facts)) return `only where ${describeConditions(a.when)}; ${info.name} differs`;
  return undefined;
}

/** The name `applies.images` is compared with: a target's spec after its kind (qemu:debian12-amd64 and sim:debian12-amd64: debian12-amd64, vagrant:rhel9: rhel9). */
function imageOf(spec: string): string {
  return spec.slice(spec.indexOf(':') + 1);
}

/** The ids of the qemu: targets (vms/qemu recipes of the same name). */
const qemuTargetIds = () => knownTargets.map((k) => imageOf(k.spec));

let boxes: BoxNaming[] | undefined;

/**
 * The boxes of vms/vagrant/boxes.yaml as far as a target's name and distro go, read with yaml alone (boxes.ts's
 * schema is run's and the vagrant target's): an entry that lacks a field contributes what it has.
 */
function boxNamings(): BoxNaming[] {
  if (boxes) return boxes;
  const data = readYamlValue(BOXES_FILE) as { boxes?: Record<string, Partial<Record<keyof BoxNaming, unknown>> | null> } | null;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  boxes = Object.entries(data?.boxes ?? {}).map(([name, b]) => ({ name, profile: text(b?.profile), family: text(b?.family) as BoxNaming['family'] }));
  return boxes;
}

/** Every target spec `run` accepts, from listings and boxes.yaml's keys (no schema): qemu:, sim: each profile, vagrant: each box. */
export function acceptedTargetSpecs(): string[] {
  return [
    ...knownTargets.map((k) => k.spec),
    ...profileIds().map((id) => `sim:${id}`),
    ...boxNamings().map((b) => `${VAGRANT_PREFIX}${b.name}`),
  ];
}

let images: string[] | undefined;

/** The image names applies.images may name: imageOf each target spec run accepts. */
export function knownImages(): string[] {
  images ??= [...new Set(acceptedTargetSpecs().map(imageOf))].sort();
  return images;
}

let distros: string[] | undefined;

/**
 * Every value applies.distros can match, a target's distro id or family: a qemu target's is its recipe's `distro`
 * (the manifest's), a sim: target's its profile's, a vagrant: target's boxDistro (its profile's, else the box's name
 * and family). Read with yaml alone, not checked (a file's own loader does that); a file that is not YAML is a
 * YamlFileError naming it.
 */
export function knownDistros(): string[] {
  if (distros) return distros;
  const found = new Set<string>();
  const add = (d: { id?: unknown; family?: unknown } | undefined) => [d?.id, d?.family].forEach((v) => typeof v === 'string' && v && found.add(v));
  const distroIn = (file: string, shownAs = file) => (readYamlValue(file, shownAs) as { distro?: { id?: unknown; family?: unknown } } | null)?.distro;
  for (const id of qemuTargetIds()) add(distroIn(path.join(recipesDir, `${id}.yaml`)));
  for (const id of profileIds()) {
    const file = path.join(profilesDir, `${id}.yaml`);
    add(distroIn(file, path.relative(repoRoot, file)));
  }
  for (const box of boxNamings()) add(boxDistro(box));
  distros = [...found].sort();
  return distros;
}

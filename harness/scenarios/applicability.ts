// Whether a scenario applies to a target: its kernel's arch, its distribution (id or family), its kernel version, and
// the release facts it names (`applies.when`); and which image names and distributions a target can have, so that a
// scenario naming one no target has is refused at load instead of being n/a everywhere.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { recipesDir } from '../images/recipe-file.js';
import { conditionsHold, describeConditions } from '../releases/conditions.js';
import type { AllFacts } from '../releases/facts.js';
import { profilesDir } from '../sim/profile.js';
import { BOXES_FILE } from '../targets/vagrant/boxes.js';
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
  const image = imageOf(info);
  if (a.images && !a.images.includes(image)) return `only for images ${a.images.join(', ')}; ${info.name} is ${image}`;
  if (a.minKernel && !kernelAtLeast(facts.kernel, a.minKernel)) return `needs kernel >= ${a.minKernel}; ${info.name} runs ${facts.kernel}`;
  if (a.when && !conditionsHold(a.when, facts)) return `only where ${describeConditions(a.when)}; ${info.name} differs`;
  return undefined;
}

/** The name `applies.images` is compared with: the target's spec after its kind (qemu:debian12-amd64: debian12-amd64). */
function imageOf(info: TargetInfo): string {
  return info.name.slice(info.name.indexOf(':') + 1);
}

const yamlIds = (dir: string): string[] => {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -'.yaml'.length)).sort();
  } catch {
    return [];
  }
};

/** The image names applies.images may name: the recipes of vms/qemu (the directory's listing; nothing is parsed). */
export function knownImages(): string[] {
  return yamlIds(recipesDir);
}

let distros: string[] | undefined;

/**
 * Every value applies.distros can match, a target's distro id or family: a qemu target's is its recipe's `distro`
 * (the manifest's), a sim: target's its profile's, a vagrant: target's that of the profile its box calibrates (or,
 * without that profile, the box's name and family). Read with yaml alone, not checked: a broken file is its loader's
 * error, and adds nothing here.
 */
export function knownDistros(): string[] {
  if (distros) return distros;
  const read = (file: string): unknown => {
    try {
      return parseYaml(readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const found = new Set<string>();
  const add = (...values: unknown[]) => values.forEach((v) => typeof v === 'string' && v && found.add(v));
  const profiles = yamlIds(profilesDir);
  for (const [dir, ids] of [[recipesDir, knownImages()], [profilesDir, profiles]] as const) {
    for (const id of ids) {
      const d = (read(path.join(dir, `${id}.yaml`)) as { distro?: { id?: unknown; family?: unknown } } | undefined)?.distro;
      add(d?.id, d?.family);
    }
  }
  const boxes = (read(BOXES_FILE) as { boxes?: Record<string, { profile?: unknown; family?: unknown } | null> } | undefined)?.boxes;
  for (const [name, box] of Object.entries(boxes ?? {})) {
    if (!profiles.includes(String(box?.profile))) add(name, box?.family);
  }
  distros = [...found].sort();
  return distros;
}

// The distribution a vagrant: target reports (its TargetInfo.distro), apart from the driver: scenario loading
// (applicability.ts) lists every distro a box can have from the same rule without loading vagrant-target.ts.
import path from 'node:path';
import { repoRoot } from '../../paths.js';
import { profilesDir } from '../../sim/profile.js';
import { readYamlValue } from '../../yaml-errors.js';
import type { TargetInfo } from '../target.js';

/** What of a boxes.yaml entry its distro depends on. */
export interface BoxNaming {
  name: string;
  profile: string;
  family: TargetInfo['distro']['family'];
}

/**
 * The distro of the simulator profile the box calibrates (vms/profiles/<profile>.yaml, read with yaml alone: the
 * profile's own checks are its loader's), else, when there is no such file or it names no distro, the box's own name
 * and family. A profile that is not valid YAML is a YamlFileError naming its file:line:col.
 */
export function boxDistro(box: BoxNaming): TargetInfo['distro'] {
  const file = path.join(profilesDir, `${box.profile}.yaml`);
  let profile: unknown;
  try {
    profile = readYamlValue(file, path.relative(repoRoot, file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const d = (profile as { distro?: { id?: unknown; family?: unknown } } | null | undefined)?.distro;
  if (typeof d?.id === 'string' && d.id && typeof d.family === 'string' && d.family) return { id: d.id, family: d.family as TargetInfo['distro']['family'] };
  return { id: box.name, family: box.family };
}

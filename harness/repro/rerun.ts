// The commands a repro directory offers to rerun its finding with audit-harness, only those that can work for the
// finding's target: repro.sh on a fresh boot of the target (`vm exec`, which boots qemu: and vagrant: targets, with the
// image or box they have today, not necessarily the run's);
// for a sim: target, which nothing can boot, the scenario run again on the model, and on the real target the
// profile stands for (its calibratedBy), whose results.json then gives a repro.sh for the real kernel.
import path from 'node:path';
import { safeName } from '../scenarios/apply.js';
import { shellJoin } from '../shell.js';
import { knownTargets } from '../targets/index.js';
import { isVagrantSpec } from '../targets/vagrant/spec.js';

export interface RerunCommand {
  /** A heading: what the command reruns, where. */
  what: string;
  command: string;
  /** What to do with its output, if anything. */
  then?: string;
}

export interface Reruns {
  commands: RerunCommand[];
  /** Why a command the reader might expect is not offered. */
  notes: string[];
}

export const GUEST_DIR = '/root/repro';

/** A target `vm exec` and `run` can boot: one of the qemu: targets, or a box of vms/vagrant/boxes.yaml. */
async function bootable(target: string): Promise<boolean> {
  if (knownTargets.some((k) => k.spec === target)) return true;
  if (!isVagrantSpec(target)) return false;
  try {
    (await import('../targets/vagrant/boxes.js')).boxForSpec(target);
    return true;
  } catch {
    return false;
  }
}

export interface RerunInput {
  target: string;
  scenarioId: string;
  stepId: string;
  /** The scenario file, absolute. */
  scenarioFile: string;
  /** The repro directory, absolute. */
  dir: string;
  /** The image key the run booted (results.json's target image), if it recorded one. */
  image?: string;
}

export async function rerunCommands(x: RerunInput): Promise<Reruns> {
  if (!x.target.startsWith('sim:')) {
    if (!(await bootable(x.target))) {
      return { commands: [], notes: [`${x.target} is not a target this audit-harness can boot any more (audit-harness targets lists them): only repro.sh on a host of your own reruns it`] };
    }
    return {
      commands: [{ what: `Rerun on a fresh boot of ${x.target}`, command: shellJoin(['audit-harness', 'vm', 'exec', x.target, '--put', `${x.dir}:${GUEST_DIR}`, '--', 'sh', `${GUEST_DIR}/repro.sh`]),
        // vm exec boots what the cache holds today: a rebuild since the run may have brought other package versions.
        then: `This boots the image or box ${x.target} has today${x.image ? ` (the run booted image ${x.image})` : ''}, rebuilt if its recipe or packages changed since the run: compare the facts repro.sh prints with the release facts above.` }],
      notes: [],
    };
  }
  // The simulator has no guest to copy repro.sh into: the finding is rerun as a scenario run.
  const { loadProfile, profileIds } = await import('../sim/profile.js');
  const id = x.target.slice('sim:'.length);
  if (!profileIds().includes(id)) {
    return { commands: [], notes: [`${x.target}: no simulator profile ${id} any more (vms/profiles): nothing reruns it but repro.sh on a host of your own`] };
  }
  const runOn = (target: string) => shellJoin(['audit-harness', 'run', x.scenarioFile, '--target', target, '--out', path.join(x.dir, `run@${safeName(target)}`)]);
  const commands: RerunCommand[] = [{ what: `Rerun on the model (${x.target}, no boot)`, command: runOn(x.target) }];
  const notes: string[] = [];
  const real = loadProfile(id).calibratedBy;
  if (real && (await bootable(real))) {
    const results = path.join(x.dir, `run@${safeName(real)}`, 'results.json');
    commands.push({
      what: `Run on the real kernel the profile stands for (${real})`,
      command: runOn(real),
      then: `then a repro.sh for that kernel: ${shellJoin(['audit-harness', 'repro', '--results', results, '--scenario', x.scenarioId, '--step', x.stepId, '--target', real, '--out', path.join(x.dir, `repro@${safeName(real)}`)])}`,
    });
  } else {
    notes.push(real
      ? `the profile ${id} is calibrated by ${real}, which this audit-harness cannot boot`
      : `the profile ${id} is modelled from public sources (no real target here stands for it): only repro.sh on such a host of your own checks the model`);
  }
  return { commands, notes };
}

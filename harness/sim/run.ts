// The `sim:` targets' guests: what the model of a release (its profile, vms/profiles) is made of, the image's
// fixtures and a fresh world of files and processes. harness/sim/session.ts answers scenarios from it.
import type { SyscallArch } from '../audit/syscalls/index.js';
import { AUTOLOAD, guestFixtures, TEST_MODULE_NAME } from '../images/guest-layout.js';
import type { Fixtures } from '../scenarios/steps.js';
import type { GuestArch, TargetInfo } from '../targets/target.js';
import { SimFs } from './fs.js';
import type { SimWorld } from './processes.js';
import { loadProfile, profileIds, type Profile } from './profile.js';
import type { AllFacts } from '../releases/facts.js';

export interface SimImage {
  spec: string;
  arch: GuestArch;
  release: string;
  interpreter: string;
  fixtures: Fixtures;
  profile: Profile;
  facts: AllFacts;
}

/** The paths the images put the test modules and loaders at (harness/images/guest-layout.ts), for the profile's release. */
function fixturesFor(profile: Profile): Fixtures {
  const { user: _user, ...paths } = guestFixtures(profile.kernelRelease, profile.values.moduleCompression, profile.values.arch);
  return { ...paths, moduleName: TEST_MODULE_NAME };
}

/** sim:<profile id>, from vms/profiles/<id>.yaml; undefined for a spec that names no profile. */
export function simImage(spec: string): SimImage | undefined {
  const id = spec.replace(/^sim:/, '');
  if (!spec.startsWith('sim:') || !profileIds().includes(id)) return undefined;
  return simImageOf(loadProfile(id), spec);
}

/** The model of a profile (one from vms/profiles, or one a test changed), answering as target `spec`. */
export function simImageOf(profile: Profile, spec = `sim:${profile.id}`): SimImage {
  return {
    spec, arch: profile.values.arch, release: profile.kernelRelease, profile, facts: profile.values,
    interpreter: profile.values.arch === 'x86_64' ? '/lib64/ld-linux-x86-64.so.2' : '/lib/ld-linux.so.2',
    fixtures: fixturesFor(profile),
  };
}

/** Every sim: target there is a profile for. */
export function simTargets(): string[] {
  return profileIds().map((id) => `sim:${id}`);
}

export function simTargetInfo(img: SimImage): TargetInfo {
  return { name: img.spec, kind: 'sim', arch: img.arch, kernelRelease: img.release, distro: img.profile.distro };
}

/** modprobe.d's `alias NAME MODULE` lines of a conf file the images write (AUTOLOAD's: net-pf-13 -> the test module). */
function confAliases(text: string): [string, string][] {
  return [...text.matchAll(/^alias\s+(\S+)\s+(\S+)\s*$/gm)].map((m) => [m[1]!, m[2]!]);
}

/** A fresh model of the image's guest: its files, no module loaded. */
export function world(img: SimImage): SimWorld {
  const fx = img.fixtures;
  const programs = [fx.loader32, ...(fx.loader64 ? [fx.loader64] : [])];
  const fs = new SimFs({
    usrMerge: img.facts.usrMerge, sh: img.facts.sh, kmod: img.profile.modelValues.kmodLayout, interpreter: img.interpreter,
    staticPrograms: programs, files: [fx.testModule, fx.testModuleKo, fx.testModuleXz, fx.stockModule.file],
  });
  const nativeArch: SyscallArch = img.arch === 'i686' ? 'i386' : 'x86_64';
  return {
    fs, nativeArch, loaded: new Set(), release: img.release, facts: img.facts, model: img.profile.modelValues,
    aliases: new Map(confAliases(AUTOLOAD.text)),
    loader32: fx.loader32, ...(fx.loader64 ? { loader64: fx.loader64 } : {}),
    moduleFiles: new Map([[fx.testModule, fx.moduleName], [fx.testModuleKo, fx.moduleName], [fx.testModuleXz, `${fx.moduleName}_xz`], [fx.stockModule.file, fx.stockModule.name]]),
  };
}

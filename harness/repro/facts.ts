// What a repro says about the release its finding ran on (facts.json, README.md): the release facts the run
// conditioned its expectations on, as its results.json records them (TargetRunInfo.facts: probed on the booted guest,
// or the sim: profile's model), each with where it came from; and the packages of the exact image the run booted
// (TargetRunInfo.image), never those of another image.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { imagesDir, type ImageManifest } from '../images/index.js';
import { ALL_FACT_NAMES, type AnyFactName } from '../releases/facts.js';
import type { RunResult } from '../scenarios/result.js';

/** What each fact is, in a few words (harness/releases/facts.ts says it in full, probe.ts how a guest is asked). */
const ABOUT: Record<AnyFactName, string> = {
  arch: "the kernel's arch, uname -m",
  kernel: 'the kernel release, uname -r',
  kmod: "kmod's major version, kmod --version",
  moduleCompression: 'how the kernel package ships its own modules',
  kernelDecompression: 'what the kernel decompresses itself, /sys/module/compression',
  usrMerge: '/bin, /sbin and /lib are symlinks into /usr',
  sh: 'what /bin/sh is',
  auditd: 'auditctl -v',
  logFormat: "auditd.conf's log_format",
  ia32Emulation: 'the kernel runs 32-bit programs',
  kernModule: 'the kernel writes KERN_MODULE records',
  koSyscall: "kmod's syscall for a .ko",
  xzSyscall: "kmod's syscall for a .ko.xz",
  distroModuleSyscall: "kmod's syscall for a module compressed as the kernel package ships its own",
};

/** The facts a derived one follows from, by kmod's source (facts.ts deriveFacts). */
const DERIVED_FROM: Partial<Record<AnyFactName, readonly AnyFactName[]>> = {
  koSyscall: ['kmod'],
  xzSyscall: ['kmod', 'kernelDecompression'],
  distroModuleSyscall: ['kmod', 'kernelDecompression', 'moduleCompression'],
};

export interface StatedFact {
  value: unknown;
  about: string;
  source: string;
}

export interface ReleaseFacts {
  /** Where the run took its facts from, in a sentence, or why the results record none. */
  from: string;
  facts: Partial<Record<AnyFactName, StatedFact>>;
}

export interface RunImage {
  /** The cache key of the image the run booted, as its results.json records it. */
  key?: string;
  /** That image's manifest, while the cache still holds it. */
  manifest?: ImageManifest;
  /** Why there are no packages, when there are none. */
  note?: string;
}

export interface RunFacts {
  release: ReleaseFacts;
  image: RunImage;
}

/** The release facts and the image of `target` in `run`. */
export async function runFacts(run: RunResult, target: string): Promise<RunFacts> {
  const info = run.targets.find((t) => t.name === target);
  return { release: releaseFacts(target, info?.facts), image: await runImage(target, info?.image) };
}

function releaseFacts(target: string, recorded: Partial<Record<AnyFactName, unknown>> | undefined): ReleaseFacts {
  if (!recorded) {
    return { from: `not recorded: results.json has no release facts for ${target} (written before runs recorded them)`, facts: {} };
  }
  // The runner records session.facts alike for every target: a booted guest's are probed, a sim: session's are its
  // profile's (harness/targets/index.ts openSession).
  const profile = target.startsWith('sim:') ? target.slice('sim:'.length) : undefined;
  const own = profile ? `modelled by profile ${profile}` : 'measured on the guest';
  const facts: ReleaseFacts['facts'] = {};
  for (const name of ALL_FACT_NAMES) {
    if (recorded[name] === undefined) continue;
    const from = DERIVED_FROM[name];
    const source = from ? `derived by kmod's source from ${from.map((f) => `${f} ${String(recorded[f])}`).join(', ')}` : own;
    facts[name] = { value: recorded[name], about: ABOUT[name], source };
  }
  return {
    from: profile
      ? `modelled by the simulator's profile vms/profiles/${profile}.yaml, as it stood when the run read it (the file gives each fact's own source)`
      : `measured on the booted guest by the run (harness/releases/probe.ts)`,
    facts,
  };
}

async function runImage(target: string, key: string | undefined): Promise<RunImage> {
  if (target.startsWith('sim:')) return { note: `none: ${target} is the simulator's model of a release (vms/profiles/${target.slice(4)}.yaml), it boots no image` };
  if (!target.startsWith('qemu:')) return { note: `unknown: ${target} boots no image of audit-harness's cache` };
  // Only the image the run booted: the newest image with the same kernel release may be a rebuild with other
  // package versions (kmod, auditd), and a repro that names the wrong kmod misleads about the very finding.
  if (!key) return { note: 'unknown: results.json does not record which image the run booted (written before runs recorded it)' };
  const gone = { key, note: `unknown: the run booted image ${key}, which the cache no longer holds (rebuilt since; \`audit-harness targets\` shows the current one)` };
  if (key !== path.basename(key) || key.startsWith('.')) return gone;
  try {
    const manifest = JSON.parse(await readFile(path.join(imagesDir(), target.slice('qemu:'.length), key, 'manifest.json'), 'utf8')) as ImageManifest;
    return manifest.key === key ? { key, manifest } : gone;
  } catch {
    return gone;
  }
}

const packagesOf = (m: ImageManifest) =>
  Object.fromEntries(Object.entries(m.packages).filter(([name]) => /^(kmod|auditd|libaudit1|linux-image-.*|dash|bash|sudo)$/.test(name)));

/** facts.json's fields about the release and the image. */
export function factsJson(f: RunFacts): Record<string, unknown> {
  const m = f.image.manifest;
  return {
    releaseFacts: f.release,
    ...(f.image.key ? { image: f.image.key } : {}),
    ...(m
      ? { distro: m.distro, packages: packagesOf(m), guest: m.guest }
      : { packagesNote: f.image.note }),
  };
}

/** README.md's section: one line per fact with its source, then the image and its packages. */
export function factsMarkdown(f: RunFacts): string {
  const facts = Object.entries(f.release.facts).map(([name, x]) => `- ${name}: ${String(x.value)} (${x.about}; ${x.source})`);
  const m = f.image.manifest;
  const packages = m
    ? `Packages of the image the run booted (${m.key}): ${Object.entries(packagesOf(m)).map(([n, v]) => `${n} ${v}`).join(', ')}.`
    : `Packages: ${f.image.note}.`;
  const intro = facts.length
    ? `The facts the run conditioned its expectations on (\`when:\`), ${f.release.from}:\n\n${facts.join('\n')}`
    : `The facts the run conditioned its expectations on: ${f.release.from}.`;
  return `## Release facts\n\n${intro}\n\n${packages}\n`;
}

// The simulator's release profiles: vms/profiles/<id>.yaml, one file per release and arch, every fact with its
// source and status (calibrated against a real target here, or modelled from what public sources say). Besides the
// facts every guest reports about itself (harness/releases/facts.ts: the release's, and its kernel's, such as whether
// it writes KERN_MODULE records), a profile states what only the model needs: the file layout of kmod, sudo's PAM,
// whether kmod was built with its experimental tools.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../paths.js';
import { deriveFacts, factValues, GUEST_FACT_NAMES, statedGuestFactsSchema, type AllFacts } from '../releases/facts.js';
import { checkYaml, parseYamlSource, problemAt, YamlFileError, yamlValue, type YamlProblem } from '../yaml-errors.js';
import { KMOD_EXPERIMENTAL_TOOLS } from './kmod-commands.js';

export const profilesDir = path.join(repoRoot, 'vms', 'profiles');

const status = z.enum(['calibrated', 'modelled']);
const stated = <T extends z.ZodType>(value: T) =>
  z.object({ value, source: z.string().min(3).describe('where it was read or measured, or "assumption: …"'), status }).strict();

const absolute = z.string().regex(/^\/[^\s]*$/, 'an absolute path');

/** Where the kmod package puts kmod and its tools, as the package ships them (the usr-merge links come on top). */
export const kmodLayoutSchema = z.object({
  /** The kmod binary, e.g. /bin/kmod (Debian 11/12 packages) or /usr/bin/kmod (Debian 13, RHEL). */
  kmod: absolute,
  /** Tool name -> symlink target as packaged, e.g. /sbin/insmod: /bin/kmod or /usr/sbin/insmod: ../bin/kmod. */
  links: z.record(absolute, z.string().min(1)).refine((l) => ['insmod', 'rmmod', 'modprobe'].every((t) => Object.keys(l).some((p) => p.endsWith(`/${t}`))), 'links for insmod, rmmod and modprobe'),
}).strict();
export type KmodLayout = z.infer<typeof kmodLayoutSchema>;

/** Facts only the model uses (not probed on guests): each with its source and status like the release facts. */
export const modelFactsSchema = z.object({
  /** kmod's files as its package ships them. */
  kmodLayout: stated(kmodLayoutSchema),
  /** sudo's PAM account check executes /usr/sbin/unix_chkpwd USER chkexpiry before running the command. */
  sudoExecsUnixChkpwd: stated(z.boolean()),
  /** kmod was built with --enable-experimental: `kmod insert`/`kmod remove` exist (kmod 21 to 31 only; kmod-commands.ts). */
  kmodExperimental: stated(z.boolean()),
  /**
   * The kernel's modprobe_path: what it runs for request_module (module autoloading, [S26]) as `PATH -q -- NAME`, and
   * so the autoloaded task's argv[0] and exe. CONFIG_MODPROBE_PATH since Linux 5.13, "/sbin/modprobe" before.
   */
  modprobePath: stated(absolute),
}).strict();
export type ModelFacts = { [K in keyof z.infer<typeof modelFactsSchema>]: z.infer<typeof modelFactsSchema>[K]['value'] };

const factStatus = z.object({ status }).passthrough();

export const profileSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  title: z.string(),
  distro: z.object({ id: z.string(), family: z.enum(['debian', 'rhel', 'ubuntu', 'other']) }).strict(),
  /** The real target this profile is compared with in CI; a modelled profile has none. */
  calibratedBy: z.string().regex(/^[a-z]+:[a-z0-9._-]+$/).optional(),
  /** Where a modelled profile behaves as a calibrated one does for a fact that one measured, and where it does not. */
  like: z.array(z.string().min(10)).optional(),
  /** `uname -r` the model reports (module paths are under /lib/modules/<kernelRelease>). */
  kernelRelease: z.string().min(1),
  facts: statedGuestFactsSchema,
  model: modelFactsSchema,
}).strict();

export interface Profile extends z.infer<typeof profileSchema> {
  file: string;
  /** calibrated: compared with calibratedBy in CI; modelled: read from public sources, not measured here. */
  status: 'calibrated' | 'modelled';
  /** Stated values plus what follows from them. */
  values: AllFacts;
  modelValues: ModelFacts;
}

export function profileIds(): string[] {
  return readdirSync(profilesDir).filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -5)).sort();
}

const cache = new Map<string, Profile>();

/** A profile that does not parse, leaves out a fact or states one wrongly: one `file:line:col: …` line per problem. */
export class ProfileError extends YamlFileError {
  constructor(file: string, problems: YamlProblem[]) {
    super(file, problems);
    this.name = 'ProfileError';
  }
}

/** Parses and checks a profile's text; errors are ProfileErrors naming file:line:col and the fact. */
export function parseProfile(text: string, rel: string, id: string): Profile {
  try {
    return checkProfile(text, rel, id);
  } catch (e) {
    if (e instanceof YamlFileError && !(e instanceof ProfileError)) throw new ProfileError(e.file, e.problems);
    throw e;
  }
}

function checkProfile(text: string, rel: string, id: string): Profile {
  const source = parseYamlSource(text, rel);
  const js = yamlValue(source, rel);
  // A fact the model needs and the profile does not state is named, never defaulted.
  const missing: YamlProblem[] = [];
  for (const [group, names] of [['facts', GUEST_FACT_NAMES], ['model', Object.keys(modelFactsSchema.shape)]] as const) {
    const stated = (js as Record<string, Record<string, unknown> | undefined> | null)?.[group];
    for (const n of names) {
      if (!stated || stated[n] === undefined) missing.push(problemAt(source, [group], `the profile does not state the fact ${n} (${group}.${n})`));
    }
  }
  if (missing.length) throw new ProfileError(rel, missing);
  const d = checkYaml(source, rel, profileSchema, js);
  const problems: YamlProblem[] = [];
  const k = d.facts.kernel.value;
  if (!d.kernelRelease.startsWith(`${k}.`) && d.kernelRelease !== k) {
    problems.push(problemAt(source, ['kernelRelease'], `kernelRelease ${d.kernelRelease} is not of the stated kernel ${k}`));
  }
  if (d.id !== id) problems.push(problemAt(source, ['id'], `id is ${d.id}, expected ${id} (the file name)`));
  const { first, last } = KMOD_EXPERIMENTAL_TOOLS;
  if (d.model.kmodExperimental.value && (d.facts.kmod.value < first || d.facts.kmod.value > last)) {
    problems.push(problemAt(source, ['model', 'kmodExperimental', 'value'], `kmodExperimental is true, but kmod ${d.facts.kmod.value} has no experimental tools (only kmod ${first} to ${last} do)`));
  }
  // A profile is calibrated only as a whole, against a named real target; else every fact is modelled.
  for (const group of ['facts', 'model'] as const) {
    for (const [n, f] of Object.entries(d[group] as Record<string, z.infer<typeof factStatus>>)) {
      const status = [group, n, 'status'];
      if (d.calibratedBy && f.status === 'modelled') problems.push(problemAt(source, status, `${n} is modelled in a profile calibrated by ${d.calibratedBy}`));
      if (!d.calibratedBy && f.status === 'calibrated') problems.push(problemAt(source, status, `${n} is calibrated, but the profile names no real target (calibratedBy)`));
    }
  }
  if (problems.length) throw new ProfileError(rel, problems.sort((a, b) => a.line - b.line || a.col - b.col));
  return {
    ...d, file: rel, status: d.calibratedBy ? 'calibrated' : 'modelled',
    values: deriveFacts({ ...factValues(d.facts), kernel: d.kernelRelease }),
    modelValues: factValues(d.model),
  };
}

/** vms/profiles/<id>.yaml, validated; errors name file:line:col (a ProfileError), or the profiles there are. */
export function loadProfile(id: string): Profile {
  const hit = cache.get(id);
  if (hit) return hit;
  const file = path.join(profilesDir, `${id}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no simulator profile ${JSON.stringify(id)} (${path.relative(repoRoot, file)} not found; known: ${profileIds().join(', ')})`);
  }
  const profile = parseProfile(text, path.relative(repoRoot, file), id);
  cache.set(id, profile);
  return profile;
}

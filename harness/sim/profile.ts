// The simulator's release profiles: vms/profiles/<id>.yaml, one file per release and arch, every fact with its
// source and status (calibrated against a real target here, or modelled from what public sources say). Besides the
// facts every guest reports about itself (harness/releases/facts.ts: the release's, and its kernel's, such as whether
// it writes KERN_MODULE records), a profile states what only the model needs: the file layout of kmod, sudo's PAM,
// whether kmod was built with its experimental tools.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { repoRoot } from '../paths.js';
import { deriveFacts, factValues, GUEST_FACT_NAMES, statedGuestFactsSchema, type AllFacts } from '../releases/facts.js';
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

export class ProfileError extends Error {}

/** Parses and checks a profile's text; errors name the file, line and fact. */
export function parseProfile(text: string, rel: string, id: string): Profile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length) throw new ProfileError(`${rel}: ${doc.errors[0]!.message}`);
  const js = doc.toJS() as unknown;
  const at = (p: (string | number)[]) => {
    const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? `:${lc.linePos(node.range[0]).line}` : '';
  };
  // A fact the model needs and the profile does not state is named, never defaulted.
  for (const [group, names] of [['facts', GUEST_FACT_NAMES], ['model', Object.keys(modelFactsSchema.shape)]] as const) {
    const stated = (js as Record<string, Record<string, unknown> | undefined> | null)?.[group];
    for (const n of names) {
      if (!stated || stated[n] === undefined) throw new ProfileError(`${rel}${at([group])}: the profile does not state the fact ${n} (${group}.${n})`);
    }
  }
  const parsed = profileSchema.safeParse(js);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const p = issue.path as (string | number)[];
    const known = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new ProfileError(`${rel}${at(p)}: ${p.join('.') || '(top)'}: ${issue.message}${known}`);
  }
  const d = parsed.data;
  const k = d.facts.kernel.value;
  if (!d.kernelRelease.startsWith(`${k}.`) && d.kernelRelease !== k) throw new ProfileError(`${rel}: kernelRelease ${d.kernelRelease} is not of the stated kernel ${k}`);
  if (d.id !== id) throw new ProfileError(`${rel}: id is ${d.id}, expected ${id} (the file name)`);
  const { first, last } = KMOD_EXPERIMENTAL_TOOLS;
  if (d.model.kmodExperimental.value && (d.facts.kmod.value < first || d.facts.kmod.value > last)) {
    throw new ProfileError(`${rel}${at(['model', 'kmodExperimental'])}: kmodExperimental is true, but kmod ${d.facts.kmod.value} has no experimental tools (only kmod ${first} to ${last} do)`);
  }
  const all = { ...d.facts, ...d.model } as Record<string, z.infer<typeof factStatus>>;
  const statuses = new Set(Object.values(all).map((f) => f.status));
  // A profile is calibrated only as a whole, against a named real target; else every fact is modelled.
  if (d.calibratedBy && statuses.has('modelled')) {
    const n = Object.entries(all).find(([, f]) => f.status === 'modelled')![0];
    throw new ProfileError(`${rel}${at([n in d.facts ? 'facts' : 'model', n])}: ${n} is modelled in a profile calibrated by ${d.calibratedBy}`);
  }
  if (!d.calibratedBy && statuses.has('calibrated')) {
    const n = Object.entries(all).find(([, f]) => f.status === 'calibrated')![0];
    throw new ProfileError(`${rel}${at([n in d.facts ? 'facts' : 'model', n])}: ${n} is calibrated, but the profile names no real target (calibratedBy)`);
  }
  return {
    ...d, file: rel, status: d.calibratedBy ? 'calibrated' : 'modelled',
    values: deriveFacts({ ...factValues(d.facts), kernel: d.kernelRelease }),
    modelValues: factValues(d.model),
  };
}

/** vms/profiles/<id>.yaml, validated; errors name the file and line. */
export function loadProfile(id: string): Profile {
  const hit = cache.get(id);
  if (hit) return hit;
  const file = path.join(profilesDir, `${id}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ProfileError(`no simulator profile ${JSON.stringify(id)} (${path.relative(repoRoot, file)} not found; known: ${profileIds().join(', ')})`);
  }
  const profile = parseProfile(text, path.relative(repoRoot, file), id);
  cache.set(id, profile);
  return profile;
}

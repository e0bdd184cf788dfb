// The simulator's release profiles: vms/profiles/<id>.yaml, one file per release and arch, every fact with its
// source and status (calibrated against a real target here, or modelled from what public sources say).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { repoRoot } from '../paths.js';
import { deriveFacts, factValues, statedFactsSchema, type AllFacts, type StatedFacts } from '../releases/facts.js';

export const profilesDir = path.join(repoRoot, 'vms', 'profiles');

export const profileSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  title: z.string(),
  distro: z.object({ id: z.string(), family: z.enum(['debian', 'rhel', 'ubuntu', 'other']) }).strict(),
  /** The real target this profile is compared with in CI, if any. */
  calibratedBy: z.string().regex(/^[a-z]+:[a-z0-9._-]+$/).optional(),
  /** `uname -r` the model reports (module paths are under /lib/modules/<kernelRelease>). */
  kernelRelease: z.string().min(1),
  facts: statedFactsSchema,
}).strict();

export interface Profile extends z.infer<typeof profileSchema> {
  file: string;
  /** Stated values plus what follows from them. */
  values: AllFacts;
}

export function profileIds(): string[] {
  return readdirSync(profilesDir).filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -5)).sort();
}

const cache = new Map<string, Profile>();

/** vms/profiles/<id>.yaml, validated; errors name the file and line. */
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
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const rel = path.relative(repoRoot, file);
  if (doc.errors.length) throw new Error(`${rel}: ${doc.errors[0]!.message}`);
  const parsed = profileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? `:${lc.linePos(node.range[0]).line}` : '';
    throw new Error(`${rel}${line}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const k = parsed.data.facts.kernel.value;
  if (!parsed.data.kernelRelease.startsWith(`${k}.`) && parsed.data.kernelRelease !== k) {
    throw new Error(`${rel}: kernelRelease ${parsed.data.kernelRelease} is not of the stated kernel ${k}`);
  }
  if (parsed.data.id !== id) throw new Error(`${rel}: id is ${parsed.data.id}, expected ${id} (the file name)`);
  const profile: Profile = { ...parsed.data, file: rel, values: deriveFacts({ ...factValues(parsed.data.facts as StatedFacts), kernel: parsed.data.kernelRelease }) };
  cache.set(id, profile);
  return profile;
}

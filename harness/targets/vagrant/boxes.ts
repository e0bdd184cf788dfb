// The Vagrant box matrix (vms/vagrant/boxes.yaml): the same file the top-level Vagrantfile reads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../../paths.js';
import { parseYamlWith } from '../../yaml-errors.js';
import { VAGRANT_PREFIX } from './spec.js';

export const BOXES_FILE = path.join(repoRoot, 'vms', 'vagrant', 'boxes.yaml');

const boxSchema = z
  .object({
    box: z.string().regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/, 'a Vagrant box name such as almalinux/9'),
    box_url: z.string().min(1).optional(),
    box_version: z.string().min(1).optional(),
    providers: z.array(z.enum(['libvirt', 'virtualbox'])).min(1),
    profile: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    family: z.enum(['debian', 'ubuntu', 'rhel']),
    arch: z.enum(['x86_64', 'i686']),
    local: z.boolean().default(false),
    memory: z.number().int().min(256).optional(),
  })
  .strict();

const fileSchema = z.object({ boxes: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case name (a-z, 0-9, -)'), boxSchema) }).strict();

export type BoxEntry = z.infer<typeof boxSchema> & { name: string };

/** Parses boxes.yaml text; errors are a YamlFileError, one `file:line:col: path: message` line per problem. */
export function parseBoxes(text: string, file = BOXES_FILE): BoxEntry[] {
  const parsed = parseYamlWith(text, file, fileSchema);
  return Object.entries(parsed.boxes).map(([name, b]) => ({ name, ...b }));
}

let cached: BoxEntry[] | undefined;

export function loadBoxes(): BoxEntry[] {
  cached ??= parseBoxes(readFileSync(BOXES_FILE, 'utf8'));
  return cached;
}

/** The environment variable that overrides a box's URL (the Vagrantfile reads the same name). */
export function boxUrlVariable(name: string): string {
  return `AUDIT_HARNESS_BOX_URL_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** `vagrant:NAME` -> its boxes.yaml entry, or a clear error listing the names. */
export function boxForSpec(spec: string): BoxEntry {
  const name = spec.trim().slice(VAGRANT_PREFIX.length);
  const boxes = loadBoxes();
  const box = boxes.find((b) => b.name === name);
  if (!box) throw new Error(`unknown vagrant box ${JSON.stringify(name)}; known (${BOXES_FILE}): ${boxes.map((b) => b.name).join(', ')}`);
  return box;
}

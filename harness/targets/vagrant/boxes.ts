// The Vagrant box matrix (vms/vagrant/boxes.yaml): the same file the top-level Vagrantfile reads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { repoRoot } from '../../paths.js';
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

/** Parses boxes.yaml text; errors name the file, line and field. */
export function parseBoxes(text: string, file = BOXES_FILE): BoxEntry[] {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    let line: number | undefined;
    for (let n = issue.path.length; n > 0 && line === undefined; n--) {
      const node = doc.getIn(issue.path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) line = text.slice(0, node.range[0]).split('\n').length;
    }
    throw new Error(`${file}${line ? `:${line}` : ''}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return Object.entries(parsed.data.boxes).map(([name, b]) => ({ name, ...b }));
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

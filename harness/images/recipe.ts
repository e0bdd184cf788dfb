// Image recipes: data files in vms/qemu/<id>.yaml. Adding an image is adding a file.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { repoRoot } from '../paths.js';

export const recipesDir = path.join(repoRoot, 'vms', 'qemu');

const packageName = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name');

export const RecipeSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    distro: z.object({ id: z.string(), family: z.enum(['debian', 'rhel', 'ubuntu', 'other']) }),
    arch: z.enum(['x86_64', 'i686']),
    debArch: z.enum(['amd64', 'i386']),
    kernel: z.object({
      /** Meta package (e.g. linux-image-cloud-amd64) whose Depends names linux-image-<release>. */
      meta: packageName,
      /** Flavour suffix of the release, e.g. cloud-amd64 or 686. */
      flavour: z.string(),
    }),
    qemu: z.object({
      binary: z.string(),
      machine: z.string(),
      cpu: z.string(),
      memoryMiB: z.number().int().min(128),
    }),
    append: z.string(),
    hostname: z.string().regex(/^[a-z0-9-]+$/),
    /** Kernel modules modprobe'd at boot; their dependencies are copied too. */
    drivers: z.array(z.string().regex(/^[a-z0-9_-]+$/)),
    /** update-alternatives links: /usr/bin/<name> -> /etc/alternatives/<name> -> target. */
    alternatives: z.record(z.string().regex(/^[a-z0-9.+-]+$/), z.string().startsWith('/')).default({}),
    packages: z.array(packageName).min(1),
  })
  .strict();

export type Recipe = z.infer<typeof RecipeSchema> & {
  /** Absolute path of the YAML file. */
  file: string;
  /** The file's text (part of the cache key). */
  text: string;
};

/** Recipe ids available in vms/qemu. */
export async function listRecipes(): Promise<string[]> {
  const names = await readdir(recipesDir);
  return names.filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -'.yaml'.length)).sort();
}

/** Load and validate vms/qemu/<id>.yaml; errors name the file and line. */
export async function loadRecipe(id: string): Promise<Recipe> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) throw new Error(`invalid image recipe id ${JSON.stringify(id)}`);
  const file = path.join(recipesDir, `${id}.yaml`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const known = await listRecipes().catch(() => []);
    throw new Error(`no image recipe ${JSON.stringify(id)} (${file} not found; known: ${known.join(', ') || 'none'})`);
  }
  return parseRecipe(text, file, id);
}

/** Validate recipe YAML text; errors name the file and line. */
export function parseRecipe(text: string, file: string, expectedId?: string): Recipe {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
  const parsed = RecipeSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const line = lineOf(doc, text, issue.path as (string | number)[]);
    throw new Error(`${file}${line ? `:${line}` : ''}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const id = parsed.data.id;
  if (expectedId !== undefined && id !== expectedId) {
    throw new Error(`${file}: id is ${JSON.stringify(id)}, expected ${JSON.stringify(expectedId)} (the file name)`);
  }
  return { ...parsed.data, packages: [...new Set(parsed.data.packages)], file, text };
}

function lineOf(doc: ReturnType<typeof parseDocument>, text: string, p: (string | number)[]): number | undefined {
  for (let n = p.length; n > 0; n--) {
    const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return text.slice(0, node.range[0]).split('\n').length;
  }
  return undefined;
}

// Image recipes: data files in vms/qemu/<id>.yaml. Adding an image is adding a file.
import { readdir, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { recipeFile, recipesDir } from './recipe-file.js';
import { FACT_NAMES, statedFactsSchema, type FactName } from '../releases/facts.js';
import { checkYaml, parseYamlSource, positionOf, problemAt, YamlFileError } from '../yaml-errors.js';

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
    /** The private apt state the packages come from (harness/debian/apt.ts): suites of the main component, pins. */
    apt: z
      .object({
        suites: z.array(z.string().regex(/^[a-z]+(-[a-z]+)?$/, 'a Debian suite such as bookworm or bookworm-security')).min(1),
        pins: z
          .array(z.object({ packages: z.string().min(1), pin: z.string().regex(/^release /, 'e.g. "release n=bookworm-backports"'), priority: z.number().int() }).strict())
          .optional(),
      })
      .strict(),
    /** The release's facts as read from its packages, each with its source; the build checks what it can. */
    facts: statedFactsSchema,
    /** A module of the kernel package copied into the guest as the package ships it, not loaded at boot. */
    stockModule: z.string().regex(/^[a-z0-9_-]+$/),
    /** How the test module is compiled: the host's gcc, or the suite's own compiler in a chroot of its packages. */
    moduleBuild: z
      .object({
        toolchain: z.enum(['host', 'suite']),
        /** For toolchain: suite, the packages `apt-get -s install` resolves the chroot from (with their dependencies). */
        packages: z.array(packageName).optional(),
        /** Extra make variables, e.g. CC: gcc where the headers name a compiler the host lacks. */
        makeVars: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()).default({}),
      })
      .strict()
      .refine((m) => m.toolchain === 'host' || (m.packages?.length ?? 0) > 0, 'toolchain: suite needs packages (e.g. gcc-14, make, libc6-dev)'),
  })
  .strict();

export type Recipe = z.infer<typeof RecipeSchema> & {
  /** Absolute path of the YAML file. */
  file: string;
  /** The file's text (part of the cache key). */
  text: string;
  /** Line of each fact's `value` in the file (for errors when the build finds a fact wrong). */
  factLines: Record<FactName, number | undefined>;
};

/** Recipe ids available in vms/qemu. */
export async function listRecipes(): Promise<string[]> {
  const names = await readdir(recipesDir);
  return names.filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -'.yaml'.length)).sort();
}

/** Load and validate vms/qemu/<id>.yaml; errors name file:line:col (parseRecipe), or the recipes there are. */
export async function loadRecipe(id: string): Promise<Recipe> {
  const file = recipeFile(id);
  if (file === undefined) throw new Error(`invalid image recipe id ${JSON.stringify(id)}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const known = await listRecipes().catch(() => []);
    throw new Error(`no image recipe ${JSON.stringify(id)} (${file} not found; known: ${known.join(', ') || 'none'})`);
  }
  return parseRecipe(text, file, id);
}

/** Validate recipe YAML text; errors are a YamlFileError, one `file:line:col: …` line per problem. */
export function parseRecipe(text: string, file: string, expectedId?: string): Recipe {
  const source = parseYamlSource(text, file);
  const data = checkYaml(source, file, RecipeSchema);
  if (expectedId !== undefined && data.id !== expectedId) {
    throw new YamlFileError(file, [problemAt(source, ['id'], `id: ${JSON.stringify(data.id)}, expected ${JSON.stringify(expectedId)} (the file name)`)]);
  }
  const factLines = Object.fromEntries(FACT_NAMES.map((n) => [n, positionOf(source, ['facts', n, 'value']).line])) as Recipe['factLines'];
  return { ...data, packages: [...new Set(data.packages)], file, text, factLines };
}

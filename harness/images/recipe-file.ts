// Where an image recipe lives, apart from recipe.ts's parser: build.ts looks a cached image up by the recipe's text
// without loading yaml and zod.
import path from 'node:path';
import { repoRoot } from '../paths.js';

export const recipesDir = path.join(repoRoot, 'vms', 'qemu');

/** vms/qemu/<id>.yaml, or undefined when `id` is not a recipe id. */
export function recipeFile(id: string): string | undefined {
  return /^[a-z0-9][a-z0-9._-]*$/.test(id) ? path.join(recipesDir, `${id}.yaml`) : undefined;
}

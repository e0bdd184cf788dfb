// Image builds for the qemu target: recipes in vms/qemu/*.yaml, built from Debian packages into the cache.
export { ensureImage, imagesDir, type EnsureImageOptions } from './build.js';
export { GUEST_USER, GUEST_UID } from './manifest.js';
export { listRecipes, loadRecipe, parseRecipe, type Recipe } from './recipe.js';
export type { BuiltImage, ImageManifest } from './manifest.js';

import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (works from sources and from dist/). */
export const repoRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  // harness/paths.ts -> repo; dist/harness/paths.js -> repo
  dir = path.resolve(dir, '..');
  if (path.basename(dir) === 'dist') dir = path.resolve(dir, '..');
  return dir;
})();

/** Where built images and downloaded packages are cached: $AUDIT_HARNESS_CACHE, else $XDG_CACHE_HOME/audit-harness, else ~/.cache/audit-harness. */
export function cacheDir(): string {
  if (process.env.AUDIT_HARNESS_CACHE) return path.resolve(process.env.AUDIT_HARNESS_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'audit-harness');
}

// `audit-harness targets`: every target a run or coverage accepts, with its kind, arch, release and status: for a real
// (qemu) one whether its image is in the cache (a look at <cache>/images/<id>/*/manifest.json, no package
// resolution), for a simulated one whether its profile is calibrated against a real target or only modelled.
import type { Command } from 'commander';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { imagesDir, loadRecipe, type ImageManifest } from '../images/index.js';
import { knownTargets } from '../targets/index.js';
import { loadProfile, profileIds } from '../sim/profile.js';

export interface TargetRow {
  spec: string;
  kind: 'qemu' | 'sim';
  arch: string;
  release: string;
  status: string;
  description: string;
}

/** Built images of a recipe, newest first (a directory with a readable manifest.json). */
function cachedImages(id: string): ImageManifest[] {
  const dir = path.join(imagesDir(), id);
  let keys: string[];
  try {
    keys = readdirSync(dir);
  } catch {
    return [];
  }
  const out: ImageManifest[] = [];
  for (const key of keys) {
    try {
      out.push(JSON.parse(readFileSync(path.join(dir, key, 'manifest.json'), 'utf8')) as ImageManifest);
    } catch {
      // a build in progress or an abandoned one: not an image
    }
  }
  return out.sort((a, b) => (a.builtAt < b.builtAt ? 1 : -1));
}

export async function targetRows(): Promise<TargetRow[]> {
  const rows: TargetRow[] = [];
  for (const k of knownTargets) {
    const id = k.spec.replace(/^qemu:/, '');
    let arch = '?';
    let release = '?';
    try {
      const r = await loadRecipe(id);
      arch = r.arch;
      release = r.distro.id;
    } catch (e) {
      release = `(recipe: ${(e as Error).message})`;
    }
    const images = cachedImages(id);
    const status = images.length
      ? `image cached (key ${images[0]!.key}, kernel ${images[0]!.kernelRelease}${images.length > 1 ? `, ${images.length} builds` : ''})`
      : 'image not built (the first run builds it, about 1-2 min)';
    rows.push({ spec: k.spec, kind: 'qemu', arch, release, status, description: k.description });
  }
  for (const id of profileIds().sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const p = loadProfile(id);
    rows.push({
      spec: `sim:${id}`, kind: 'sim', arch: p.values.arch, release: p.distro.id,
      status: p.calibratedBy ? `calibrated (by ${p.calibratedBy})` : 'modelled (not measured here)',
      description: p.title,
    });
  }
  return rows;
}

function table(rows: TargetRow[]): string {
  const cols: (keyof TargetRow)[] = ['spec', 'kind', 'arch', 'release', 'status'];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]!))).join('  ');
  return [line(cols.map(String)), ...rows.map((r) => line(cols.map((c) => r[c])))].join('\n');
}

export function register(program: Command): void {
  program.command('targets')
    .description('list every target: kind (qemu: a real kernel, sim: the model), arch, release, and whether its image is cached or its profile calibrated or modelled')
    .option('--json', 'print the list as JSON')
    .action(async (opts: { json?: boolean }) => {
      const rows = await targetRows();
      process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${table(rows)}\n`);
    });
}

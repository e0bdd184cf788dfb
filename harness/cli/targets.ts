// `audit-harness targets`: every target a run accepts (coverage: the qemu and sim ones), with its kind, arch,
// release and status: for a real (qemu) one whether its image is in the cache and built from today's recipe, guest
// files and builder code (the sourcesHash its <cache>/images/<id>/*/manifest.json records; no package resolution:
// newer package versions are found when the image is used), for a Vagrant box (vms/vagrant/boxes.yaml) whether
// the box is made or downloaded (a look in the cache and VAGRANT_HOME: no vagrant, no libvirtd, no node-vagrant),
// for a simulated one whether its profile is calibrated against a real target or only modelled.
import type { Command } from 'commander';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sourcesHash } from '../images/build.js';
import { imagesDir, loadRecipe, type ImageManifest } from '../images/index.js';
import { knownTargets } from '../targets/index.js';
import { loadBoxes, type BoxEntry } from '../targets/vagrant/boxes.js';
import { LOCAL_BOX_FILE, localBoxesDir, VAGRANT_PREFIX, vagrantHome } from '../targets/vagrant/spec.js';
import { loadProfile, profileIds } from '../sim/profile.js';

export interface TargetRow {
  spec: string;
  kind: 'qemu' | 'vagrant' | 'sim';
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

/**
 * Whether the next run would reuse a cached image, as far as the inputs that need no apt tell (`sources`: today's
 * sourcesHash of the recipe, undefined when it does not load). A manifest without one was written by a builder
 * older than the one that records it: the builder's code is part of the key, so that image is stale too.
 */
function imageStatus(images: ImageManifest[], sources: string | undefined): string {
  if (!images.length) return 'image not built (the first run builds it, about 1-2 min)';
  const current = images.find((m) => sources !== undefined && m.sourcesHash === sources);
  if (current) return `image cached (key ${current.key}, kernel ${current.kernelRelease}${images.length > 1 ? `, ${images.length} builds` : ''})`;
  const why = images[0]!.sourcesHash === undefined ? 'built by an older image builder, before manifests recorded their inputs' : 'recipe, guest files or builder changed since';
  return `image cached but stale (${why}; the next run rebuilds it, about 1-2 min)`;
}

/** Entries of a directory, or none when it cannot be read. */
function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Where a box stands, read from the disk only. The local box: a box.box under <cache>/vagrant/boxes/<name>/<key>/
 * (harness/targets/vagrant/local-box.ts). A public one: a version directory under Vagrant's boxes/ in the
 * VAGRANT_HOME the harness gives vagrant (vagrant-target.ts), the box name's `/` spelled `-VAGRANTSLASH-`.
 */
function boxStatus(b: BoxEntry): string {
  const providers = b.providers.join(', ');
  if (b.local) {
    const dir = localBoxesDir(b.name);
    const keys = entries(dir).filter((k) => existsSync(path.join(dir, k, LOCAL_BOX_FILE)));
    return keys.length
      ? `box made here (key ${keys[0]}; ${providers})`
      : `box not made (the first run builds its image and the box; ${providers})`;
  }
  const versions = entries(path.join(vagrantHome(), 'boxes', b.box.replace(/\//g, '-VAGRANTSLASH-'))).filter((v) => v !== 'metadata_url');
  return versions.length
    ? `box ${b.box} downloaded (${versions.join(', ')}; ${providers})`
    : `box ${b.box} not downloaded (vagrant up fetches it; ${providers})`;
}

export async function targetRows(): Promise<TargetRow[]> {
  const rows: TargetRow[] = [];
  for (const k of knownTargets) {
    const id = k.spec.replace(/^qemu:/, '');
    let arch = '?';
    let release = '?';
    let sources: string | undefined;
    try {
      const r = await loadRecipe(id);
      arch = r.arch;
      release = r.distro.id;
      sources = await sourcesHash(r.text);
    } catch (e) {
      release = `(recipe: ${(e as Error).message})`;
    }
    const status = imageStatus(cachedImages(id), sources);
    rows.push({ spec: k.spec, kind: 'qemu', arch, release, status, description: k.description });
  }
  for (const b of loadBoxes()) {
    let release = '?';
    try {
      release = loadProfile(b.profile).distro.id; // the release whose profile the box calibrates
    } catch (e) {
      release = `(profile: ${(e as Error).message})`;
    }
    rows.push({
      spec: `${VAGRANT_PREFIX}${b.name}`, kind: 'vagrant', arch: b.arch, release, status: boxStatus(b),
      description: `${b.box}${b.local ? ', made on this machine' : ''} (${b.family}), through the top-level Vagrantfile`,
    });
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
    .description('list every target: kind (qemu: a real kernel, vagrant: a box of vms/vagrant/boxes.yaml, sim: the model), arch, release, and whether its image is cached and current (its recipe, guest files and builder code; package updates are found when the image is used), its box made or downloaded, or its profile calibrated or modelled')
    .option('--json', 'print the list as JSON')
    .action(async (opts: { json?: boolean }) => {
      const rows = await targetRows();
      process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : `${table(rows)}\n`);
    });
}

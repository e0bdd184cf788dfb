// `vagrant:NAME` target specs and where a box's files are, apart from boxes.ts and the driver: telling a spec's kind
// or a box's status needs no YAML, schema or vagrant (node's start for `vm exec qemu:…` loads neither, and
// `audit-harness targets` loads no driver).
import path from 'node:path';
import { cacheDir } from '../../paths.js';

export const VAGRANT_PREFIX = 'vagrant:';

export function isVagrantSpec(spec: string): boolean {
  return spec.trim().startsWith(VAGRANT_PREFIX);
}

/** A box made on this machine (local-box.ts): <cache>/vagrant/boxes/<name>/<key>/box.box, one key per build inputs. */
export function localBoxesDir(name: string): string {
  return path.join(cacheDir(), 'vagrant', 'boxes', name);
}
export const LOCAL_BOX_FILE = 'box.box';

/** The VAGRANT_HOME vagrant is given for a downloaded box, where it keeps them: the user's, else one in the cache. */
export function vagrantHome(): string {
  return process.env.VAGRANT_HOME ?? path.join(cacheDir(), 'vagrant', 'home');
}

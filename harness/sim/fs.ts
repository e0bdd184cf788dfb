// The filesystem of a release's guest as far as audit sees it, built from its profile (vms/profiles): merged or
// unmerged /usr, kmod and its tool links where the kmod package puts them, /bin/sh as the release links it, the
// harness's static loaders. Watches compare inodes, so every entry has one, and a symlink is an entry of its own.
import type { KmodLayout } from './profile.js';
import { SimUnsupported } from './processes.js';

export interface Entry {
  ino: number;
  kind: 'file' | 'symlink' | 'dir';
  /** Symlink target (relative to the link's directory, or absolute). */
  target?: string;
  /** Dynamically linked ELF: its exec also names the program interpreter. */
  dynamic?: boolean;
  mode: string;
}

/** What the filesystem is built from: the profile's facts, the images' fixtures. */
export interface FsLayout {
  usrMerge: boolean;
  sh: 'dash' | 'bash' | 'busybox';
  kmod: KmodLayout;
  /** The ELF program interpreter of the native programs. */
  interpreter: string;
  staticPrograms: readonly string[];
  files: readonly string[];
}

const MERGED = { '/bin': 'usr/bin', '/sbin': 'usr/sbin', '/lib': 'usr/lib', '/lib64': 'usr/lib64' };
// Where Debian and RHEL packages put the other programs the steps run (coreutils, util-linux, sudo, auditd); on a
// merged /usr both spellings are the same file.
const DYNAMIC = ['/bin/dash', '/bin/bash', '/usr/bin/sudo', '/usr/bin/setpriv', '/bin/mkdir', '/bin/ln', '/sbin/auditctl', '/sbin/unix_chkpwd'];
const DIRS = ['/', '/usr', '/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib64', '/usr/local', '/usr/local/bin', '/tmp', '/root'];

export class SimFs {
  private readonly entries = new Map<string, Entry>();
  private nextIno = 100;

  readonly interpreter: string;

  constructor(layout: FsLayout) {
    this.interpreter = layout.interpreter;
    for (const d of DIRS) this.add(d, { kind: 'dir', mode: '040755' });
    for (const [path, target] of Object.entries(MERGED)) {
      if (layout.usrMerge) this.add(path, { kind: 'symlink', target, mode: '0120777' });
      else this.add(path, { kind: 'dir', mode: '040755' });
    }
    this.mkdir('/lib/modules');
    if (layout.sh === 'busybox') throw new SimUnsupported('the profile\'s sh is busybox: busybox\'s applets are not modelled (fact sh)');
    for (const p of [...DYNAMIC, layout.kmod.kmod]) this.add(this.resolve(p), { kind: 'file', dynamic: true, mode: '0100755' });
    this.symlink('/bin/sh', layout.sh);
    for (const [path, target] of Object.entries(layout.kmod.links)) this.symlink(path, target);
    for (const p of layout.staticPrograms) this.add(this.resolve(p), { kind: 'file', mode: '0100755' });
    for (const p of layout.files) this.add(this.resolve(p), { kind: 'file', mode: '0100644' });
    this.add(this.resolve(layout.interpreter), { kind: 'file', mode: '0100755' });
  }

  /** stat() results, dropped whenever an entry changes (the battery and library resolve the same few paths). */
  private readonly resolved = new Map<string, string>();

  private add(path: string, e: Omit<Entry, 'ino'>): void {
    this.entries.set(path, { ...e, ino: this.nextIno++ });
    this.resolved.clear();
  }

  /** `ln -sf target path`. */
  symlink(path: string, target: string): void {
    this.entries.delete(this.resolveParent(path));
    this.resolved.clear();
    this.add(this.resolveParent(path), { kind: 'symlink', target, mode: '0120777' });
  }

  mkdir(path: string): void {
    const p = this.resolve(path);
    if (!this.entries.has(p)) this.add(p, { kind: 'dir', mode: '040755' });
  }

  exists(path: string): boolean {
    return this.entries.has(this.resolveParent(path));
  }

  /** The path with every directory component resolved, the last component kept as it is (lstat). */
  resolveParent(path: string): string {
    const i = path.lastIndexOf('/');
    const dir = i <= 0 ? '/' : this.resolve(path.slice(0, i));
    return `${dir === '/' ? '' : dir}/${path.slice(i + 1)}`;
  }

  /** The path with every symlink resolved (stat). */
  resolve(path: string, depth = 0): string {
    if (depth === 0) {
      const hit = this.resolved.get(path);
      if (hit !== undefined) return hit;
      const r = this.resolveUncached(path, 0);
      this.resolved.set(path, r);
      return r;
    }
    return this.resolveUncached(path, depth);
  }

  private resolveUncached(path: string, depth: number): string {
    if (depth > 40) throw new Error(`${path}: too many levels of symbolic links`);
    const parts = path.split('/').filter((p) => p !== '');
    let cur = '';
    for (const part of parts) {
      const next = `${cur}/${part}`;
      const e = this.entries.get(next);
      if (e?.kind === 'symlink') {
        const t = e.target!;
        cur = this.resolve(t.startsWith('/') ? t : `${cur}/${t}`, depth + 1);
      } else cur = next;
    }
    return cur === '' ? '/' : normalize(cur);
  }

  entry(canonical: string): Entry | undefined {
    return this.entries.get(canonical);
  }
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return `/${out.join('/')}`;
}

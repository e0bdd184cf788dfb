// The filesystem of the Debian 12 guest as far as audit sees it: merged /usr (/bin, /sbin, /lib are symlinks into
// /usr), the kmod tools as symlinks to /usr/bin/kmod, dash as /bin/sh, the harness's static loaders. Watches
// compare inodes, so every entry has one, and a symlink is an entry of its own.

export interface Entry {
  ino: number;
  kind: 'file' | 'symlink' | 'dir';
  /** Symlink target (relative to the link's directory, or absolute). */
  target?: string;
  /** Dynamically linked ELF: its exec also names the program interpreter. */
  dynamic?: boolean;
  mode: string;
}

const SYMLINKS: Record<string, string> = {
  '/bin': 'usr/bin', '/sbin': 'usr/sbin', '/lib': 'usr/lib', '/lib64': 'usr/lib64',
  '/usr/bin/sh': 'dash',
  '/usr/sbin/insmod': '../bin/kmod', '/usr/sbin/rmmod': '../bin/kmod', '/usr/sbin/modprobe': '../bin/kmod',
  '/usr/sbin/lsmod': '../bin/kmod', '/usr/sbin/depmod': '../bin/kmod', '/usr/sbin/modinfo': '../bin/kmod',
};
const DYNAMIC = ['/usr/bin/kmod', '/usr/bin/dash', '/usr/bin/bash', '/usr/bin/sudo', '/usr/bin/setpriv', '/usr/bin/mkdir', '/usr/bin/ln', '/usr/sbin/auditctl'];
const DIRS = ['/', '/usr', '/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib64', '/usr/local', '/usr/local/bin', '/tmp', '/root', '/lib/modules'];

export class SimFs {
  private readonly entries = new Map<string, Entry>();
  private nextIno = 100;

  constructor(readonly interpreter: string, staticPrograms: readonly string[], files: readonly string[]) {
    for (const d of DIRS) this.add(d, { kind: 'dir', mode: '040755' });
    for (const [path, target] of Object.entries(SYMLINKS)) this.add(path, { kind: 'symlink', target, mode: '0120777' });
    for (const p of DYNAMIC) this.add(p, { kind: 'file', dynamic: true, mode: '0100755' });
    for (const p of staticPrograms) this.add(p, { kind: 'file', mode: '0100755' });
    for (const p of files) this.add(this.resolve(p), { kind: 'file', mode: '0100644' });
    this.add(this.resolve(interpreter), { kind: 'file', mode: '0100755' });
  }

  private add(path: string, e: Omit<Entry, 'ino'>): void {
    this.entries.set(path, { ...e, ino: this.nextIno++ });
  }

  /** `ln -sf target path`. */
  symlink(path: string, target: string): void {
    this.entries.delete(this.resolveParent(path));
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

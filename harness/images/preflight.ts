// What a build needs from the host, checked before any work so the error says what to do.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** Host command -> Debian package that provides it (all in scripts/setup.sh). */
const TOOLS: Record<string, string> = {
  'apt-get': 'apt',
  'apt-cache': 'apt',
  'dpkg-deb': 'dpkg',
  tar: 'tar',
  gcc: 'gcc (+ gcc-multilib for -m32)',
  make: 'make',
  readelf: 'binutils',
  depmod: 'kmod',
  modinfo: 'kmod',
  xz: 'xz-utils',
  cpio: 'cpio',
  'ssh-keygen': 'openssh-client',
  dropbearkey: 'dropbear-bin',
  mknod: 'coreutils',
  chroot: 'coreutils',
  cp: 'coreutils',
};

async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    try {
      await access(path.join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

export async function checkBuildHost(recipeId: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(`building image ${recipeId} needs root (package owners and setuid bits, /dev/console); run as root or use a prebuilt cache`);
  }
  const missing: string[] = [];
  for (const [cmd, pkg] of Object.entries(TOOLS)) if (!(await onPath(cmd))) missing.push(`${cmd} (${pkg})`);
  if (missing.length) throw new Error(`building image ${recipeId} needs host commands that are missing: ${missing.join(', ')}; run scripts/setup.sh`);
}

// The guest root as Debian 12 lays it out: merged /usr (bin, sbin, lib[, lib64] are symlinks into
// usr/), packages unpacked with dpkg-deb into that tree (tar --keep-directory-symlink keeps the
// symlinks, so a package's ./sbin/insmod lands in usr/sbin/insmod), then what maintainer scripts
// would have created (users, /etc/shells, PAM common-* files, /var/run) written by hand. The accounts are
// guest-layout.ts's, which the simulator models too.
import { execa } from 'execa';
import { chmod, chown, copyFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DebArch } from '../debian/apt.js';
import { AUTOLOAD, GUEST_UID, GUEST_USER, guestAccountFiles, missingModelledAccounts } from './guest-layout.js';
import { generatePamCommonFiles } from './pam-config.js';

/** Directories that are symlinks into usr/ on a merged-/usr Debian 12 of this arch. */
export function mergedUsrLinks(arch: DebArch): string[] {
  return arch === 'amd64' ? ['bin', 'sbin', 'lib', 'lib64'] : ['bin', 'sbin', 'lib'];
}

/** Where the runtime linker finds libraries without ld.so.cache. */
export function libraryDirs(arch: DebArch): string[] {
  const triplet = arch === 'amd64' ? 'x86_64-linux-gnu' : 'i386-linux-gnu';
  // As `ld.so --help` lists them on Debian 12 (amd64 and i386); no ld.so.cache in the guest.
  return [`/lib/${triplet}`, `/usr/lib/${triplet}`, '/lib', '/usr/lib'];
}

/** Path of the busybox helper used by /init only: off PATH, so no applet shadows kmod, dash or coreutils. */
export const BUSYBOX_HELPER = '/usr/lib/audit-harness/busybox';

// Documentation and translations are what Debian's own slim images drop too (dpkg path-exclude).
const EXCLUDES = ['./usr/share/doc/*', './usr/share/man/*', './usr/share/info/*', './usr/share/locale/*', './usr/share/lintian/*'];

export async function createMergedUsrRoot(root: string, arch: DebArch): Promise<void> {
  await mkdir(path.join(root, 'usr'), { recursive: true });
  for (const d of mergedUsrLinks(arch)) {
    await mkdir(path.join(root, 'usr', d), { recursive: true });
    await symlink(`usr/${d}`, path.join(root, d));
  }
}

/** Unpacks with the package's owners (numeric: Debian's fixed ids, e.g. unix_chkpwd root:shadow setgid). */
export async function unpackDeb(deb: string, root: string, signal?: AbortSignal): Promise<void> {
  const excludes = EXCLUDES.map((e) => `--exclude=${e}`).join(' ');
  try {
    await execa('bash', ['-o', 'pipefail', '-c', `dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink --same-owner --numeric-owner ${excludes} -C "$2"`, 'unpack', deb, root], {
      cancelSignal: signal,
    });
  } catch (err) {
    throw new Error(`unpacking ${path.basename(deb)} failed: ${(err as { stderr?: string }).stderr || String(err)}`);
  }
}

export interface GuestConfig {
  hostname: string;
  authorizedKey: string;
  /** Dropbear host key file (dropbear format) to install. */
  hostKeyFile: string;
  /** Modules /init loads with modprobe. */
  drivers: string[];
  /** update-alternatives links (name -> target), as the packages' postinst would set them. */
  alternatives: Record<string, string>;
  initScript: string;
  poweroffScript: string;
}

/** Write what dpkg maintainer scripts and the installer would have written. */
export async function configureGuest(root: string, cfg: GuestConfig): Promise<void> {
  const p = (rel: string) => path.join(root, rel);
  const write = async (rel: string, text: string, mode = 0o644) => {
    await mkdir(path.dirname(p(rel)), { recursive: true });
    await writeFile(p(rel), text, { mode });
    await chmod(p(rel), mode);
  };

  // busybox-static's /bin/busybox would be on PATH: move it off, as the /init helper only.
  await mkdir(path.dirname(p(BUSYBOX_HELPER)), { recursive: true });
  await rename(p('usr/bin/busybox'), p(BUSYBOX_HELPER));

  // Users and groups: base-passwd's masters (what its postinst installs) plus the login user.
  const accounts = guestAccountFiles(
    await readFile(p('usr/share/base-passwd/passwd.master'), 'utf8'),
    await readFile(p('usr/share/base-passwd/group.master'), 'utf8'),
  );
  const missing = missingModelledAccounts(accounts);
  if (missing.length) throw new Error(`base-passwd's masters do not give the accounts the simulator models (harness/images/guest-layout.ts):\n  ${missing.join('\n  ')}`);
  const passwdLines = accounts.passwd.trimEnd().split('\n');
  const groupLines = accounts.group.trimEnd().split('\n');
  const day = 20000;
  await write('etc/passwd', accounts.passwd);
  await write('etc/group', accounts.group);
  // '*': no password login; dropbear (pubkey) and sudo NOPASSWD accept it, '!' would mean locked.
  await write('etc/shadow', passwdLines.map((l) => `${l.split(':')[0]}:*:${day}:0:99999:7:::`).join('\n') + '\n', 0o640);
  await write('etc/gshadow', groupLines.map((l) => `${l.split(':')[0]}:*::${l.split(':')[3] ?? ''}`).join('\n') + '\n', 0o640);
  const shadowGid = Number(groupLines.find((l) => l.startsWith('shadow:'))?.split(':')[2] ?? 42);
  await chown(p('etc/shadow'), 0, shadowGid);
  await chown(p('etc/gshadow'), 0, shadowGid);

  await write('etc/shells', '# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n/bin/dash\n/usr/bin/dash\n');
  await write('etc/hostname', `${cfg.hostname}\n`);
  await write('etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${cfg.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  await write('etc/nsswitch.conf', 'passwd: files\ngroup: files\nshadow: files\ngshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\nethers: files\nrpc: files\n');
  await symlink('../proc/self/mounts', p('etc/mtab'));
  await write('etc/timezone', 'Etc/UTC\n');
  await copyFile(p('usr/share/base-files/profile'), p('etc/profile'));
  for (const home of ['root', `home/${GUEST_USER}`]) {
    await mkdir(p(home), { recursive: true });
    await copyFile(p('usr/share/base-files/dot.bashrc'), p(`${home}/.bashrc`));
    await copyFile(p('usr/share/base-files/dot.profile'), p(`${home}/.profile`));
  }
  await chmod(p('root'), 0o700);
  await execa('chown', ['-R', `${GUEST_UID}:${GUEST_UID}`, p(`home/${GUEST_USER}`)]);
  await chmod(p(`home/${GUEST_USER}`), 0o755);

  for (const [name, target] of Object.entries(cfg.alternatives)) {
    await mkdir(p('etc/alternatives'), { recursive: true });
    await symlink(target, p(`etc/alternatives/${name}`));
    await symlink(`/etc/alternatives/${name}`, p(`usr/bin/${name}`));
  }

  // PAM: common-* as pam-auth-update builds them from /usr/share/pam-configs.
  for (const [name, text] of Object.entries(await generatePamCommonFiles(root))) await write(`etc/pam.d/${name}`, text);
  // sudo for the login user, non-interactively.
  await write('etc/sudoers.d/90-audit-harness', `${GUEST_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n`, 0o440);
  // Module autoloading (do: autoload): the alias the kernel's own modprobe looks up names the test module.
  await write(AUTOLOAD.conf.replace(/^\//, ''), AUTOLOAD.text);

  // SSH: root's key, dropbear's pinned host key.
  await mkdir(p('root/.ssh'), { recursive: true, mode: 0o700 });
  await chmod(p('root/.ssh'), 0o700);
  await write('root/.ssh/authorized_keys', cfg.authorizedKey.trim() + '\n', 0o600);
  await mkdir(p('etc/dropbear'), { recursive: true });
  await copyFile(cfg.hostKeyFile, p('etc/dropbear/dropbear_ed25519_host_key'));
  await chmod(p('etc/dropbear/dropbear_ed25519_host_key'), 0o600);

  // Directories systemd-tmpfiles / initscripts would provide.
  for (const d of ['run', 'tmp', 'proc', 'sys', 'dev', 'var/log/audit', 'var/lib/sudo', 'var/tmp', 'mnt', 'media', 'srv', 'opt']) {
    await mkdir(p(d), { recursive: true });
  }
  await chmod(p('tmp'), 0o1777);
  await chmod(p('var/tmp'), 0o1777);
  await rm(p('var/run'), { recursive: true, force: true });
  await symlink('/run', p('var/run'));
  await rm(p('var/lock'), { recursive: true, force: true });
  await symlink('/run/lock', p('var/lock'));
  // The kernel opens /dev/console for /init before devtmpfs is mounted.
  await execa('mknod', ['-m', '600', p('dev/console'), 'c', '5', '1']);

  await write('etc/audit-harness/drivers', cfg.drivers.join('\n') + '\n');
  await write('init', cfg.initScript, 0o755);
  await write('usr/local/sbin/poweroff', cfg.poweroffScript, 0o755);
}

// The guest as the images lay it out and the simulator models it: the accounts, where the test modules and the
// loaders are. The builder (assemble.ts, rootfs.ts) creates the guest from these, the sim: targets
// (harness/sim/run.ts, session.ts) model it from them, so the two cannot drift apart. Type imports only: `vm exec`
// and the simulator load this, and must not load yaml, zod or the builder (issue 16).
import type { Compression } from '../releases/facts.js';
import type { GuestArch, TargetFixtures } from '../targets/target.js';

/** The guest's login user, whose session has auid 1000 (Debian's first user). */
export const GUEST_USER = 'tester';
export const GUEST_UID = 1000;

/**
 * The base-passwd master entries the model names (Debian's fixed ids: root 0, sudo 27), in the masters' own form
 * ('*' for the password). The builder checks that the guest it makes from the release's masters has the lines the
 * model makes from these (missingModelledAccounts).
 */
const BASE_PASSWD_ENTRIES = ['root:*:0:0:root:/root:/bin/bash'];
const BASE_GROUP_ENTRIES = ['root:*:0:', 'sudo:*:27:'];

/**
 * /etc/passwd and /etc/group from base-passwd's masters, as its postinst installs them and shadowconfig leaves them
 * ('x' in the password field), plus the login user as adduser adds it (its own group, a member of sudo). root's
 * shell is bash, as Debian's installer leaves it.
 */
export function guestAccountFiles(passwdMaster: string, groupMaster: string): { passwd: string; group: string } {
  const shadowed = (l: string) => l.split(':').map((f, i) => (i === 1 ? 'x' : f)).join(':');
  const passwdLines = passwdMaster.trimEnd().split('\n').map((l) => (l.startsWith('root:') ? 'root:x:0:0:root:/root:/bin/bash' : shadowed(l)));
  passwdLines.push(`${GUEST_USER}:x:${GUEST_UID}:${GUEST_UID}:${GUEST_USER},,,:/home/${GUEST_USER}:/bin/bash`);
  const groupLines = groupMaster
    .trimEnd()
    .split('\n')
    .map(shadowed)
    .map((l) => (l.startsWith('sudo:') ? `${l}${l.endsWith(':') ? '' : ','}${GUEST_USER}` : l));
  groupLines.push(`${GUEST_USER}:x:${GUEST_UID}:`);
  return { passwd: passwdLines.join('\n') + '\n', group: groupLines.join('\n') + '\n' };
}

/** The accounts the simulator models (the names `ausearch -i` gives its ids): guestAccountFiles's lines for root, sudo and the login user. */
export function modelledAccountFiles(): { passwd: string; group: string } {
  return guestAccountFiles(BASE_PASSWD_ENTRIES.join('\n'), BASE_GROUP_ENTRIES.join('\n'));
}

/** The modelled account lines a guest's /etc/passwd and /etc/group lack (none for the images' guests). */
export function missingModelledAccounts(files: { passwd: string; group: string }): string[] {
  const modelled = modelledAccountFiles();
  const missing = (model: string, actual: string, file: string) => {
    const have = new Set(actual.split('\n'));
    return model.trimEnd().split('\n').filter((l) => !have.has(l)).map((l) => `${file}: ${l}`);
  };
  return [...missing(modelled.passwd, files.passwd, '/etc/passwd'), ...missing(modelled.group, files.group, '/etc/group')];
}

/** The test module's name (vms/module/audit_test_mod.c), and that of the same source built for the xz file. */
export const TEST_MODULE_NAME = 'audit_test_mod';
export const TEST_MODULE_XZ_NAME = 'audit_test_mod_xz';

/** A module file's suffix for how it is compressed, as kmod names them. */
export function moduleSuffix(compression: Compression): string {
  return { none: '.ko', xz: '.ko.xz', zstd: '.ko.zst', gzip: '.ko.gz' }[compression];
}

/** The directory of the test modules: extra/ of the release's module tree, where modprobe and depmod find them. */
export function testModuleDir(release: string): string {
  return `/lib/modules/${release}/extra`;
}

/**
 * Module autoloading: a socket() of an address family no module has registered makes the kernel run
 * `/sbin/modprobe -q -- net-pf-N` itself (request_module in net/socket.c's __sock_create), whoever called socket(),
 * unprivileged users included. Family 13 (AF_NETBEUI) was never implemented in Linux, so no kernel answers
 * net-pf-13; econet's 19, free since Linux 3.5, is one that hardening configurations turn off (`alias net-pf-19 off`,
 * as Ubuntu's kmod is said to ship; not checked here), which would make the model's Ubuntu profiles wrong. The
 * guest's modprobe.d aliases net-pf-13 to the test module as the release ships it, standing for any module of the
 * distribution a protocol family autoloads. `do: autoload` steps make that socket() call.
 */
const AUTOLOAD_FAMILY = 13;
export const AUTOLOAD = {
  family: AUTOLOAD_FAMILY,
  alias: `net-pf-${AUTOLOAD_FAMILY}`,
  conf: '/etc/modprobe.d/audit-harness-autoload.conf',
  /** The conf file's text (modprobe.d(5) alias). */
  text: `# audit-harness: socket(${AUTOLOAD_FAMILY}, ...) makes the kernel load the test module (do: autoload steps)\nalias net-pf-${AUTOLOAD_FAMILY} ${TEST_MODULE_NAME}\n`,
} as const;

/** The module of the kernel package itself that steps load (`module: stock`), and where the package ships it. */
export const STOCK_MODULE = { name: 'dummy', treePath: 'kernel/drivers/net/dummy' };

/** The static loaders (vms/loader): the native one, and on a 64-bit kernel a 32-bit one too. */
const NATIVE_LOADER = '/usr/local/bin/audit-harness-loader';
const COMPAT_LOADER = '/usr/local/bin/audit-harness-loader32';

export function guestLoaders(arch: GuestArch): { loader64?: string; loader32: string } {
  return arch === 'x86_64' ? { loader64: NATIVE_LOADER, loader32: COMPAT_LOADER } : { loader32: NATIVE_LOADER };
}

/**
 * Where the guest keeps what scenarios load and run, for a kernel release, how it ships its modules and its arch:
 * the manifest's `guest`, and the simulator's fixtures.
 */
export function guestFixtures(release: string, compression: Compression, arch: GuestArch): TargetFixtures {
  const { loader64, loader32 } = guestLoaders(arch);
  return {
    // Compressed as the kernel package ships its own modules.
    testModule: `${testModuleDir(release)}/${TEST_MODULE_NAME}${moduleSuffix(compression)}`,
    // Uncompressed and outside the module tree: what a user's own out-of-tree build is.
    testModuleKo: `/usr/local/lib/audit-harness/${TEST_MODULE_NAME}.ko`,
    testModuleXz: `${testModuleDir(release)}/${TEST_MODULE_XZ_NAME}${moduleSuffix('xz')}`,
    stockModule: { name: STOCK_MODULE.name, file: `/lib/modules/${release}/${STOCK_MODULE.treePath}${moduleSuffix(compression)}` },
    ...(loader64 ? { loader64 } : {}),
    loader32,
    user: GUEST_USER,
  };
}

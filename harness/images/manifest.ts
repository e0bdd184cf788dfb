// What an image build leaves in the cache and what QemuTarget boots from.
import type { GuestArch } from '../targets/target.js';

export interface ImageManifest {
  /** Recipe id, e.g. debian12-amd64. */
  id: string;
  arch: GuestArch;
  distro: { id: string; family: 'debian' | 'rhel' | 'ubuntu' | 'other' };
  /** e.g. qemu-system-x86_64 */
  qemuBinary: string;
  /** qemu -machine value, e.g. q35 or microvm or pc. */
  machine: string;
  /** qemu -cpu value under TCG. */
  cpu: string;
  memoryMiB: number;
  /** Kernel command line (console=ttyS0 ... audit=1). */
  append: string;
  kernelRelease: string;
  /** Exact Debian package versions that went in (name -> version). */
  packages: Record<string, string>;
  /** Cache key: hash of packages, recipe and sources. */
  key: string;
  /** Files inside the image directory. */
  files: {
    kernel: string;
    initrd: string;
    /** Private key (OpenSSH format) the harness logs in with as root. */
    clientKey: string;
    /** The guest's SSH host key, OpenSSH public-key line, pinned at build. */
    hostKeyPub: string;
  };
  /** Paths inside the guest that scenarios use. */
  guest: {
    /** Uncompressed test module file, e.g. /lib/modules/<rel>/extra/audit_test_mod.ko */
    testModule: string;
    /** xz-compressed copy built from the same source (module name audit_test_mod_xz). */
    testModuleXz: string;
    /** Static loaders: native arch, and 32-bit (same as native on i686). */
    loader64?: string;
    loader32: string;
    /** Login user with uid 1000. */
    user: string;
  };
  builtAt: string;
}

export interface BuiltImage {
  /** Absolute directory holding the files of the manifest. */
  dir: string;
  manifest: ImageManifest;
}

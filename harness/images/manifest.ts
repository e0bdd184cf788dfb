// What an image build leaves in the cache and what QemuTarget boots from.
import type { StatedFacts } from '../releases/facts.js';
import type { GuestArch, TargetFixtures } from '../targets/target.js';

/** The guest's login user (guest-layout.ts states the guest's accounts and paths). */
export { GUEST_USER, GUEST_UID } from './guest-layout.js';
/** The manifest's name inside an image directory. */
export const MANIFEST_FILE = 'manifest.json';

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
  /** Cache key: hash of sourcesHash, the exact package versions and the toolchain. */
  key: string;
  /**
   * The key's part that needs no apt (build.ts sourcesHash: recipe text, vms/module|loader|guest, builder code), for
   * `targets` to tell a stale image cheaply; absent from images built before it was recorded.
   */
  sourcesHash?: string;
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
  guest: TargetFixtures;
  /** The release's facts as the recipe states them, with their sources (a test checks them against the booted guest). */
  facts: StatedFacts;
  builtAt: string;
}

export interface BuiltImage {
  /** Absolute directory holding the files of the manifest. */
  dir: string;
  manifest: ImageManifest;
}

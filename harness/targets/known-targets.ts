// The qemu: targets, as data with no imports: scenario loading (applicability.ts) checks `applies.images` against
// them without loading the image builder or the qemu driver that index.ts brings.
export interface KnownTarget {
  spec: string;
  description: string;
}

export const knownTargets: readonly KnownTarget[] = [
  { spec: 'qemu:debian12-amd64', description: 'Debian 12, linux-image-cloud-amd64 (x86_64), qemu-system-x86_64' },
  { spec: 'qemu:debian12-i686', description: 'Debian 12, linux-image-686 (i686), qemu-system-i386' },
  { spec: 'qemu:debian11-amd64', description: 'Debian 11, linux-image-cloud-amd64 5.10 (x86_64), qemu-system-x86_64' },
  { spec: 'qemu:debian11-i686', description: 'Debian 11, linux-image-686 5.10 (i686), qemu-system-i386' },
  { spec: 'qemu:debian12bpo-amd64', description: 'Debian 12 with the bookworm-backports kernel, linux-image-cloud-amd64 6.12 (x86_64), qemu-system-x86_64' },
  { spec: 'qemu:debian13-amd64', description: 'Debian 13, linux-image-cloud-amd64 6.12 (x86_64), qemu-system-x86_64' },
];

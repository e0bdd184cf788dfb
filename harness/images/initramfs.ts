// The guest root packed as a newc cpio, zstd-compressed (CONFIG_RD_ZSTD=y in Debian's kernels).
import { execa } from 'execa';

export async function packInitramfs(root: string, out: string, signal?: AbortSignal): Promise<void> {
  // Sorted names and --reproducible keep the archive stable for the same inputs.
  await execa(
    'bash',
    ['-o', 'pipefail', '-c', 'cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null --reproducible -o -H newc --quiet | zstd -q -12 -T2 -o "$2"', 'pack', root, out],
    { cancelSignal: signal },
  );
}

/** Unpacks an initramfs made by packInitramfs into dir (for inspection and tests). */
export async function unpackInitramfs(file: string, dir: string): Promise<void> {
  await execa('bash', ['-o', 'pipefail', '-c', 'cd "$2" && zstd -dc "$1" | cpio -idm --quiet --no-absolute-filenames', 'unpack', file, dir]);
}

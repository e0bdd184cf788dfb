// audit-userspace 3.0.9's source, for the generators that read its C table headers (gen-tables.ts,
// scripts/gen-rule-names.ts) and the test that checks their committed output. It is Debian's own copy of upstream's
// release tarball (docs/SOURCES.md [S24]), the source of bookworm's auditd 1:3.0.9-1 that tools.ts unpacks: fetched
// once from the archive pool into the cache, its sha256 checked against Debian's source package before it is written.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { withDir } from 'tmp-promise';
import { debianMirrors } from '../debian/apt.js';
import { cacheDir } from '../paths.js';
import { writeFileAtomic } from '../scenarios/report/atomic-write.js';

/**
 * audit_3.0.9.orig.tar.gz, its size and sha256 as Debian's audit_3.0.9-1.dsc lists them (Checksums-Sha256):
 * https://deb.debian.org/debian/pool/main/a/audit/audit_3.0.9-1.dsc
 */
export const AUDIT_SOURCE = {
  url: (mirror: string) => `${mirror}/pool/main/a/audit/audit_3.0.9.orig.tar.gz`,
  file: 'audit_3.0.9.orig.tar.gz',
  bytes: 1210655,
  sha256: 'fd9570444df1573a274ca8ba23590082298a083cfc0618138957f590e845bc78',
  /** The directory the tarball unpacks to. */
  topDir: 'audit-3.0.9',
} as const;

/** Where the tarball is kept once fetched and checked. */
export const auditSourceTarballPath = () => path.join(cacheDir(), 'sources', AUDIT_SOURCE.file);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** `data` if it is the tarball Debian lists, else an error naming `from`. */
export function checkedAuditSource(data: Buffer, from: string): Buffer {
  const got = sha256(data);
  if (got !== AUDIT_SOURCE.sha256) {
    throw new Error(
      `${from}: sha256 ${got} (${data.length} bytes), but Debian's audit_3.0.9-1.dsc says ` +
        `${AUDIT_SOURCE.sha256} (${AUDIT_SOURCE.bytes} bytes): not audit 3.0.9's source`,
    );
  }
  return data;
}

async function download(): Promise<string> {
  const file = auditSourceTarballPath();
  const cachedCopy = await readFile(file).catch(() => undefined);
  if (cachedCopy) {
    checkedAuditSource(cachedCopy, `${file} (remove it to download it again)`);
    return file;
  }
  const url = AUDIT_SOURCE.url((await debianMirrors()).debian);
  let data: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    data = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    const e = err as Error & { cause?: Error };
    throw new Error(`could not download ${url}: ${e.cause?.message ?? e.message}`);
  }
  checkedAuditSource(data, url);
  // whole or not at all, under a temp name of this process's own (parallel test processes fetch it too)
  await writeFileAtomic(file, data);
  return file;
}

let fetched: Promise<string> | undefined;

/** The checked tarball in the cache, downloaded from the host's Debian mirror on first use. */
export async function auditSourceTarball(): Promise<string> {
  fetched ??= download().catch((err: unknown) => {
    fetched = undefined;
    throw err;
  });
  return fetched;
}

/** Runs `use` on the source tree unpacked into a temp dir, which is removed afterwards whatever happens. */
export async function withAuditSource<T>(use: (src: string) => T | Promise<T>): Promise<T> {
  const tarball = await auditSourceTarball();
  return withDir(
    async ({ path: dir }) => {
      await execa('tar', ['-xzf', tarball, '-C', dir]);
      return use(path.join(dir, AUDIT_SOURCE.topDir));
    },
    { prefix: 'audit-source-', unsafeCleanup: true },
  );
}

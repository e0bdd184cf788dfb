// Reports are written whole or not at all: a reader (CI, another tool) never sees half a file, nor, for a set of
// files written together, some of them new and some missing.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface FileText {
  file: string;
  data: string;
}

/** Writes data to a new temp file beside `file` (same directory, so the rename is atomic); returns its path. */
async function writeTemp({ file, data }: FileText): Promise<string> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return tmp;
}

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await writeFilesAtomic([{ file, data }]);
}

/**
 * Writes every file to a temp file first, and renames them into place only when all were written: a failure
 * (disk full, a path under a file) leaves the files as they were and no temp file behind.
 */
export async function writeFilesAtomic(files: readonly FileText[]): Promise<void> {
  const temps: string[] = [];
  try {
    for (const f of files) temps.push(await writeTemp(f));
    // The one thing that makes a rename in the same directory fail: a directory where the file goes.
    for (const f of files) {
      if ((await lstat(f.file).catch(() => undefined))?.isDirectory()) throw new Error(`${f.file}: is a directory`);
    }
    for (const [i, f] of files.entries()) await rename(temps[i]!, f.file);
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw err;
  }
}

// Reports, and a download kept in the cache, are written whole or not at all: a reader (CI, another tool) never sees
// half a file, nor, for a set of files written together, some of them new and some missing; a directory made of many
// files (repro's) likewise.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { registerCleanup } from '../../targets/cleanup.js';

export interface FileText {
  file: string;
  /** Text (written as UTF-8) or bytes. */
  data: string | Uint8Array;
}

/** A temp name beside `file` (same directory: a rename to `file` is atomic), its own to this process. */
export const tempBeside = (file: string) => join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/** Writes data to a new temp file beside `file` (same directory, so the rename is atomic); returns its path. */
async function writeTemp({ file, data }: FileText): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = tempBeside(file);
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

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
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

/** Why `dir` cannot be made new: it is a file, or a directory with something in it (never replaced). */
async function notNew(dir: string): Promise<string | undefined> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isDirectory()) return `${dir}: exists and is not a directory`;
  if ((await readdir(dir)).length) return `${dir}: exists and is not empty (name a new directory)`;
  return undefined;
}

/**
 * Makes the new directory `dir` whole or not at all: `fill` writes its contents into a temp directory beside it,
 * renamed to `dir` once fill returned. A failure, or Ctrl-C, leaves neither the temp directory nor any parent it
 * created. `dir` may be missing or empty; a directory with contents is refused, never replaced.
 */
export async function writeDirAtomic<T>(dir: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  const refused = await notNew(dir);
  if (refused) throw new Error(refused);
  const created = await mkdir(dirname(dir), { recursive: true });
  let tmp: string | undefined = tempBeside(dir);
  const undo = () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (created) rmSync(created, { recursive: true, force: true });
  };
  const unregister = registerCleanup(undo);
  try {
    await mkdir(tmp);
    const value = await fill(tmp);
    const late = await notNew(dir);
    if (late) throw new Error(late);
    await rename(tmp, dir);
    tmp = undefined;
    return value;
  } catch (err) {
    undo();
    throw err;
  } finally {
    unregister();
  }
}

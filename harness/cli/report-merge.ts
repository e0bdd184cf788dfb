// `audit-harness report merge DIR...`: one report from the outputs of several runs (CI shards), each DIR holding
// the results.json a `run` wrote. Writes junit.xml, results.json and the coverage matrix for the whole, copies each
// DIR's logs/ to OUT/logs/<n>/ (replacing an earlier merge's), and exits as `run` would have on the merged results.
import { renameSync, rmdirSync, rmSync } from 'node:fs';
import { cp, mkdir, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { mergeRuns } from '../scenarios/report/merge.js';
import { tempBeside, writeFilesAtomic, type FileText } from '../scenarios/report/atomic-write.js';
import { parseReporters, readJson, renderReports, REPORT_FILES, shownPath } from '../scenarios/report/index.js';
import { registerCleanup } from '../targets/cleanup.js';
import { EXIT } from './run.js';

interface MergeFlags {
  out: string;
  reporter: string;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/**
 * Puts each input's logs/ at OUT/logs/<n> and writes the reports, all or nothing: the logs are copied into a temp
 * directory in OUT first, swapped in (an earlier merge's logs/<n> set aside), then the reports are written. If
 * anything fails, or on Ctrl-C, the logs set aside go back and OUT is as it was (a directory this made is removed).
 */
async function writeWithLogs(outDir: string, dirs: string[], files: FileText[]): Promise<void> {
  const made = await mkdir(outDir, { recursive: true });
  const logsDir = join(outDir, 'logs');
  const staging = tempBeside(logsDir);
  let madeLogs = false;
  /** logs/<n> put in place, and where the one it replaced was set aside. */
  const swapped: Array<{ to: string; old?: string }> = [];
  let done = false;
  // Synchronous, so that the same undo runs on a signal (targets/cleanup.ts); each step best effort, last swap first.
  const undo = () => {
    const attempt = (f: () => void) => { try { f(); } catch { /* the rest must still run */ } };
    if (!done) {
      for (const s of swapped.reverse()) {
        attempt(() => rmSync(s.to, { recursive: true, force: true }));
        if (s.old) attempt(() => renameSync(s.old!, s.to));
      }
      if (madeLogs) attempt(() => rmdirSync(logsDir));
      if (made) attempt(() => rmSync(made, { recursive: true, force: true }));
    }
    attempt(() => rmSync(staging, { recursive: true, force: true }));
  };
  const unregister = registerCleanup(undo);
  try {
    await mkdir(join(staging, 'old'), { recursive: true });
    const staged: string[] = [];
    for (const [i, d] of dirs.entries()) {
      const from = join(resolve(d), 'logs');
      if (!(await exists(from))) continue;
      const n = String(i + 1);
      const into = join(staging, 'new', n);
      await cp(from, into, { recursive: true }).catch((err: Error) => {
        // fs.cp names the file by where it was going, the temp directory: name it where it is.
        throw new Error(`${d}: its logs cannot be copied to ${join(logsDir, n)}: ${err.message.split(into).join(from)}`);
      });
      staged.push(n);
    }
    if (staged.length && !(await exists(logsDir))) {
      await mkdir(logsDir);
      madeLogs = true;
    }
    for (const n of staged) {
      const to = join(logsDir, n);
      const old = (await exists(to)) ? join(staging, 'old', n) : undefined;
      if (old) await rename(to, old);
      swapped.push({ to, old });
      await rename(join(staging, 'new', n), to);
    }
    await writeFilesAtomic(files);
    done = true;
  } finally {
    undo();
    unregister();
  }
}

async function merge(dirs: string[], flags: MergeFlags): Promise<void> {
  const reporters = parseReporters(flags.reporter).filter((r) => r !== 'console');
  const outDir = resolve(flags.out);
  // Everything is read, checked, merged and rendered before anything is written under --out: a broken input
  // (readJson names the file and the place in its JSON) or overlapping shards leave --out as it was (exit 2, cli.ts).
  const inputs = [];
  for (const d of dirs) {
    const file = join(resolve(d), REPORT_FILES.json);
    if (!(await exists(file))) throw new Error(`${d}: no ${REPORT_FILES.json} (run with --reporter json writes it)`);
    inputs.push({ source: file, run: await readJson(file) });
  }
  if (inputs.some((i) => resolve(i.source) === join(outDir, REPORT_FILES.json))) throw new Error(`--out ${flags.out} is one of the inputs`);
  const run = mergeRuns(inputs);
  const files = renderReports(run, reporters, outDir);
  await writeWithLogs(outDir, dirs, files);
  for (const f of files) process.stderr.write(`wrote ${shownPath(flags.out, f.file)}\n`);
  const counts = new Map<string, number>();
  for (const r of run.results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  process.stderr.write(`audit-harness: merged ${run.results.length} result(s) of ${run.targets.length} target(s) from ${dirs.length} run(s): ${[...counts].map(([o, n]) => `${n} ${o}`).join(', ')}\n`);
  process.exitCode = counts.has('fail') ? EXIT.fail : counts.has('error') ? EXIT.infra : EXIT.ok;
}

export function register(program: Command): void {
  const report = program.command('report').description('work with the reports runs wrote');
  report
    .command('merge')
    .description('merge the results of several runs (CI shards) into one junit.xml, results.json and coverage matrix')
    .argument('<dirs...>', 'output directories of `run` (each with results.json)')
    .option('-o, --out <dir>', 'where the merged reports go', 'out')
    .option('-r, --reporter <names>', 'junit, json, matrix (comma-separated)', 'junit,json,matrix')
    .action((dirs: string[], flags: MergeFlags) => merge(dirs, flags));
}

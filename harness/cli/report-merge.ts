// `audit-harness report merge DIR...`: one report from the outputs of several runs (CI shards), each DIR holding
// the results.json a `run` wrote. Writes junit.xml, results.json and the coverage matrix for the whole, copies each
// DIR's logs/ to OUT/logs/<n>/, and exits as `run` would have on the merged results.
import { cp, mkdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { mergeRuns } from '../scenarios/report/merge.js';
import { writeFilesAtomic } from '../scenarios/report/atomic-write.js';
import { parseReporters, readJson, renderReports, REPORT_FILES } from '../scenarios/report/index.js';
import { EXIT } from './run.js';

interface MergeFlags {
  out: string;
  reporter: string;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
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
  // The logs first, the reports last and together (temp files renamed into place once all are written).
  for (const [i, d] of dirs.entries()) {
    const logs = join(resolve(d), 'logs');
    if (await exists(logs)) await cp(logs, join(outDir, 'logs', String(i + 1)), { recursive: true });
  }
  await mkdir(outDir, { recursive: true });
  await writeFilesAtomic(files);
  for (const f of files) process.stderr.write(`wrote ${relative(process.cwd(), f.file) || f.file}\n`);
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

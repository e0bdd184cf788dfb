// `audit-harness repro`: one finding of a results.json as a directory someone without audit-harness can rerun.
import type { Command } from 'commander';
import { shownPath } from '../scenarios/report/index.js';
import { writeRepro } from '../repro/write.js';

interface ReproFlags {
  results: string;
  scenario: string;
  step?: string;
  target?: string;
  out: string;
}

export function register(program: Command): void {
  program.command('repro')
    .description('write a self-contained directory (repro.sh, rules, expected and actual records, facts, README) for one finding of a results.json')
    .requiredOption('--results <file>', 'results.json of a run')
    .requiredOption('--scenario <id>', 'scenario id')
    .option('--step <id>', 'step id (default: the first step with a gap or a failure)')
    .option('--target <spec>', 'target, when the scenario ran on several')
    .requiredOption('--out <dir>', 'directory to write (new or empty; written whole or not at all)')
    .action(async (flags: ReproFlags) => {
      const r = await writeRepro(flags);
      process.stderr.write(`wrote ${shownPath(flags.out, r.dir)} (${r.finding.result.scenarioId}, step ${r.finding.step.id}, ${r.finding.result.target})\n`);
      // The commands that rerun it, one a line on stdout (for a qemu: or vagrant: finding, the one `vm exec`), each
      // with what it does on stderr.
      for (const c of r.reruns.commands) {
        process.stderr.write(`${c.what}:\n`);
        process.stdout.write(`${c.command}\n`);
        if (c.then) process.stderr.write(`${c.then}\n`);
      }
      for (const n of r.reruns.notes) process.stderr.write(`not offered: ${n}\n`);
    });
}

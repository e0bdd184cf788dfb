import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { repoRoot } from '../paths.js';
import { findScenarioFiles, loadScenario, ScenarioFileError } from '../scenarios/load.js';
import { planScenarios } from '../scenarios/plan.js';
import { createConsoleReporter, parseReporters, shownPath, writeReports } from '../scenarios/report/index.js';
import { runScenarios } from '../scenarios/runner.js';
import { knownTargets } from '../targets/index.js';
import { loadBoxes } from '../targets/vagrant/boxes.js';
import { VAGRANT_PREFIX } from '../targets/vagrant/spec.js';
import { simTargets } from '../sim/run.js';

/**
 * Exit statuses of `run`: 1 an expectation failed, 2 bad usage or scenario files, 3 no expectation failed but a
 * scenario ended in error (a guest that did not boot or lost ssh, or a step a sim: profile does not model).
 */
export const EXIT = { ok: 0, fail: 1, usage: 2, infra: 3 } as const;

const usage = (msg: string): never => {
  process.exitCode = EXIT.usage;
  throw new Error(msg);
};

interface RunFlags {
  target: string;
  reporter: string;
  out: string;
  shard?: string;
  grep?: string;
  parallel?: string;
  keep?: boolean;
}

async function run(paths: string[], flags: RunFlags): Promise<void> {
  const targets = flags.target.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const known = [...knownTargets.map((k) => k.spec), ...simTargets(), ...loadBoxes().map((b) => `${VAGRANT_PREFIX}${b.name}`)];
  const unknown = targets.filter((t) => !known.includes(t));
  if (targets.length === 0 || unknown.length) usage(`--target: unknown ${unknown.join(', ') || '(none given)'}; known: ${known.join(', ')}`);
  let reporters;
  try {
    reporters = parseReporters(flags.reporter);
  } catch (e) {
    return usage(`--reporter: ${(e as Error).message}`);
  }
  const parallel = flags.parallel === undefined ? undefined : Number(flags.parallel);
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel >= 1)) usage(`--parallel ${flags.parallel}: expected a whole number >= 1`);
  let plan;
  try {
    plan = await planScenarios(paths.length ? paths : [join(repoRoot, 'scenarios')], { grep: flags.grep, shard: flags.shard });
  } catch (e) {
    return usage((e as Error).message);
  }
  if (plan.problems.length) usage(`${plan.problems.length} scenario file(s) cannot run:\n${plan.problems.join('\n')}`);
  if (plan.scenarios.length === 0) usage('no scenario selected');
  const outDir = resolve(flags.out);
  await mkdir(outDir, { recursive: true });
  const console_ = reporters.includes('console') ? createConsoleReporter({ stream: process.stdout }) : undefined;
  process.stderr.write(`audit-harness: ${plan.scenarios.length} scenario(s) on ${targets.join(', ')}\n`);
  const result = await runScenarios({
    targets, scenarios: plan.scenarios, ...(parallel ? { parallel } : {}), logsDir: join(outDir, 'logs'),
    ...(flags.keep ? { vagrant: { keep: true } } : {}),
    hooks: {
      targetStarted: (n) => console_?.targetStarted(n),
      targetReady: (i) => console_?.targetReady(i),
      scenarioStarted: (t, id) => console_?.scenarioStarted(t, id),
      scenarioFinished: (r) => console_?.scenarioFinished(r),
      targetFailed: (i) => console_?.targetFailed(i),
      // Image builds take a minute on first use, vagrant up minutes: say what is happening.
      progress: (t, step, detail) => {
        if (/^image (?!resolve|cached)|^retry|^(vagrant|vagrant up|provision|destroy|keep|libvirtd|box|ssh)$/.test(step)) process.stderr.write(`[${t}] ${step}${detail ? `: ${detail}` : ''}\n`);
      },
    },
  });
  console_?.runFinished(result);
  const written = await writeReports(result, { reporters: reporters.filter((r) => r !== 'console'), outDir });
  for (const f of written) process.stderr.write(`wrote ${shownPath(flags.out, f)}\n`);
  const outcomes = new Set(result.results.map((r) => r.outcome));
  process.exitCode = outcomes.has('fail') ? EXIT.fail : outcomes.has('error') ? EXIT.infra : EXIT.ok;
}

/** The vagrant: specs for help; a broken boxes.yaml is run's usage error (above), not a crash of --help. */
function vagrantSpecsForHelp(): string {
  try {
    return loadBoxes().map((b) => `${VAGRANT_PREFIX}${b.name}`).join(', ');
  } catch {
    return `${VAGRANT_PREFIX}NAME`;
  }
}

// `run` runs scenarios on targets; `list` prints id, title and applicability of every scenario file.
export function register(program: Command): void {
  program.command('run [paths...]')
    .description('run scenarios (files or directories; default scenarios/) on targets and write reports')
    .option('-t, --target <specs>', `comma-separated targets (audit-harness targets lists them): ${knownTargets.map((k) => k.spec).join(', ')} (real kernels in qemu), ${vagrantSpecsForHelp()} (Vagrant boxes of vms/vagrant/boxes.yaml), ${simTargets().join(', ')} (the model, no boot)`, knownTargets.map((k) => k.spec).join(','))
    .option('-r, --reporter <names>', 'console, junit, json, matrix (comma-separated)', 'console,junit,json,matrix')
    .option('-o, --out <dir>', 'where junit.xml, results.json, coverage-matrix.{md,html} and logs/ (each boot\'s audit.log) go', 'out')
    .option('--shard <I/N>', 'run only the I-th of N slices of the selected scenarios')
    .option('-g, --grep <regex>', 'only scenarios whose id or title matches')
    .option('-j, --parallel <n>', 'targets booted at once (default: min(targets, cores))')
    .option('--keep', 'vagrant: targets only: leave the box running after the run (prints how to destroy it); qemu: guests are always powered off, sim: targets have none')
    .addHelpText('after', '\nExit status: 0 all met (documented gaps included), 1 an expectation failed, 2 usage or scenario file error, 3 no expectation failed but a scenario ended in error: a guest that did not boot or lost its ssh connection (after one retry on a fresh boot), or on a sim: target a step, fact or rule the model does not cover.')
    .action(run);

  program.command('list [dir]').description('list scenarios (dir, default scenarios/): id, title, archs, minimum kernel').action(async (dir?: string) => {
    const root = dir ?? join(repoRoot, 'scenarios');
    let bad = false;
    for (const f of await findScenarioFiles(root)) {
      try {
        const s = await loadScenario(relative(process.cwd(), f));
        const a = s.applies;
        console.log(`${s.id}\t${s.title}\t${(a.archs ?? ['any arch']).join(',')}${a.minKernel ? ` kernel>=${a.minKernel}` : ''}`);
      } catch (e) {
        if (!(e instanceof ScenarioFileError)) throw e;
        console.error(e.message); bad = true;
      }
    }
    if (bad) process.exitCode = 2;
  });
}

#!/usr/bin/env node
// audit-harness command line. Each subcommand lives in harness/cli/<name>.ts and registers itself (`report` in
// report-merge.ts; `list` beside `run` in run.ts).
import { readFileSync } from 'node:fs';

/** Each top-level command and the module that registers it, in the order help lists them. */
const COMMANDS: readonly (readonly [name: string, load: () => Promise<{ register(p: import('commander').Command): void }>])[] = [
  ['rules', () => import('./cli/rules.js')],
  ['search', () => import('./cli/search.js')],
  ['vm', () => import('./cli/vm.js')],
  ['run', () => import('./cli/run.js')],
  ['list', () => import('./cli/run.js')],
  ['elastic', () => import('./cli/elastic.js')],
  ['targets', () => import('./cli/targets.js')],
  ['coverage', () => import('./cli/coverage.js')],
  ['repro', () => import('./cli/repro.js')],
  ['validate', () => import('./cli/validate.js')],
  ['report', () => import('./cli/report-merge.js')],
];

// A closed stdout or stderr (`| head`): what is written to it is lost, but the command finishes its work (reports
// under --out, guests torn down) and exits with its own status. `search` dies of SIGPIPE instead, as ausearch does.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

// `search` runs on logs of hundreds of MB and is timed against ausearch: it loads only its own
// modules (commander, zod and the target code cost ~0.4 s of start-up).
if (process.argv[2] === 'search') {
  const { searchCommand } = await import('./cli/search.js');
  try {
    searchCommand(process.argv.slice(3));
  } catch (err) {
    process.stderr.write(`audit-harness: search: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
} else {
  await main();
}

async function main(): Promise<void> {
  const { Command, CommanderError } = await import('commander');
  const { repoRoot } = await import('./paths.js');
  const { version } = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
  const program = new Command('audit-harness')
    .description('Checks that Linux audit rules log what they claim, on real kernels')
    .version(version)
    .showHelpAfterError()
    // commander's own parse errors (unknown option or command, missing argument) are usage errors, exit 2 as the
    // harness's own; the commands registered below inherit this.
    .exitOverride();
  // Only the command asked for is loaded (every module costs start-up, and `vm exec` is timed against a bare boot);
  // help, a typo or no command load them all, so that commander lists and suggests every one.
  const asked = COMMANDS.find(([name]) => name === process.argv[2]);
  const loaders = asked ? [asked[1]] : COMMANDS.map(([, load]) => load);
  const registered = new Set<unknown>();
  for (const load of loaders) {
    const cli = await load();
    if (registered.has(cli)) continue; // run.js registers run and list
    registered.add(cli);
    cli.register(program);
  }
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander printed its message (with the help) or the help or version asked for
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    // Errors the harness expects carry their own message (file:line, target name): no stack trace.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`audit-harness: ${message}\n`);
    process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
  }
}

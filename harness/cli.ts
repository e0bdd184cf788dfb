#!/usr/bin/env node
// audit-harness command line. Each subcommand lives in harness/cli/<name>.ts and registers itself.

// `search` runs on logs of hundreds of MB and is timed against ausearch: it loads only its own
// modules (commander, zod, listr2 and the target code cost ~0.4 s of start-up).
if (process.argv[2] === 'search') {
  const { runSearch } = await import('./audit/search/run.js');
  process.exitCode = runSearch(process.argv.slice(3));
} else {
  await main();
}

async function main(): Promise<void> {
  const { Command } = await import('commander');
  const program = new Command('audit-harness')
    .description('Checks that Linux audit rules log what they claim, on real kernels')
    .showHelpAfterError();
  for (const cli of [await import('./cli/rules.js'), await import('./cli/search.js'), await import('./cli/vm.js'), await import('./cli/run.js'), await import('./cli/elastic.js'), await import('./cli/targets.js'), await import('./cli/coverage.js'), await import('./cli/repro.js'), await import('./cli/validate.js')]) {
    cli.register(program);
  }
  (await import('./cli/report-merge.js')).register(program);
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    // Errors the harness expects carry their own message (file:line, target name): no stack trace.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`audit-harness: ${message}\n`);
    process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
  }
}

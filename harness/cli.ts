#!/usr/bin/env node
// audit-harness command line. Each subcommand lives in harness/cli/<name>.ts and registers itself.
import { Command } from 'commander';
import { register as registerRules } from './cli/rules.js';
import { register as registerSearch } from './cli/search.js';
import { register as registerVm } from './cli/vm.js';
import { register as registerRun } from './cli/run.js';

const program = new Command('audit-harness')
  .description('Checks that Linux audit rules log what they claim, on real kernels')
  .showHelpAfterError();

registerRules(program);
registerSearch(program);
registerVm(program);
registerRun(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // Errors the harness expects carry their own message (file:line, target name): no stack trace.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`audit-harness: ${message}\n`);
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 2;
});

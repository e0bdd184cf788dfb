// `audit-harness search [ausearch options]`: ausearch-compatible search of audit logs (-if FILE or stdin).
import type { Command } from 'commander';
import { CLOSED_PIPE, runSearch } from '../audit/search/run.js';

/**
 * Runs `search` and sets the exit status ausearch would have; a closed stdout or stderr (`| head`) kills the process
 * by SIGPIPE, as it does ausearch (141 in a shell).
 */
export function searchCommand(argv: string[]): void {
  const status = runSearch(argv);
  if (status === CLOSED_PIPE) dieOfSigpipe();
  process.exitCode = status;
}

function dieOfSigpipe(): void {
  // Node starts with SIGPIPE ignored; a listener added then removed leaves it at its default action.
  const none = () => {};
  process.on('SIGPIPE', none);
  process.off('SIGPIPE', none);
  process.kill(process.pid, 'SIGPIPE');
  process.exitCode = CLOSED_PIPE; // should the signal not be delivered at once
}

export function register(program: Command): void {
  program
    .command('search')
    .description('Search audit logs like ausearch 3.0.9 (its options but --checkpoint, byte-identical output): -if FILE, -k, -m, -sc, -f, -p, -ui/-ue/-ul/-ua, -gi/-ge/-ga, --success, -ts/-te, -i, --raw, --format csv|text, ...')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[ausearch-options...]')
    .action((args: string[]) => searchCommand(args));
}

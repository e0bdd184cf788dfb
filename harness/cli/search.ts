import type { Command } from 'commander';
import { runSearch } from '../audit/search/run.js';

// `audit-harness search [ausearch options]`: ausearch-compatible search of audit logs (-if FILE or stdin).
export function register(program: Command): void {
  program
    .command('search')
    .description('Search audit logs like ausearch (same options and byte-identical output): -if FILE, -k, -m, -sc, -p, -ui, -ua, --success, -c, -x, --session, -e, --arch, -f, -ts/-te, -i, --raw, -w')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[ausearch-options...]')
    .action((args: string[]) => {
      process.exitCode = runSearch(args);
    });
}

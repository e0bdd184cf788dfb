import type { Command } from 'commander';
import { runSearch } from '../audit/search/run.js';

// `audit-harness search [ausearch options]`: ausearch-compatible search of audit logs (-if FILE or stdin).
export function register(program: Command): void {
  program
    .command('search')
    .description('Search audit logs like ausearch 3.0.9 (its options but --checkpoint, byte-identical output): -if FILE, -k, -m, -sc, -f, -p, -ui/-ue/-ul/-ua, -gi/-ge/-ga, --success, -ts/-te, -i, --raw, --format csv|text, ...')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[ausearch-options...]')
    .action((args: string[]) => {
      process.exitCode = runSearch(args);
    });
}

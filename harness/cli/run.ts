import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { repoRoot } from '../paths.js';
import { findScenarioFiles, loadScenario, ScenarioFileError } from '../scenarios/load.js';


// `list` prints id, title and applicability of every scenario file; `run` is not written yet.
export function register(program: Command): void {
  program.command('list [dir]').description('list scenarios: id, title, applicability').action(async (dir?: string) => {
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

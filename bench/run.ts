// `npm run bench`: runs every bench/*.bench.js (compiled) in turn, or the ones named on the command line.
// Each bench module exports `run(): Promise<void>` and prints its own figures and ratios.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.js')).sort();
for (const f of files) {
  const name = f.replace(/\.bench\.js$/, '');
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== bench ${name}`);
  const mod = (await import(pathToFileURL(path.join(here, f)).href)) as { run: () => Promise<void> };
  await mod.run();
}

// A scenario file reads on its own (shared notes, style.md): one that takes its rules from scenarios/rulesets quotes
// them in its header comment, every rule line the runner applies, so the quote cannot go stale; its file is named
// after its id; and every rule set there is one some scenario applies.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { findScenarioFiles, parseScenario } from '../harness/scenarios/load.js';
import { readRulesSource, rulesArchs, RULESETS_DIR } from '../harness/scenarios/apply.js';
import type { Scenario } from '../harness/scenarios/schema.js';

interface ScenarioFile {
  file: string;
  text: string;
  scenario: Scenario;
}

const files: ScenarioFile[] = await Promise.all(
  (await findScenarioFiles(`${repoRoot}/scenarios`)).map(async (f) => {
    const text = await readFile(f, 'utf8');
    return { file: relative(repoRoot, f), text, scenario: parseScenario(text, relative(repoRoot, f)) };
  }),
);

/** The lines auditctl acts on: neither blank nor a # comment. */
function ruleLines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/** The comment lines before the first YAML key. */
function headerComment(text: string): string[] {
  const lines = text.split('\n');
  const end = lines.findIndex((l) => !l.startsWith('#'));
  return lines.slice(0, end === -1 ? lines.length : end);
}

/**
 * What is wrong with a scenario's quote of its rule set(s): the header must hold, for each rule set it names,
 * `# Rules (scenarios/rulesets/NAME.rules):` (`# Rules on ARCH (…):` when given per arch) followed by the rule set's
 * rule lines, each as `#   LINE`, exactly and in order, nothing missing and nothing more.
 */
async function quoteProblems(f: ScenarioFile): Promise<string[]> {
  if (!('ruleset' in f.scenario.rules)) return [];
  const perArch = rulesArchs(f.scenario);
  const header = headerComment(f.text);
  const problems: string[] = [];
  for (const arch of perArch ?? [undefined]) {
    const source = await readRulesSource(f.scenario, f.file, arch ?? 'x86_64');
    const title = `# Rules${arch ? ` on ${arch}` : ''} (${source.file}):`;
    const at = header.indexOf(title);
    if (at === -1) {
      problems.push(`${f.file}: no "${title}" in the header comment`);
      continue;
    }
    const quoted: string[] = [];
    for (const l of header.slice(at + 1)) {
      if (!l.startsWith('#   ')) break;
      quoted.push(l.slice(4).trim());
    }
    const wanted = ruleLines(source.text);
    if (JSON.stringify(quoted) !== JSON.stringify(wanted)) {
      problems.push(`${f.file}: the quote under "${title}" is\n  ${quoted.join('\n  ')}\nbut ${source.file} has\n  ${wanted.join('\n  ')}`);
    }
  }
  return problems;
}

test('every scenario that names a rule set quotes each of its rule lines in its header comment', async (t) => {
  const named = files.filter((f) => 'ruleset' in f.scenario.rules);
  t.true(named.length >= 10, `${named.length} scenarios name a rule set`);
  t.deepEqual((await Promise.all(named.map(quoteProblems))).flat(), []);
});

test('the quote check fails on a changed, a missing, an extra or a misplaced rule line', async (t) => {
  const f = files.find((x) => x.file.endsWith('cis/cis-64-root.yaml'))!;
  const quote = '#   -a always,exit -F arch=b64 -S init_module -S delete_module -k modules\n';
  t.true(f.text.includes(quote));
  const variants = {
    changed: f.text.replace(quote, quote.replace('-S delete_module ', '')),
    missing: f.text.replace(quote, ''),
    extra: f.text.replace(quote, `${quote}#   -a always,exit -F arch=b64 -S finit_module -k modules\n`),
    'after the header': f.text.replace(quote, '').replace('\nrules:', `\n${quote}rules:`),
    'without its title': f.text.replace('# Rules (scenarios/rulesets/cis-64.rules):\n', ''),
  };
  t.deepEqual(await quoteProblems(f), []);
  for (const [how, text] of Object.entries(variants)) {
    t.not(text, f.text, how);
    t.true((await quoteProblems({ ...f, text })).length > 0, how);
  }
});

test('every scenario file is named after its id', (t) => {
  for (const f of files) t.is(basename(f.file).replace(/\.ya?ml$/, ''), f.scenario.id, f.file);
});

test('every rule set in scenarios/rulesets is applied by some scenario', async (t) => {
  const used = new Set(files.flatMap(({ scenario: s }) => {
    if (!('ruleset' in s.rules)) return [];
    return typeof s.rules.ruleset === 'string' ? [s.rules.ruleset] : Object.values(s.rules.ruleset);
  }));
  const sets = (await readdir(RULESETS_DIR)).filter((n) => n.endsWith('.rules')).map((n) => n.replace(/\.rules$/, ''));
  t.true(sets.length > 0);
  t.deepEqual(sets.filter((n) => !used.has(n)), []);
});

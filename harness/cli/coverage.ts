// `audit-harness coverage RULES... --target T1,T2`: a user's own rules (files, or an /etc/audit/rules.d directory
// loaded as augenrules would) against the standard load/unload battery on each target, with a verdict per target.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { shownPath } from '../scenarios/report/index.js';
import { CoverageInputError, loadUserRules, runCoverage } from '../coverage/coverage.js';
import { parseCoverageReporters, renderConsole, writeCoverageReports } from '../coverage/report.js';
import { knownTargets } from '../targets/index.js';
import { simTargets } from '../sim/run.js';

interface CoverageFlags { target: string; out: string; reporter: string; key?: string }

const usage = (msg: string): never => {
  process.exitCode = 2;
  throw new Error(msg);
};

async function coverage(paths: string[], flags: CoverageFlags): Promise<void> {
  const targets = flags.target.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const known = [...knownTargets.map((k) => k.spec), ...simTargets()];
  const unknown = targets.filter((t) => !known.includes(t));
  if (targets.length === 0 || unknown.length) usage(`--target: unknown ${unknown.join(', ') || '(none given)'}; known: ${known.join(', ')} (audit-harness targets lists them)`);
  let reporters;
  try {
    reporters = parseCoverageReporters(flags.reporter);
  } catch (e) {
    return usage(`--reporter: ${(e as Error).message}`);
  }
  let rules;
  try {
    rules = await loadUserRules(paths, flags.key?.split(',').map((k) => k.trim()).filter((k) => k !== ''));
  } catch (e) {
    if (e instanceof CoverageInputError) return usage(e.message);
    throw e;
  }
  process.stderr.write(`audit-harness: coverage of ${rules.name} (keys ${rules.keys.join(', ')}) on ${targets.join(', ')}\n`);
  const report = await runCoverage({
    rules, targets,
    hooks: { progress: (t, step, detail) => { if (/^image (?!resolve|cached)|^retry/.test(step)) process.stderr.write(`[${t}] ${step}${detail ? `: ${detail}` : ''}\n`); } },
  });
  if (reporters.includes('console')) process.stdout.write(renderConsole(report));
  for (const f of await writeCoverageReports(report, reporters, resolve(flags.out))) process.stderr.write(`wrote ${shownPath(flags.out, f)}\n`);
  process.exitCode = report.targets.some((t) => t.error) ? 3 : 0;
}

export function register(program: Command): void {
  program.command('coverage <rules...>')
    .description('run the standard load/unload battery (every way to load and unload a module, as root, through sudo and as uid 1000, 64- and 32-bit) against your rules (files, or an /etc/audit/rules.d directory merged as augenrules does) and say per target what was logged, and why not')
    .requiredOption('-t, --target <specs>', `required: comma-separated targets: ${simTargets().join(', ')} (modelled, in milliseconds), ${knownTargets.map((k) => k.spec).join(', ')} (real kernels, one boot each)`)
    .option('-o, --out <dir>', 'where coverage.md, coverage.html and coverage.json go', 'out')
    .option('-r, --reporter <names>', 'console, md, html, json (comma-separated)', 'console,md,html,json')
    .option('-k, --key <keys>', 'only these keys (default: every key of an always rule)')
    .addHelpText('after', '\nExit status: 0 answered, 2 usage or rules error, 3 a target gave no answer (boot failure, rules refused).')
    .action(coverage);
}

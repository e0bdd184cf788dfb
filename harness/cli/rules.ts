// `audit-harness rules lint|print|merge`: check rules files as auditctl would, print them as auditctl -l would.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { augenrulesMerge, auditctlLoad, formatError, isLoadOnlyError, parseRulesText, readRulesSources, renderListing, RulesReadError } from '../audit/rules/index.js';
import type { AwkFlavor, KernelArch, RuleError, RulesSource } from '../audit/rules/index.js';

interface CommonOpts {
  arch: KernelArch;
  awk: AwkFlavor;
}

const archOption = () => new Option('--arch <arch>', 'kernel the rules are loaded into (uname -m)').choices(['x86_64', 'i686']).default('x86_64');
const awkOption = () => new Option('--awk <awk>', "awk augenrules runs with (Debian's is mawk)").choices(['mawk', 'gawk']).default('mawk');

class UserError extends Error {}

/** The inputs as augenrules (or auditctl -R, for one file) reads them; what augenrules skips is a warning naming it. */
async function sources(inputs: string[]): Promise<RulesSource[]> {
  try {
    return await readRulesSources(inputs, (s) => process.stderr.write(`${s.path}: warning: ${s.reason}\n`));
  } catch (e) {
    if (e instanceof RulesReadError) throw new UserError(e.message);
    throw e;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function report(errors: RuleError[]): number {
  for (const e of errors) process.stdout.write(`${formatError(e)}\n`);
  return errors.filter((e) => e.severity === 'error').length;
}

async function lint(files: string[], opts: CommonOpts): Promise<number> {
  const srcs = await sources(files);
  let errors = 0;
  let warnings = 0;
  let rules = 0;
  for (const s of srcs) {
    const r = parseRulesText(s.text, s.name, { kernelArch: opts.arch });
    errors += report(r.errors);
    warnings += r.errors.length - r.errors.filter((e) => e.severity === 'error').length;
    rules += r.rules.length;
  }
  // What only loading shows: duplicates (EEXIST), deleting what is not there, changes after -e 2.
  const { load } = await loadInputs(files, srcs, { ...opts, quiet: true });
  const loadOnly = load.errors.filter(isLoadOnlyError);
  errors += report(loadOnly.map((e) => ({ ...e, message: `${e.message} (when loaded${files.length > 1 || srcs.length > 1 ? ' after augenrules' : ''}: auditctl -R stops here)` })));
  if (errors > 0) return 1;
  process.stdout.write(`${srcs.length} file${srcs.length === 1 ? '' : 's'}, ${rules} rule line${rules === 1 ? '' : 's'}, no errors${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''} (${opts.arch})\n`);
  return 0;
}

/** Single file: auditctl -R FILE. Several files or a rules.d directory: augenrules, then auditctl -R. */
async function loadInputs(files: string[], srcs: RulesSource[], opts: CommonOpts & { quiet?: boolean }) {
  if (files.length === 1 && !(await isDir(files[0]!))) {
    return { load: auditctlLoad(srcs[0]!.text, srcs[0]!.name, opts.arch), merged: undefined };
  }
  const ignored = srcs.filter((s) => !/\.rules$/.test(path.basename(s.name)) || path.basename(s.name).startsWith('.'));
  if (!opts.quiet) for (const s of ignored) process.stderr.write(`${s.name}: warning: augenrules only reads *.rules files; ignored\n`);
  const merged = augenrulesMerge(srcs, opts.awk);
  const load = auditctlLoad(merged.text, '/etc/audit/audit.rules', opts.arch, (n) => merged.lines[n - 1]?.source);
  return { load, merged };
}

export function register(program: Command): void {
  const rules = program.command('rules').description('auditctl rule files: check them and print them as auditctl -l does');

  rules
    .command('lint')
    .description('report every problem auditctl would have with each file (FILE:LINE:COL: error: message), then load them (augenrules merge for several) for duplicates')
    .argument('<files...>', 'rules files or rules.d directories')
    .addOption(archOption())
    .addOption(awkOption())
    .action(async (files: string[], opts: CommonOpts) => {
      process.exitCode = await run(() => lint(files, opts));
    });

  rules
    .command('print')
    .description('print the rules as auditctl -l lists them after loading (several files or a directory: augenrules merge first)')
    .argument('<files...>', 'rules files or rules.d directories')
    .addOption(archOption())
    .addOption(awkOption())
    .action(async (files: string[], opts: CommonOpts) => {
      process.exitCode = await run(async () => {
        const { load } = await loadInputs(files, await sources(files), opts);
        process.stdout.write(renderListing(load.rules));
        const errors = load.errors.filter((e) => e.severity === 'error');
        for (const e of load.errors) process.stderr.write(`${formatError(e)}\n`);
        return errors.length > 0 ? 1 : 0;
      });
    });

  rules
    .command('merge')
    .description('print the /etc/audit/audit.rules augenrules would generate from these files or directories')
    .argument('<files...>', 'rules files or rules.d directories')
    .addOption(awkOption())
    .action(async (files: string[], opts: CommonOpts) => {
      process.exitCode = await run(async () => {
        const merged = augenrulesMerge(await sources(files), opts.awk);
        process.stdout.write(merged.text);
        return 0;
      });
    });
}

async function run(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`audit-harness rules: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

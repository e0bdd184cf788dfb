// `audit-harness validate [--tool ssg|cis|elastic] [--target …] --out DIR`: each tool's verdict beside the kernel's.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { knownTargets } from '../targets/index.js';
import { writeReport } from '../tools/validate/report.js';
import { TOOLS, validate, type ToolName } from '../tools/validate/run.js';

const usage = (msg: string): never => {
  process.exitCode = 2;
  throw new Error(msg);
};

interface ValidateFlags {
  tool: string;
  target: string;
  out: string;
  ssgContent?: string;
}

async function run(flags: ValidateFlags): Promise<void> {
  const tools = flags.tool.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const badTool = tools.filter((t) => !(TOOLS as readonly string[]).includes(t));
  if (tools.length === 0 || badTool.length) usage(`--tool: unknown ${badTool.join(', ') || '(none given)'}; known: ${TOOLS.join(', ')}`);
  const targets = flags.target.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const known = knownTargets.map((k) => k.spec);
  const badTarget = targets.filter((t) => !known.includes(t));
  if (targets.length === 0 || badTarget.length) usage(`--target: unknown ${badTarget.join(', ') || '(none given)'}; known: ${known.join(', ')}`);
  const ssgProducts = flags.ssgContent?.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (ssgProducts && !ssgProducts.every((p) => /^[a-z0-9]+$/.test(p))) usage(`--ssg-content ${flags.ssgContent}: expected product names such as debian11,rhel8`);
  const outDir = resolve(flags.out);
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  try {
    const results = await validate({
      tools: tools as ToolName[], targets, outDir, signal: ac.signal, ...(ssgProducts ? { ssgProducts } : {}),
      onProgress: (t, msg) => process.stderr.write(`audit-harness validate: ${t}: ${msg}\n`),
    });
    const files = await writeReport(results, outDir);
    for (const f of files) process.stdout.write(`${f}\n`);
    if (results.some((r) => r.errors.length > 0)) {
      for (const r of results) for (const e of r.errors) process.stderr.write(`audit-harness validate: ${r.target}: ${e}\n`);
      process.exitCode = 3;
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
}

export function register(program: Command): void {
  program
    .command('validate')
    .description("run each tool for real (oscap with SSG content, the CIS check, Elastic's detection rule) and report its verdict beside what the kernel logged")
    .option('--tool <tools>', `comma-separated: ${TOOLS.join(', ')}`, TOOLS.join(','))
    .option('--target <targets>', 'comma-separated targets', 'qemu:debian12-amd64')
    .option('--ssg-content <products>', 'SSG datastreams (default: the target\'s native one, then rhel7,rhel8,rhel9)')
    .requiredOption('--out <dir>', 'required: directory for validate.md, validate.html, validate.json and oscap\'s result files')
    .action(run);
}

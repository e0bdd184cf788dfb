// `audit-harness vm exec|shell|list`: boot a target, run one command or an interactive root shell, tear down.
import process from 'node:process';
import type { Command } from 'commander';
import { knownTargets, openQemuTarget, parseTargetSpec } from '../targets/index.js';
import type { QemuTarget } from '../targets/qemu/index.js';

/** Progress on stderr, one line per step (fine for a TTY and for CI logs alike). */
function progressPrinter(): (step: string, detail?: string) => void {
  const t0 = Date.now();
  return (step, detail) => {
    const t = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
    process.stderr.write(`[${t}s] ${step}${detail ? `: ${detail}` : ''}\n`);
  };
}

interface VmOpts {
  quiet?: boolean;
  timeout?: string;
}

function seconds(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number of seconds (got ${JSON.stringify(v)})`);
  return n * 1000;
}

async function withTarget<T>(spec: string, opts: VmOpts, fn: (t: QemuTarget) => Promise<T>): Promise<T> {
  parseTargetSpec(spec); // unknown spec: clear error before anything starts
  // Ctrl-C/TERM during the image build aborts it (the builder removes its temp dir); once a VM
  // exists, the cleanup registry kills it and exits 130/143 by itself.
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.exitCode = sig === 'SIGINT' ? 130 : 143;
    ac.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let t: QemuTarget;
  try {
    t = await openQemuTarget(spec, { onProgress: opts.quiet ? undefined : progressPrinter(), signal: ac.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

async function execCommand(spec: string, argv: string[], opts: VmOpts): Promise<void> {
  if (!argv.length) throw new Error('vm exec: no command given (usage: vm exec TARGET -- CMD...)');
  const timeoutMs = seconds(opts.timeout, '--timeout');
  const code = await withTarget(spec, opts, async (t) => {
    const r = await t.exec(argv, { timeoutMs });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.code;
  });
  process.exitCode = code;
}

async function shellCommand(spec: string, opts: VmOpts): Promise<void> {
  const code = await withTarget(spec, opts, async (t) => {
    const out = process.stdout;
    const input = process.stdin;
    const ch = await t.shell({ rows: out.rows || 24, cols: out.columns || 80, term: process.env.TERM || 'xterm' });
    const wasRaw = input.isTTY ? input.isRaw : false;
    if (input.isTTY) input.setRawMode(true);
    const onResize = () => ch.setWindow(out.rows || 24, out.columns || 80, 0, 0);
    out.on('resize', onResize);
    input.pipe(ch);
    ch.pipe(out, { end: false });
    ch.stderr.pipe(process.stderr, { end: false });
    let status = 0;
    ch.on('exit', (c: number | null, sig?: string) => {
      status = typeof c === 'number' ? c : sig ? 128 : 0;
    });
    await new Promise<void>((resolve) => ch.on('close', () => resolve()));
    input.unpipe(ch);
    out.off('resize', onResize);
    if (input.isTTY) input.setRawMode(wasRaw);
    input.pause();
    return status;
  });
  process.exitCode = code;
}

export function register(program: Command): void {
  const vm = program.command('vm').description('Boot a guest and run commands in it as root');
  vm.command('exec')
    .description('Build/boot TARGET, run one command as root, print its output, exit with its status, tear down')
    .argument('<target>', 'e.g. qemu:debian12-amd64 (see `vm list`)')
    .argument('<command...>', 'command and arguments (after --)')
    .option('-q, --quiet', 'no progress lines on stderr')
    .option('-t, --timeout <seconds>', 'kill the command in the guest after this long (exit 124)', '120')
    .action((target: string, command: string[], opts: VmOpts) => execCommand(target, command, opts));
  vm.command('shell')
    .description('Build/boot TARGET and open an interactive root shell (pty); the VM is removed on exit')
    .argument('<target>', 'e.g. qemu:debian12-amd64')
    .option('-q, --quiet', 'no progress lines on stderr')
    .action((target: string, opts: VmOpts) => shellCommand(target, opts));
  vm.command('list')
    .description('Known targets')
    .action(() => {
      for (const k of knownTargets) process.stdout.write(`${k.spec.padEnd(24)} ${k.description}\n`);
    });
}

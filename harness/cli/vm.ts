// `audit-harness vm exec|shell|start|stop|list`: run commands as root in a guest booted for the command (torn
// down after) or in one `vm start`ed earlier (reached by its handle, see harness/vm/).
import { fstatSync } from 'node:fs';
import os from 'node:os';
import process from 'node:process';
import type { Command } from 'commander';
import { knownTargets, parseTargetSpec } from '../targets/index.js';
import { formatTimeline, timelineRows, type HostStep } from '../targets/qemu/timeline.js';
import { isVagrantSpec } from '../targets/vagrant/spec.js';
import { getPath, parseGet, parsePut, putPath } from '../vm/files.js';
import { openGuest, type Guest } from '../vm/guest.js';
import { findHandle, listHandles, looksLikeHandle, removeGuest } from '../vm/handles.js';
import { DEFAULT_LIFETIME_MS, startGuest } from '../vm/start.js';

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
  put?: string[];
  get?: string[];
  lifetime?: string;
  all?: boolean;
  timings?: boolean;
}

/** `vm exec --timings`: every progress step with its host time, printed as a boot timeline after the command. */
class Timings {
  readonly steps: HostStep[] = [];
  readonly origin = Date.now();
  /** How long node ran before this command's action started. */
  readonly nodeStartMs = process.uptime() * 1000;

  note(step: string, detail?: string): void {
    this.steps.push({ step, detail, at: Date.now() });
  }

  print(): void {
    const rows = timelineRows(this.steps, { nodeStartMs: this.nodeStartMs, originAt: this.origin });
    process.stderr.write(`timings (host clock unless marked; guest clock = the guest's /proc/uptime):\n${formatTimeline(rows, this.nodeStartMs + Date.now() - this.origin)}\n`);
  }
}

function progressFor(opts: VmOpts, timings?: Timings): ((step: string, detail?: string) => void) | undefined {
  const print = opts.quiet ? undefined : progressPrinter();
  if (!timings) return print;
  return (step, detail) => {
    timings.note(step, detail);
    print?.(step, detail);
  };
}

function seconds(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number of seconds (got ${JSON.stringify(v)})`);
  return n * 1000;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * Runs `fn` with an abort signal that Ctrl-C/TERM fire during an image build or boot (the builder removes its temp
 * dir); once a VM exists, the cleanup registry kills it and exits 130/143 by itself.
 */
async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    process.exitCode = sig === 'SIGINT' ? 130 : 143;
    ac.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function withGuest<T>(specOrHandle: string, opts: VmOpts, fn: (g: Guest) => Promise<T>, timings?: Timings): Promise<T> {
  // unknown spec: clear error before anything starts
  if (isVagrantSpec(specOrHandle)) (await import('../targets/vagrant/boxes.js')).boxForSpec(specOrHandle);
  else if (!looksLikeHandle(specOrHandle)) parseTargetSpec(specOrHandle);
  const g = await interruptible((signal) => openGuest(specOrHandle, { onProgress: progressFor(opts, timings), signal }));
  try {
    return await fn(g);
  } finally {
    await g.close();
  }
}

/** stdin is forwarded when it is a pipe, a file or a socket; a terminal or /dev/null (a char device) is not. */
function pipedStdin(): boolean {
  if (process.stdin.isTTY) return false;
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isFile() || st.isSocket();
  } catch {
    return false; // no fd 0
  }
}

async function execCommand(specOrHandle: string, argv: string[], opts: VmOpts): Promise<void> {
  const timings = opts.timings ? new Timings() : undefined;
  if (!argv.length) throw new Error('vm exec: no command given (usage: vm exec TARGET|HANDLE -- CMD...)');
  const timeoutMs = seconds(opts.timeout, '--timeout');
  const puts = (opts.put ?? []).map(parsePut);
  const gets = (opts.get ?? []).map(parseGet);
  const code = await withGuest(specOrHandle, opts, async (g) => {
    for (const p of puts) await putPath(g.ssh, p);
    const stdin = pipedStdin() ? process.stdin : undefined;
    let status: number;
    const t0 = Date.now();
    try {
      status = await g.ssh.execStream(argv, { timeoutMs, stdin, stdout: process.stdout, stderr: process.stderr });
    } finally {
      // A command that exits before reading all its input must not keep node waiting on it.
      if (stdin) {
        stdin.pause();
        stdin.destroy();
      }
    }
    timings?.note('command');
    // timeout(1) in the guest exits 124 (137 if TERM did not end it and KILL followed 5 s later); a command that
    // exits 124 itself sooner is not reported.
    const ran = Date.now() - t0;
    if (timeoutMs !== undefined && ((status === 124 && ran >= timeoutMs) || (status === 137 && ran >= timeoutMs + 5000))) {
      process.stderr.write(`audit-harness: vm exec: the command was killed after ${timeoutMs / 1000} s (--timeout)\n`);
    }
    // Copied out whatever the command's status; a copy that fails is reported and turns a success into 2.
    let getFailed = false;
    for (const x of gets) {
      try {
        await getPath(g.ssh, x);
      } catch (e) {
        getFailed = true;
        process.stderr.write(`audit-harness: ${(e as Error).message}\n`);
      }
    }
    return status === 0 && getFailed ? 2 : status;
  }, timings);
  timings?.note('closed');
  timings?.print();
  process.exitCode = code;
}

async function shellCommand(specOrHandle: string, opts: VmOpts): Promise<void> {
  const code = await withGuest(specOrHandle, opts, async (g) => {
    const out = process.stdout;
    const input = process.stdin;
    if (!input.isTTY) return scriptShell(g, input);
    const ch = await g.ssh.shell({ rows: out.rows || 24, cols: out.columns || 80, term: process.env.TERM || 'xterm' });
    const wasRaw = input.isRaw;
    input.setRawMode(true);
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
    input.setRawMode(wasRaw);
    input.pause();
    return status;
  });
  process.exitCode = code;
}

/**
 * `vm shell` with stdin not a terminal (a pipe, a file, /dev/null): the login shell without a pty reads the script
 * from stdin, as `ssh -T` does, so a server that hangs up a pty shell on EOF (dropbear >= 2024) cannot cut it short;
 * its stdout and stderr stay apart and its exit status is the shell's.
 */
async function scriptShell(g: Guest, input: NodeJS.ReadStream): Promise<number> {
  const ch = await g.ssh.shell(false);
  ch.pipe(process.stdout, { end: false });
  ch.stderr.pipe(process.stderr, { end: false });
  let status = 0;
  // ssh2 names the signal as SIGHUP etc.; a shell killed by one exits 128 + its number, as a local shell reports it.
  ch.on('exit', (c: number | null, sig?: string) => {
    status = typeof c === 'number' ? c : sig ? 128 + (os.constants.signals[sig as NodeJS.Signals] ?? 0) : 0;
  });
  input.pipe(ch);
  await new Promise<void>((resolve) => ch.on('close', () => resolve()));
  // A shell that exits before reading all its input must not keep node waiting on it.
  input.unpipe(ch);
  input.pause();
  input.destroy();
  return status;
}

async function startCommand(spec: string, opts: VmOpts): Promise<void> {
  parseTargetSpec(spec);
  const lifetimeMs = seconds(opts.lifetime, '--lifetime') ?? DEFAULT_LIFETIME_MS;
  const h = await interruptible((signal) => startGuest(spec, lifetimeMs, { onProgress: opts.quiet ? undefined : progressPrinter(), signal }));
  if (!opts.quiet) process.stderr.write(`started ${h.handle} (${h.target}, qemu pid ${h.pid}, ssh 127.0.0.1:${h.port}); powers off after ${duration(h.lifetimeMs)}\n`);
  process.stdout.write(`${h.handle}\n`);
}

async function stopCommand(handle: string | undefined, opts: VmOpts): Promise<void> {
  if (!!opts.all === !!handle) throw new Error('vm stop: give a HANDLE or --all');
  const targets = opts.all ? await listHandles() : [await findHandle(handle!)];
  for (const h of targets) {
    await removeGuest(h);
    process.stderr.write(`stopped ${h.handle}\n`);
  }
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

async function listCommand(): Promise<void> {
  for (const k of knownTargets) process.stdout.write(`${k.spec.padEnd(24)} ${k.description}\n`);
  const running = await listHandles();
  if (running.length === 0) return;
  const now = Date.now();
  process.stdout.write(`\nrunning guests:\n${'HANDLE'.padEnd(26)} ${'TARGET'.padEnd(24)} ${'AGE'.padEnd(8)} ${'LEFT'.padEnd(8)} SSH\n`);
  for (const h of running) {
    process.stdout.write(`${h.handle.padEnd(26)} ${h.target.padEnd(24)} ${duration(now - h.startedAt).padEnd(8)} ${duration(h.startedAt + h.lifetimeMs - now).padEnd(8)} 127.0.0.1:${h.port}\n`);
  }
}

export function register(program: Command): void {
  const vm = program.command('vm').description('Boot a guest and run commands in it as root');
  vm.command('exec')
    .description('Run one command as root in TARGET (booted for it, torn down after) or in a started guest HANDLE; '
      + 'piped stdin is forwarded; exits with the command\'s status')
    .argument('<target>', 'e.g. qemu:debian12-amd64 (see `vm list`), or a handle printed by `vm start`')
    .argument('<command...>', 'command and arguments (after --)')
    .option('-q, --quiet', 'no progress lines on stderr')
    .option('-t, --timeout <seconds>', 'kill the command in the guest after this long (exit 124)', '120')
    .option('--put <LOCAL[:GUEST_PATH]>', 'copy a file or directory in before the command (default /root/NAME; repeatable)', collect, [])
    .option('--get <GUEST_PATH[:LOCAL]>', 'copy a file or directory out after the command, whatever its status (default ./NAME; repeatable)', collect, [])
    .option('--timings', 'after the command, print where the time went (node start, image, kernel, /init phases, ssh, command) on stderr')
    .action((target: string, command: string[], opts: VmOpts) => execCommand(target, command, opts));
  vm.command('shell')
    .description('Open an interactive root shell (pty) in TARGET (removed on exit) or in a started guest HANDLE; '
      + 'with stdin not a terminal, the shell runs the script read from it without a pty and exits with its status')
    .argument('<target>', 'e.g. qemu:debian12-amd64, vagrant:debian12-local, or a handle')
    .option('-q, --quiet', 'no progress lines on stderr')
    .action((target: string, opts: VmOpts) => shellCommand(target, opts));
  vm.command('start')
    .description('Boot TARGET and leave it running; prints its handle for vm exec/shell/stop')
    .argument('<target>', 'e.g. qemu:debian12-amd64')
    .option('-q, --quiet', 'no progress lines on stderr')
    .option('--lifetime <seconds>', 'the guest powers off after this long', String(DEFAULT_LIFETIME_MS / 1000))
    .action((target: string, opts: VmOpts) => startCommand(target, opts));
  vm.command('stop')
    .description('Stop a started guest (or all of them) and remove its handle')
    .argument('[handle]', 'as printed by vm start')
    .option('--all', 'every started guest')
    .action((handle: string | undefined, opts: VmOpts) => stopCommand(handle, opts));
  vm.command('list')
    .description('Known targets, then the running started guests with their age and time left')
    .action(() => listCommand());
}

// `vagrant up|status|ssh-config|halt|destroy` for one machine of the top-level Vagrantfile, through node-vagrant,
// with its faults guarded: commands run one at a time in call order (node-vagrant runs queued ones last-in first-out),
// status and ssh-config are read from --machine-readable / every IdentityFile (its parsers read human output and
// the first key only), the exit status is taken from the process (its errors are stderr text without one), and the
// machine's state is checked after up and destroy instead of trusting either.
import type { ChildProcess } from 'node:child_process';
import nodeVagrant from 'node-vagrant';
import { TargetError } from '../target.js';

export interface VagrantCliOptions {
  /** The target spec, for errors. */
  target: string;
  /** Machine name in the Vagrantfile. */
  machine: string;
  /** Directory of the Vagrantfile. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface RunOptions {
  /** Each line of output as it comes (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Aborting sends SIGINT (Vagrant cleans up what it started), SIGKILL 60 s later. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SshConfig {
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
}

/** `vagrant status --machine-readable` lines: timestamp,target,type,data... -> the state of `machine`. */
export function parseMachineState(out: string, machine: string): string | undefined {
  for (const line of out.split('\n')) {
    const f = line.split(',');
    if (f[1] === machine && f[2] === 'state') return f[3]?.trim();
  }
  return undefined;
}

/** `vagrant ssh-config NAME`: the block of `Host NAME`, with every IdentityFile (quotes removed). */
export function parseSshConfig(out: string, machine: string): SshConfig | undefined {
  let inBlock = false;
  const cfg: Partial<SshConfig> & { identityFiles: string[] } = { identityFiles: [] };
  for (const raw of out.split('\n')) {
    const m = /^\s*(\S+)\s+(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.replace(/^"(.*)"$/, '$1');
    if (key === 'host') {
      inBlock = value.split(/\s+/).includes(machine);
      continue;
    }
    if (!inBlock) continue;
    if (key === 'hostname') cfg.host = value;
    else if (key === 'port') cfg.port = Number(value);
    else if (key === 'user') cfg.user = value;
    else if (key === 'identityfile') cfg.identityFiles.push(value);
  }
  if (!cfg.host || !cfg.port || !cfg.user) return undefined;
  return cfg as SshConfig;
}

/** Vagrant's error text without Ruby's backtrace lines, for a one-paragraph message. */
export function vagrantError(res: RunResult): string {
  const lines = `${res.stderr}\n${res.stdout}`
    .split('\n')
    .filter((l) => l.trim() && !/^\s*from \//.test(l) && !/^\s*\^+\s*$/.test(l));
  const errors = lines.filter((l) => !/^(==>|\s{4})/.test(l));
  return (errors.length ? errors : lines).slice(-12).join('\n');
}

export class VagrantCli {
  private readonly machine: ReturnType<typeof nodeVagrant.create>;
  private queue: Promise<unknown> = Promise.resolve();
  /** The vagrant process running now (killed by the synchronous cleanup on SIGINT/SIGTERM). */
  running: ChildProcess | undefined;

  constructor(private readonly opts: VagrantCliOptions) {
    this.machine = nodeVagrant.create({ cwd: opts.cwd, env: opts.env });
  }

  /** Runs `vagrant ARGS` after every command called before it has finished. */
  run(args: string[], o: RunOptions = {}): Promise<RunResult> {
    const p = this.queue.then(() => this.runNow(args, o));
    this.queue = p.catch(() => undefined);
    return p;
  }

  private runNow(args: string[], o: RunOptions): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      // node-vagrant reports a failure as its stderr text; the exit status comes from the child below.
      const child = this.machine._run(args, () => undefined);
      if (!child) {
        reject(new TargetError(this.opts.target, `vagrant ${args[0]}: node-vagrant queued the command instead of running it`));
        return;
      }
      this.running = child;
      const lines = (chunk: string, rest: { s: string }) => {
        rest.s += chunk;
        const parts = rest.s.split(/\r?\n|\r/);
        rest.s = parts.pop() ?? '';
        for (const l of parts) if (l.trim()) o.onLine?.(l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''));
      };
      const outRest = { s: '' };
      const errRest = { s: '' };
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        lines(d.toString(), outRest);
      });
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        lines(d.toString(), errRest);
      });
      let killTimer: NodeJS.Timeout | undefined;
      const stop = (why: string) => {
        stderr += `\n${why}`;
        child.kill('SIGINT');
        killTimer ??= setTimeout(() => child.kill('SIGKILL'), 60_000);
      };
      const onAbort = () => stop('aborted');
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = o.timeoutMs ? setTimeout(() => stop(`timed out after ${Math.round(o.timeoutMs! / 1000)} s`), o.timeoutMs) : undefined;
      child.once('error', (e) => {
        this.running = undefined;
        reject(new TargetError(this.opts.target, `cannot run vagrant (${e.message}); scripts/setup.sh installs it`));
      });
      child.once('close', (code) => {
        this.running = undefined;
        clearTimeout(timer);
        clearTimeout(killTimer);
        o.signal?.removeEventListener('abort', onAbort);
        resolve({ code, stdout, stderr });
      });
    });
  }

  async state(): Promise<string> {
    const res = await this.run(['status', this.opts.machine, '--machine-readable'], { timeoutMs: 300_000 });
    const state = parseMachineState(res.stdout, this.opts.machine);
    if (res.code !== 0 || !state) throw new TargetError(this.opts.target, `vagrant status failed`, vagrantError(res));
    return state;
  }

  async up(provider: string, o: RunOptions): Promise<void> {
    const res = await this.run(['up', this.opts.machine, '--provider', provider, '--no-provision'], o);
    if (o.signal?.aborted) throw new TargetError(this.opts.target, 'vagrant up was aborted');
    if (res.code !== 0) throw new TargetError(this.opts.target, `vagrant up failed (exit ${res.code}): ${vagrantError(res)}`);
    const state = await this.state();
    if (state !== 'running') throw new TargetError(this.opts.target, `vagrant up finished but the machine is ${state}, not running`);
  }

  async sshConfig(): Promise<SshConfig> {
    const res = await this.run(['ssh-config', this.opts.machine], { timeoutMs: 300_000 });
    const cfg = parseSshConfig(res.stdout, this.opts.machine);
    if (res.code !== 0 || !cfg) throw new TargetError(this.opts.target, 'vagrant ssh-config failed', vagrantError(res));
    if (!cfg.identityFiles.length) throw new TargetError(this.opts.target, 'vagrant ssh-config names no IdentityFile (the harness logs in with a key only)');
    return cfg;
  }

  /** Graceful halt, then `halt --force` if the machine is still up. */
  async halt(o: RunOptions = {}): Promise<void> {
    await this.run(['halt', this.opts.machine], { timeoutMs: 300_000, ...o });
    if ((await this.state()) === 'running') await this.run(['halt', '--force', this.opts.machine], { timeoutMs: 300_000, ...o });
  }

  /** `destroy --force`; true when the machine is gone afterwards. */
  async destroy(o: RunOptions = {}): Promise<boolean> {
    await this.run(['destroy', '--force', this.opts.machine], { timeoutMs: 600_000, ...o });
    return (await this.state().catch(() => 'unknown')) === 'not_created';
  }
}

// exec/putFile/getFile over one ssh2 connection, with the server's host key pinned.
// Used by the qemu target (dropbear in the guest: no sftp, so files go through `cat`); the
// vagrant and ssh targets can reuse it as is.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { shellJoin, shellQuote } from '../../shell.js';
import { TargetError, type ExecOptions, type ExecResult } from '../target.js';

export interface SshTransportOptions {
  /** Name used in every error (the target spec). */
  target: string;
  host: string;
  port: number;
  username: string;
  /** OpenSSH private key. */
  privateKey: string | Buffer;
  /** The only host key accepted: an OpenSSH public-key line (`ssh-ed25519 AAAA… [comment]`). */
  hostKeyPub: string;
  /** Handshake timeout per attempt (ssh2's readyTimeout); raised for slow TCG guests. Default 30 s. */
  readyTimeoutMs?: number;
  /** Default per-command timeout. Default 120 s. */
  defaultTimeoutMs?: number;
}

/** exec with the command's stdin read from a stream and its output written to streams as it comes. */
export interface StreamExecOptions {
  timeoutMs?: number;
  /** Piped to the command; its end ends the command's stdin. Without it the command gets EOF at once. */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
}

export interface RawExecResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** Raised when the presented host key is not the pinned one: never retried. */
export class HostKeyMismatchError extends TargetError {}

const DEFAULT_TIMEOUT_MS = 120_000;
/** Time after the guest-side timeout (TERM, then KILL 5 s later) before the host gives up on the channel. */
const HOST_SIDE_GRACE_MS = 20_000;
/**
 * Longest command line sent as the exec request itself. Dropbear refuses longer ones (MAX_CMD_LEN 9000 in its
 * sysoptions.h) by dropping the connection; past this a command goes to the guest as a file and runs from there.
 */
export const MAX_COMMAND_BYTES = 8192;

export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The wire-format key blob of an OpenSSH public-key line. */
export function parsePublicKeyLine(line: string): { type: string; blob: Buffer } {
  const m = /^\s*(\S+)\s+([A-Za-z0-9+/]+={0,2})(\s|$)/.exec(line);
  const blob = m ? Buffer.from(m[2], 'base64') : Buffer.alloc(0);
  // The blob starts with the key type as an SSH string; anything else is not a key.
  const ok = m && blob.length > 4 && blob.readUInt32BE(0) === m[1].length && blob.subarray(4, 4 + m[1].length).toString('latin1') === m[1];
  if (!ok) throw new Error(`not an OpenSSH public key line: ${JSON.stringify(line.slice(0, 60))}`);
  return { type: m[1], blob };
}

/**
 * The command line run by the guest's login shell: the command under coreutils `timeout`
 * (TERM at the deadline, KILL 5 s later), so a hung command is killed in the guest and reported
 * as 124. A string is run by `/bin/sh -c` as is; an argv array is quoted word by word and run by
 * timeout directly (so argv[0] must be a program, not a shell builtin).
 */
export function wrapCommand(command: string | readonly string[], timeoutMs: number): string {
  const secs = Math.max(0.001, timeoutMs / 1000);
  // argv: timeout execs the program itself (one process fewer than a shell: ~30 ms under TCG).
  if (typeof command !== 'string') {
    if (command.length === 0) throw new Error('empty command');
    return `${ROOT_PATH}; exec timeout -k 5 ${secs}s ${shellJoin(command)}`;
  }
  return `${ROOT_PATH}; exec timeout -k 5 ${secs}s /bin/sh -c ${shellQuote(command)}`;
}

/**
 * The PATH a root login shell has on Debian (/etc/profile). dropbear hands commands its own compiled-in PATH, which
 * on Debian 11 is /usr/bin:/bin: auditctl, ausearch and modprobe would be "not found".
 */
const ROOT_PATH = 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const signalNumbers: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15, USR1: 10, USR2: 12 };

export class SshTransport {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private closed = false;
  /** Rejecters of commands in flight, called when the connection drops under them. */
  private readonly inFlight = new Set<(err: Error) => void>();
  private readonly pinned: { type: string; blob: Buffer };

  constructor(private readonly opts: SshTransportOptions) {
    try {
      this.pinned = parsePublicKeyLine(opts.hostKeyPub);
    } catch (e) {
      throw new TargetError(opts.target, `pinned host key: ${(e as Error).message}`);
    }
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** One connection attempt. Rejects with HostKeyMismatchError for a wrong host key. */
  connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new TargetError(this.opts.target, 'ssh transport is closed'));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connectOnce().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private connectOnce(): Promise<Client> {
    const { target } = this.opts;
    return new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let mismatch: HostKeyMismatchError | undefined;
      let ready = false;
      const config: ConnectConfig = {
        host: this.opts.host,
        port: this.opts.port,
        username: this.opts.username,
        privateKey: this.opts.privateKey,
        readyTimeout: this.opts.readyTimeoutMs ?? 30_000,
        keepaliveInterval: 5000,
        keepaliveCountMax: 6,
        // Compare the presented key with the pinned one, byte for byte.
        hostVerifier: (key: Buffer) => {
          if (Buffer.isBuffer(key) && key.equals(this.pinned.blob)) return true;
          const presented = Buffer.isBuffer(key) ? fingerprint(key) : String(key);
          mismatch = new HostKeyMismatchError(
            target,
            `ssh host key mismatch on ${this.opts.host}:${this.opts.port}: presented ${presented}, pinned ${this.pinned.type} ${fingerprint(this.pinned.blob)}; refusing to connect`,
          );
          return false;
        },
      };
      client.once('ready', () => {
        ready = true;
        this.client = client;
        resolve(client);
      });
      client.on('error', (err: Error) => {
        if (!ready) {
          reject(mismatch ?? new TargetError(target, `ssh connection to ${this.opts.host}:${this.opts.port} failed: ${err.message}`));
        } else {
          this.dropped(client, err);
        }
      });
      client.once('close', () => {
        if (!ready) reject(mismatch ?? new TargetError(target, `ssh connection to ${this.opts.host}:${this.opts.port} closed before it was ready`));
        else this.dropped(client);
      });
      client.connect(config);
    });
  }

  private dropped(client: Client, err?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    const e = new TargetError(this.opts.target, `ssh connection lost${err ? `: ${err.message}` : ''}`);
    for (const fail of [...this.inFlight]) fail(e);
  }

  /** Runs a command; exit status and output as Buffers. See wrapCommand for the timeout. */
  async execRaw(command: string | readonly string[], options: ExecOptions = {}): Promise<RawExecResult> {
    const timeoutMs = options.timeoutMs ?? this.opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof command !== 'string' && command.length === 0) throw new TargetError(this.opts.target, 'exec: empty command');
    const wrapped = await this.commandLine(command, timeoutMs);
    // The connection may have dropped between commands (guest sshd restarted, NAT timeout): reconnect once.
    const client = this.client ?? (await this.connect());
    return this.runOn(client, wrapped, options.stdin, timeoutMs + HOST_SIDE_GRACE_MS, command);
  }

  /** Runs a command with streamed stdin/stdout/stderr; resolves to its exit status. */
  async execStream(command: string | readonly string[], options: StreamExecOptions): Promise<number> {
    const timeoutMs = options.timeoutMs ?? this.opts.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof command !== 'string' && command.length === 0) throw new TargetError(this.opts.target, 'exec: empty command');
    const wrapped = await this.commandLine(command, timeoutMs);
    const client = this.client ?? (await this.connect());
    const r = await this.runOn(client, wrapped, options.stdin, timeoutMs + HOST_SIDE_GRACE_MS, command, { stdout: options.stdout, stderr: options.stderr });
    return r.code;
  }

  /**
   * The exec request's command line: wrapCommand's, or, when that is longer than MAX_COMMAND_BYTES, the command
   * written to a guest file first (over this connection, on stdin) and `/bin/sh FILE` under the same timeout.
   * The script removes itself as its first act (sh keeps reading it through its open descriptor).
   */
  private async commandLine(command: string | readonly string[], timeoutMs: number): Promise<string> {
    const wrapped = wrapCommand(command, timeoutMs);
    if (Buffer.byteLength(wrapped) <= MAX_COMMAND_BYTES) return wrapped;
    const file = `/tmp/audit-harness-cmd-${randomBytes(8).toString('hex')}.sh`;
    const body = typeof command === 'string' ? command : `exec ${shellJoin(command)}`;
    await this.putFile(file, `rm -f ${file}\n${body}\n`, 0o600);
    return wrapCommand(['/bin/sh', file], timeoutMs);
  }

  async exec(command: string | readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.execRaw(command, options);
    return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  }

  async putFile(remotePath: string, data: string | Buffer, mode?: number): Promise<void> {
    const q = shellQuote(remotePath);
    const script = mode === undefined ? `cat > ${q}` : `cat > ${q} && chmod ${(mode & 0o7777).toString(8)} ${q}`;
    const r = await this.execRaw(script, { stdin: data });
    if (r.code !== 0) throw new TargetError(this.opts.target, `cannot write ${remotePath}: ${r.stderr.toString().trim() || `exit ${r.code}`}`);
  }

  async getFile(remotePath: string): Promise<Buffer> {
    const r = await this.execRaw(`cat ${shellQuote(remotePath)}`);
    if (r.code !== 0) throw new TargetError(this.opts.target, `cannot read ${remotePath}: ${r.stderr.toString().trim() || `exit ${r.code}`}`);
    return r.stdout;
  }

  /**
   * The login shell (for `vm shell`): with a pty for a terminal, or none (`false`, like `ssh -T`) for a script on
   * stdin; dropbear >= 2024 hangs up a pty shell as soon as the client sends EOF, before it has read its input.
   */
  async shell(window: { rows: number; cols: number; term: string } | false): Promise<ClientChannel> {
    const client = this.client ?? (await this.connect());
    return new Promise((resolve, reject) => {
      client.shell(window, (err, ch) => (err ? reject(new TargetError(this.opts.target, `cannot open a shell: ${err.message}`)) : resolve(ch)));
    });
  }

  private runOn(
    client: Client, wrapped: string, stdin: string | Buffer | Readable | undefined, hostTimeoutMs: number,
    original: string | readonly string[], sinks?: { stdout: Writable; stderr: Writable },
  ): Promise<RawExecResult> {
    const { target } = this.opts;
    const what = typeof original === 'string' ? original : shellJoin(original);
    const short = what.length > 80 ? `${what.slice(0, 77)}...` : what;
    return new Promise<RawExecResult>((resolve, reject) => {
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let code: number | undefined;
      let settled = false;
      let channel: ClientChannel | undefined;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(fail);
        if (channel && stdin && typeof stdin === 'object' && !Buffer.isBuffer(stdin)) stdin.unpipe(channel);
        if (err) reject(err);
        else if (code === undefined) reject(new TargetError(target, `command ended without an exit status (ssh connection lost?): ${short}`));
        else resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
      };
      const fail = (err: Error) => {
        channel?.destroy();
        finish(new TargetError(target, `${err.message.replace(`${target}: `, '')} while running: ${short}`));
      };
      this.inFlight.add(fail);
      // Host-side backstop in case the guest's timeout(1) never reports (guest wedged).
      const timer = setTimeout(() => {
        channel?.destroy();
        finish(new TargetError(target, `no answer ${Math.round(hostTimeoutMs / 1000)} s after starting: ${short}`));
      }, hostTimeoutMs);
      client.exec(wrapped, (err, ch) => {
        if (err) return finish(new TargetError(target, `cannot start command (${err.message}): ${short}`));
        if (settled) return void ch.destroy();
        channel = ch;
        ch.on('data', (d: Buffer) => (sinks ? sinks.stdout.write(d) : out.push(d)));
        ch.stderr.on('data', (d: Buffer) => (sinks ? sinks.stderr.write(d) : errOut.push(d)));
        ch.on('exit', (c: number | null, signal?: string) => {
          if (typeof c === 'number') code = c;
          else if (signal) code = 128 + (signalNumbers[signal] ?? 0);
        });
        ch.on('close', () => finish());
        ch.on('error', (e: Error) => finish(new TargetError(target, `channel error (${e.message}): ${short}`)));
        if (stdin === undefined) ch.end();
        else if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) ch.end(stdin);
        // A stream: its end sends EOF; a command that exits first just stops reading it.
        else stdin.pipe(ch);
      });
    });
  }

  /** Closes the connection (the guest keeps running). */
  close(): void {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    c?.end();
    c?.destroy();
  }
}

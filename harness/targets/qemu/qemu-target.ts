// QemuTarget: boots an image from harness/images in qemu (direct kernel boot, user-mode network
// with only 127.0.0.1:PORT forwarded to the guest's port 22), talks to it over ssh2 with the
// pinned host key, and leaves nothing behind: close(), errors, boot timeouts and SIGINT/SIGTERM
// all kill qemu and remove the temp dir; a watchdog does it if node is SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClientChannel } from 'ssh2';
import type { BuiltImage, ImageManifest } from '../../images/manifest.js';
import { registerCleanup } from '../cleanup.js';
import { SshTransport, HostKeyMismatchError } from '../ssh/transport.js';
import { TargetError, type ExecOptions, type ExecResult, type Target, type TargetInfo } from '../target.js';
import { accelChoiceFromEnv, resolveAccel, type Accel, type AccelChoice } from './accel.js';
import { freeLocalPort } from './port.js';
import { parseGuestMarks } from './timeline.js';
import { startWatchdog } from './watchdog.js';

export type ProgressFn = (step: string, detail?: string) => void;

export interface QemuBootOptions {
  /**
   * Called per step: 'qemu start', 'kernel up', 'guest init' (detail: `t=<guest uptime> <phase>`, one per /init
   * phase), 'guest ready', 'ssh connected', 'ssh ready' (detail has timings).
   */
  onProgress?: ProgressFn;
  /** Aborting stops the boot; the VM and its temp dir are removed. */
  signal?: AbortSignal;
  /** auto|kvm|tcg; default $AUDIT_HARNESS_ACCEL or auto. */
  accel?: AccelChoice;
  /** From qemu start to ssh ready. Default 120 s ($AUDIT_HARNESS_BOOT_TIMEOUT in seconds). */
  bootTimeoutMs?: number;
  /** Default per-command timeout for exec. Default 120 s. */
  execTimeoutMs?: number;
  /** Extra words appended to the kernel command line (tests use it to make a boot fail). */
  extraAppend?: string;
  /** Picks the host port for ssh; default: a free port on 127.0.0.1 (tests use it to provoke the port race). */
  pickPort?: () => Promise<number>;
  /**
   * Boot into this existing directory (pidfile, console.log) with the serial console written to the file by qemu
   * itself, so that after `detach()` the guest outlives this process (`vm start`). Without it: a fresh temp dir.
   */
  keepAliveDir?: string;
}

const CONSOLE_TAIL_LINES = 40;
const READY_LINE = 'AUDIT-HARNESS-READY';
/** /init's line once sshd listens and auditd runs, before the rules load: the host may log in from then on. */
const SSH_OPEN_LINE = 'AUDIT-HARNESS-SSH-OPEN';
const FAILED_LINE = /AUDIT-HARNESS-FAILED:[^\n]*/;
const PANIC = /Kernel panic - not syncing[^\n]*/;
const TEMP_PREFIX = 'audit-harness-qemu-';

function defaultBootTimeout(): number {
  const s = Number(process.env.AUDIT_HARNESS_BOOT_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 120_000;
}

/**
 * qboot instead of SeaBIOS when qemu ships it: a direct kernel boot needs no BIOS services, and
 * qboot hands over to the kernel a few hundred ms sooner under TCG. AUDIT_HARNESS_QEMU_BIOS=seabios
 * keeps qemu's default.
 */
function firmwareArgs(): string[] {
  if (process.env.AUDIT_HARNESS_QEMU_BIOS === 'seabios') return [];
  return existsSync('/usr/share/qemu/qboot.rom') ? ['-bios', 'qboot.rom'] : [];
}

/**
 * Under TCG the guest runs without address-space randomisation (`norandmaps`). qemu keys the code it has translated
 * by virtual address, so with ASLR every process maps ld.so and its libraries elsewhere and has them translated
 * again. Measured in a debian11-amd64 guest, 10 runs each, ASLR on then off: augenrules --load 481 -> 105 ms,
 * ls 57 -> 11 ms, auditctl -s 62 -> 11 ms. Audit records differ only in pointer values (a0..a3 of some syscalls),
 * which no expectation reads. Under KVM the guest keeps the distribution's default.
 */
export function kernelCommandLine(append: string, accel: Accel): string {
  return accel === 'tcg' ? `${append} norandmaps` : append;
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * qemu's arguments for an image (not the binary). `initrd` replaces the image's (the bench's bare boot);
 * without `hostfwdPort` the network has no forwarding.
 */
export function qemuCommandLine(image: BuiltImage, o: { accel: Accel; append: string; hostfwdPort?: number; pidFile: string; initrd?: string }): string[] {
  const m = image.manifest;
  const file = (f: string) => path.join(image.dir, f);
  return [
    '-accel', o.accel,
    '-machine', m.machine,
    // RDRAND seeds the guest's crng at once (every release's kernel trusts it: "random: crng init done" before
    // 0.21 s), so no virtio-rng device is needed: each PCI device the guest enables costs it an IRQ routing lookup.
    '-cpu', `${m.cpu},+rdrand`,
    '-m', String(m.memoryMiB),
    '-smp', '1',
    '-nodefaults',
    '-display', 'none',
    '-monitor', 'none',
    // Serial console on qemu's stdout; node copies it into console.log.
    '-serial', 'stdio',
    '-no-reboot',
    ...firmwareArgs(),
    '-kernel', file(m.files.kernel),
    '-initrd', o.initrd ?? file(m.files.initrd),
    '-append', kernelCommandLine(o.append, o.accel),
    // restrict=on: the guest reaches nothing; only 127.0.0.1:PORT on the host leads to its sshd.
    '-netdev', `user,id=n0,restrict=on${o.hostfwdPort ? `,hostfwd=tcp:127.0.0.1:${o.hostfwdPort}-:22` : ''}`,
    '-device', 'virtio-net-pci,netdev=n0',
    // The pidfile path (in the temp dir) also identifies this run's qemu: pgrep -f, the watchdog's pid check.
    '-pidfile', o.pidFile,
  ];
}

export class QemuTarget implements Target {
  readonly info: TargetInfo;
  /** Where qemu's pidfile, console log and nothing else live; gone after close(). */
  readonly tempDir: string;
  readonly consoleLog: string;
  readonly pidFile: string;
  private qemu: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private console: WriteStream | undefined;
  private consoleText = '';
  /** While waiting for READY: looks at the console as soon as output arrives (not only on the 50 ms tick). */
  private onConsoleData: (() => void) | undefined;
  private transport: SshTransport | undefined;
  private unregister: () => void = () => {};
  private closing: Promise<void> | undefined;
  private qemuExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  accel: Accel = 'tcg';
  port = 0;
  /** Milliseconds from qemu start to ssh ready. */
  bootMs = 0;

  private constructor(
    readonly image: BuiltImage,
    tempDir: string,
    private readonly opts: QemuBootOptions,
  ) {
    const m = image.manifest;
    this.info = {
      name: `qemu:${m.id}`,
      kind: 'qemu',
      arch: m.arch,
      kernelRelease: m.kernelRelease,
      image: m.key,
      distro: m.distro,
      fixtures: { ...m.guest },
    };
    this.tempDir = tempDir;
    this.consoleLog = path.join(tempDir, 'console.log');
    this.pidFile = path.join(tempDir, 'qemu.pid');
  }

  /** Boots the image; resolves once the guest is READY and ssh has logged in. Throws a TargetError with the console tail. */
  static async boot(image: BuiltImage, opts: QemuBootOptions = {}): Promise<QemuTarget> {
    const tempDir = opts.keepAliveDir ?? await mkdtemp(path.join(os.tmpdir(), `${TEMP_PREFIX}${image.manifest.id}-${process.pid}-`));
    const t = new QemuTarget(image, tempDir, opts);
    // Registered before anything runs, so a signal at any point removes what exists.
    t.unregister = registerCleanup(() => t.killNow());
    try {
      await t.start();
      return t;
    } catch (err) {
      await t.close();
      throw err;
    }
  }

  private get name(): string {
    return this.info.name;
  }

  private progress(step: string, detail?: string): void {
    this.opts.onProgress?.(step, detail);
  }

  /** Last lines of the console, for error messages. */
  consoleTail(lines = CONSOLE_TAIL_LINES): string {
    this.readConsoleFile();
    return this.consoleText.replace(/\r/g, '').split('\n').slice(-lines - 1).join('\n').trimEnd();
  }

  private fail(message: string): TargetError {
    const tail = this.consoleTail();
    return new TargetError(this.name, `${message}\n--- last ${CONSOLE_TAIL_LINES} console lines (${this.consoleLog}) ---\n${tail || '(no console output)'}`, tail);
  }

  private qemuArgs(m: ImageManifest, port: number): string[] {
    return qemuCommandLine(this.image, {
      accel: this.accel,
      append: [m.append, this.opts.extraAppend].filter(Boolean).join(' '),
      hostfwdPort: port,
      pidFile: this.pidFile,
    });
  }

  private async start(): Promise<void> {
    const m = this.image.manifest;
    const signal = this.opts.signal;
    signal?.throwIfAborted();
    const choice = this.opts.accel ?? accelChoiceFromEnv();
    const probe = await resolveAccel(choice, { qemuBinary: m.qemuBinary, machine: m.machine, cpu: m.cpu, kernel: path.join(this.image.dir, m.files.kernel) });
    this.accel = probe.accel;
    signal?.throwIfAborted();
    const timeoutMs = this.opts.bootTimeoutMs ?? defaultBootTimeout();
    const t0 = Date.now();
    const deadline = t0 + timeoutMs;
    const privateKey = await readFile(path.join(this.image.dir, m.files.clientKey));
    const hostKeyPub = (await readFile(path.join(this.image.dir, m.files.hostKeyPub), 'utf8')).trim();

    // Port race: another process may bind the port between our probe and qemu; qemu then exits
    // at once with "Could not set up host forwarding rule". Try a few ports.
    for (let attempt = 1; ; attempt++) {
      this.port = await (this.opts.pickPort ?? freeLocalPort)();
      this.transport?.close();
      this.transport = new SshTransport({
        target: this.name,
        host: '127.0.0.1',
        port: this.port,
        username: 'root',
        privateKey,
        hostKeyPub,
        readyTimeoutMs: this.accel === 'tcg' ? 60_000 : 20_000,
        defaultTimeoutMs: this.opts.execTimeoutMs,
      });
      this.progress('qemu start', `${m.qemuBinary} accel=${this.accel} (${probe.reason}${probe.cached ? ', cached' : ''}) port 127.0.0.1:${this.port}, console ${this.consoleLog}`);
      this.spawnQemu(m);
      const outcome = await this.waitForConsole(deadline, t0);
      if (outcome === 'port-busy' && attempt < 4) {
        await this.stopQemu();
        continue;
      }
      if (outcome === 'port-busy') throw this.fail(`qemu could not forward 127.0.0.1:${this.port} after ${attempt} ports`);
      break;
    }

    // READY: the rules are loaded. The handshake began at SSH-OPEN (while augenrules ran); finish it, retrying
    // (a slow guest may not accept at once). Authentication is the readiness check: no command runs before READY.
    let lastErr: Error | undefined;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      if (this.qemuGone()) throw this.fail(`qemu exited before ssh was ready (${this.exitText()})`);
      try {
        await this.withAbort(this.sshLogin());
        this.progress('ssh connected', `handshake done after ${secs(Date.now() - t0)}`);
        break;
      } catch (e) {
        if (e instanceof HostKeyMismatchError || signal?.aborted) throw e;
        lastErr = e as Error;
      }
      if (Date.now() > deadline) throw this.fail(`ssh not ready within ${secs(timeoutMs)}: ${lastErr?.message ?? ''}`);
      await new Promise((r) => setTimeout(r, Math.min(250, 50 * (attempt + 1))));
    }
    this.bootMs = Date.now() - t0;
    this.progress('ssh ready', `root@127.0.0.1:${this.port} in ${secs(this.bootMs)}`);
  }

  /** The ssh handshake and login; a call while one is under way joins it (SshTransport.connect). */
  private sshLogin(): Promise<unknown> {
    return this.transport!.connect();
  }

  private withAbort<T>(p: Promise<T>): Promise<T> {
    const signal = this.opts.signal;
    if (!signal) return p;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason ?? new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** keepAlive mode: qemu writes the console file itself; consoleText is what the file holds. */
  private readConsoleFile(): void {
    if (!this.opts.keepAliveDir) return;
    try {
      const text = readFileSync(this.consoleLog, 'utf8');
      this.consoleText = text.length > 256 * 1024 ? text.slice(-128 * 1024) : text;
    } catch {
      // not written yet
    }
  }

  private spawnQemu(m: ImageManifest): void {
    this.consoleText = '';
    if (this.opts.keepAliveDir) return this.spawnDetachedQemu(m);
    this.console = createWriteStream(this.consoleLog, { flags: 'a' });
    this.console.on('error', () => {}); // the log is a copy for people; consoleText has what errors need
    const child = spawn(m.qemuBinary, this.qemuArgs(m, this.port), {
      // stdin stays an open pipe (the serial console's input); qemu never sees a terminal.
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group: Ctrl-C reaches node only, which tears down in order.
      detached: true,
    });
    this.qemu = child;
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as Array<{ unref?: () => void } | null>) s?.unref?.();
    child.stdin?.on('error', () => {});
    const onData = (d: Buffer) => {
      const s = d.toString('utf8');
      this.consoleText += s;
      if (this.consoleText.length > 256 * 1024) this.consoleText = this.consoleText.slice(-128 * 1024);
      this.console?.write(d);
      this.onConsoleData?.();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.qemuExit = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (e) => {
        onData(Buffer.from(`\n[audit-harness] cannot start ${m.qemuBinary}: ${e.message}\n`));
        resolve({ code: -1, signal: null });
      });
    });
    if (child.pid) this.watchdog = startWatchdog(child.pid, this.tempDir);
  }

  /** qemu with no pipe to node: console and qemu's own messages go to console.log, stdin is /dev/null. */
  private spawnDetachedQemu(m: ImageManifest): void {
    rmSync(this.consoleLog, { force: true }); // a port retry starts a fresh log
    const fd = openSync(this.consoleLog, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(m.qemuBinary, this.qemuArgs(m, this.port), { stdio: ['ignore', fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    this.qemu = child;
    child.unref();
    this.qemuExit = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (e) => {
        this.consoleText += `\n[audit-harness] cannot start ${m.qemuBinary}: ${e.message}\n`;
        resolve({ code: -1, signal: null });
      });
    });
    // Until detach(), a node killed mid-boot still takes this qemu with it.
    if (child.pid) this.watchdog = startWatchdog(child.pid, this.tempDir);
  }

  /** qemu's pid (while it runs). */
  get pid(): number | undefined {
    return this.qemuGone() ? undefined : this.qemu?.pid;
  }

  /**
   * keepAlive mode only: lets the guest outlive this process. The ssh connection is closed, the node-death
   * watchdog stands down and nothing kills qemu at exit any more; this object is closed for use.
   * Whoever detaches owns qemu's lifetime (harness/vm: the lifetime watchdog, `vm stop`).
   */
  async detach(): Promise<{ pid: number; port: number }> {
    if (!this.opts.keepAliveDir) throw new TargetError(this.name, 'detach() needs a keepAliveDir boot');
    const pid = this.pid;
    if (!pid) throw this.fail(`qemu is no longer running (${this.exitText()})`);
    this.closing = Promise.resolve();
    this.transport?.close();
    await this.standDownWatchdog();
    this.unregister();
    return { pid, port: this.port };
  }

  /** The live ssh connection (vm exec's streams, files, shell). */
  ssh(): SshTransport {
    return this.live();
  }

  private qemuGone(): boolean {
    const q = this.qemu;
    return !q || q.exitCode !== null || q.signalCode !== null || q.pid === undefined;
  }

  private exitText(): string {
    const q = this.qemu;
    if (!q) return 'not started';
    if (q.pid === undefined) return 'could not be started';
    return q.signalCode ? `killed by ${q.signalCode}` : `exit status ${q.exitCode}`;
  }

  /** Waits for READY on the console; throws on FAILED, panic, qemu exit, timeout or abort. */
  private waitForConsole(deadline: number, t0: number): Promise<'ready' | 'port-busy'> {
    const signal = this.opts.signal;
    return new Promise((resolve, reject) => {
      let kernelUp = false;
      let goneSince = 0;
      let marksSeen = 0;
      let panicSince = 0;
      let loginStarted = false;
      const check = () => {
        this.readConsoleFile();
        const text = this.consoleText;
        if (!kernelUp && text.length > 0) {
          kernelUp = true;
          this.progress('kernel up', `first console output after ${secs(Date.now() - t0)}`);
        }
        // /init's phase marks (harness/targets/qemu/timeline.ts), each reported once.
        const marks = parseGuestMarks(text);
        for (const m of marks.slice(marksSeen)) this.progress('guest init', `t=${m.t.toFixed(2)} ${m.what}`);
        marksSeen = Math.max(marksSeen, marks.length);
        if (!loginStarted && text.includes(SSH_OPEN_LINE)) {
          loginStarted = true;
          this.sshLogin().catch(() => {}); // awaited (and retried) once READY is seen
        }
        if (text.includes(READY_LINE)) return done(() => resolve('ready'));
        if (/Could not set up host forwarding rule/.test(text)) return done(() => resolve('port-busy'));
        const failed = FAILED_LINE.exec(text);
        if (failed) return done(() => reject(this.fail(`guest init failed: ${failed[0]}`)));
        // The panic line is reported whole: the console file can end mid-line ("Kernel panic - not syncing" without
        // its reason, in a CI run). It is complete at its newline, or when qemu has gone or a second has passed.
        const panic = PANIC.exec(text);
        if (panic) {
          panicSince ||= Date.now();
          const whole = text.charCodeAt(panic.index + panic[0].length) === 10;
          if (whole || this.qemuGone() || Date.now() - panicSince > 1000) return done(() => reject(this.fail(`guest kernel panicked: ${panic[0].trim()}`)));
          return;
        }
        if (this.qemuGone()) {
          // Its last output may still be in the pipe: look at it once more before calling it an exit.
          if (!goneSince) goneSince = Date.now();
          else if (Date.now() - goneSince > 200) return done(() => reject(this.fail(`qemu exited during boot (${this.exitText()})`)));
          return;
        }
        if (Date.now() > deadline) return done(() => reject(this.fail(`guest not ready within ${secs(deadline - t0)} (no ${READY_LINE} on the console)`)));
        if (signal?.aborted) return done(() => reject(signal.reason ?? new Error('aborted')));
      };
      let finished = false;
      const timer = setInterval(check, 50);
      this.onConsoleData = check;
      const onAbort = () => check();
      signal?.addEventListener('abort', onAbort);
      const done = (f: () => void) => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        this.onConsoleData = undefined;
        signal?.removeEventListener('abort', onAbort);
        if (!this.consoleText.includes(READY_LINE)) f();
        else {
          this.progress('guest ready', `${READY_LINE} after ${secs(Date.now() - t0)}`);
          f();
        }
      };
      check();
    });
  }

  async exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.live().exec(command, options);
  }

  async putFile(remotePath: string, data: string | Buffer, mode?: number): Promise<void> {
    return this.live().putFile(remotePath, data, mode);
  }

  async getFile(remotePath: string): Promise<Buffer> {
    return this.live().getFile(remotePath);
  }

  /** Interactive shell channel with a pty (`vm shell`). */
  async shell(window: { rows: number; cols: number; term: string }): Promise<ClientChannel> {
    return this.live().shell(window);
  }

  private live(): SshTransport {
    if (this.closing || !this.transport) throw new TargetError(this.name, 'target is closed');
    if (this.qemuGone()) throw this.fail(`qemu is no longer running (${this.exitText()})`);
    return this.transport;
  }

  /** Synchronous last-resort teardown (process exit, signals). */
  private killNow(): void {
    this.transport?.close();
    if (this.qemu?.pid && !this.qemuGone()) {
      try {
        process.kill(this.qemu.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      if (this.watchdog?.pid) process.kill(this.watchdog.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    this.console?.destroy();
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private async stopQemu(graceMs = 3000): Promise<void> {
    const q = this.qemu;
    if (q && !this.qemuGone()) {
      q.kill('SIGTERM');
      const killer = setTimeout(() => q.kill('SIGKILL'), graceMs);
      await this.qemuExit;
      clearTimeout(killer);
    }
    await this.standDownWatchdog();
    await new Promise<void>((r) => (this.console ? this.console.end(r) : r()));
    this.console = undefined;
  }

  /** A line on its pipe: the watchdog stands down (it must not remove the temp dir during a port retry). */
  private async standDownWatchdog(): Promise<void> {
    const w = this.watchdog;
    this.watchdog = undefined;
    if (w && w.exitCode === null && w.signalCode === null) {
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      w.stdin?.end('stop\n');
      const killer = setTimeout(() => w.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(killer);
    }
  }

  /** Kills qemu (TERM, KILL after 3 s), waits for it, removes the temp dir. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.transport?.close();
      await this.stopQemu();
      await rm(this.tempDir, { recursive: true, force: true });
      this.unregister();
    })();
    return this.closing;
  }
}

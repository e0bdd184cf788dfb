// The one interface every place a scenario can run implements (Test Kitchen's "driver").
// qemu micro-VMs, vagrant boxes, an existing ssh host and the simulator all look like this.

export type GuestArch = 'x86_64' | 'i686';

export interface TargetInfo {
  /** Target spec as the user writes it, e.g. `qemu:debian12-amd64`. */
  name: string;
  /** Kind of driver: qemu, vagrant, ssh, sim. */
  kind: 'qemu' | 'vagrant' | 'ssh' | 'sim';
  /** `uname -m` of the guest kernel. */
  arch: GuestArch;
  /** `uname -r` of the guest kernel, when known before boot. */
  kernelRelease?: string;
  /** Distribution id and family, e.g. { id: 'debian12', family: 'debian' }. */
  distro: { id: string; family: 'debian' | 'rhel' | 'ubuntu' | 'other' };
  /** Where this target keeps what scenarios load and run (from the image manifest for qemu). */
  fixtures?: TargetFixtures;
}

export interface TargetFixtures {
  /**
   * The test module (module name audit_test_mod) under /lib/modules/<release>/extra, compressed as the release's
   * kernel package ships its own modules (.ko on Debian 11/12, .ko.xz on Debian 13), so modprobe finds it.
   */
  testModule: string;
  /** The same module uncompressed, outside the module tree: what a user's own out-of-tree build is (insmod FILE.ko). */
  testModuleKo: string;
  /** Same source, always xz-compressed, module name audit_test_mod_xz, under /lib/modules/<release>/extra. */
  testModuleXz: string;
  /** A module of the kernel package itself that the guest does not otherwise use (e.g. dummy), as the package ships it. */
  stockModule: { name: string; file: string };
  /** Static loader for the kernel's native arch (absent where the kernel is 32-bit only). */
  loader64?: string;
  /** Static 32-bit loader (on i686 the native one). */
  loader32: string;
  /** Login user with uid 1000 and a sudo rule. */
  user: string;
}

export interface ExecOptions {
  /** Kill the command (guest side: `timeout`) after this many ms. Default 120 s. */
  timeoutMs?: number;
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
}

export interface ExecResult {
  /** Exit status; 124 when the timeout fired (as timeout(1) reports it). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface Target {
  readonly info: TargetInfo;
  /**
   * Run a command as root in the guest. An argv array is quoted for the guest's
   * shell by the target (no word of it is ever interpreted by a shell); a string
   * is handed to the guest's `/bin/sh -c` as-is, for callers that built it with
   * `shellQuote`.
   */
  exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Write a file in the guest (parent directory must exist). */
  putFile(remotePath: string, data: string | Buffer, mode?: number): Promise<void>;
  /** Read a file from the guest. */
  getFile(remotePath: string): Promise<Buffer>;
  /** Tear down: VM killed, temp files removed. Safe to call twice. */
  close(): Promise<void>;
}

/** Error from the infrastructure (boot, transport), never from a scenario's expectations. */
export class TargetError extends Error {
  constructor(
    readonly target: string,
    message: string,
    readonly detail?: string,
  ) {
    super(`${target}: ${message}`);
    this.name = 'TargetError';
  }
}

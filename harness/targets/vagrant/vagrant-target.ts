// A scenario target in a Vagrant box: `vagrant up NAME` through the top-level Vagrantfile (vms/vagrant/boxes.yaml),
// then ssh2 through the shared transport with the guest's host key pinned on first use. Everything a boot creates
// (libvirt domain, its storage pool and volumes, .vagrant state, the local box's VAGRANT_HOME, a libvirtd the
// harness started) is destroyed by close(), by a failed boot, and on SIGINT/SIGTERM/exit; `keep` leaves it running.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { AUTOLOAD } from '../../images/guest-layout.js';
import { cacheDir, repoRoot } from '../../paths.js';
import { shellJoin } from '../../shell.js';
import { registerCleanup } from '../cleanup.js';
import { accelChoiceFromEnv } from '../qemu/accel.js';
import { freeLocalPort } from '../qemu/port.js';
import { SshTransport } from '../ssh/transport.js';
import { TargetError, type ExecOptions, type ExecResult, type Target, type TargetFixtures, type TargetInfo } from '../target.js';
import { boxDistro } from './box-distro.js';
import { boxForSpec, boxUrlVariable, type BoxEntry } from './boxes.js';
import { firstHostKey } from './host-key.js';
import { acquireLibvirtd, keepMarker, LIBVIRT_URI, type LibvirtdLease } from './libvirtd.js';
import { ensureLocalBox } from './local-box.js';
import { vagrantHome } from './spec.js';
import { VagrantCli } from './vagrant-cli.js';

export interface VagrantBootOptions {
  /** Steps: libvirtd, image/box, vagrant (each line of Vagrant's output), ssh, provision, fixtures. */
  onProgress?: (step: string, detail?: string) => void;
  /** Aborting stops `vagrant up` and removes everything. */
  signal?: AbortSignal;
  /** Leave the box (and a libvirtd the harness started) running after close; how to destroy it is printed. */
  keep?: boolean;
  /** Limit for `vagrant up` (box add, domain start, guest boot). Default 30 min: TCG guests and box downloads are slow. */
  upTimeoutMs?: number;
  /** Default per-command timeout of exec. Default 120 s. */
  defaultTimeoutMs?: number;
  /** Provider; default AUDIT_HARNESS_VAGRANT_PROVIDER, else the box's first in boxes.yaml. */
  provider?: 'libvirt' | 'virtualbox';
}

const sshUtils = ssh2.utils;
const PROVISION_DIR = '/tmp/audit-harness-provision';
const virsh = (...args: string[]) => execFileSync('virsh', ['-c', LIBVIRT_URI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).toString();
const trySync = (fn: () => unknown) => {
  try {
    fn();
  } catch {
    // best effort: whatever is left is checked by the next step
  }
};

/** What one boot created on the host, torn down synchronously (signal path) or after `vagrant destroy`. */
class BootResources {
  cli?: VagrantCli;
  lease?: LibvirtdLease;
  poolCreated = false;
  unregister: () => void = () => undefined;

  constructor(readonly runDir: string, readonly domain: string, readonly pool: string, readonly libvirt: boolean) {}

  /** Domain, pool with its volumes, the domain's qemu log, the run dir; then the libvirtd lease. */
  teardownSync(): void {
    const running = this.cli?.running;
    if (running?.pid) trySync(() => process.kill(running.pid!, 'SIGKILL'));
    if (this.libvirt) {
      trySync(() => virsh('destroy', this.domain));
      trySync(() => virsh('undefine', this.domain, '--managed-save', '--snapshots-metadata'));
      // A domain libvirt lost track of (libvirtd gone): its qemu still names the domain.
      trySync(() => {
        const pid = Number(readFileSync(`/run/libvirt/qemu/${this.domain}.pid`, 'utf8'));
        if (pid > 1 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`guest=${this.domain}`)) process.kill(pid, 'SIGKILL');
      });
      if (this.poolCreated) {
        trySync(() => {
          for (const line of virsh('vol-list', this.pool, '--name').split('\n')) if (line.trim()) trySync(() => virsh('vol-delete', line.trim(), '--pool', this.pool));
        });
        trySync(() => virsh('pool-destroy', this.pool));
      }
      rmSync(`/var/log/libvirt/qemu/${this.domain}.log`, { force: true });
    }
    rmSync(this.runDir, { recursive: true, force: true });
    this.lease?.releaseSync();
  }
}

export class VagrantTarget implements Target {
  private closed = false;

  private constructor(
    readonly info: TargetInfo,
    private transport: SshTransport,
    private readonly res: BootResources,
    private readonly opts: VagrantBootOptions,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async boot(spec: string, opts: VagrantBootOptions = {}): Promise<VagrantTarget> {
    let box: BoxEntry;
    try {
      box = boxForSpec(spec);
    } catch (e) {
      throw new TargetError(spec, (e as Error).message);
    }
    const provider = opts.provider ?? (process.env.AUDIT_HARNESS_VAGRANT_PROVIDER as VagrantBootOptions['provider']) ?? box.providers[0]!;
    if (!box.providers.includes(provider)) throw new TargetError(spec, `box ${box.box} is listed for ${box.providers.join(', ')}, not ${provider}`);
    const progress = opts.onProgress ?? (() => undefined);
    const runDir = await mkdtemp(path.join(tmpdir(), `audit-harness-vagrant-${box.name}-${process.pid}-`));
    const prefix = `audit-harness-${process.pid}-${randomBytes(3).toString('hex')}-`;
    const res = new BootResources(runDir, `${prefix}${box.name}`, `${prefix}pool`, provider === 'libvirt');
    res.unregister = registerCleanup(() => res.teardownSync());
    try {
      const t = await VagrantTarget.bootIn(spec, box, provider, res, opts, progress);
      return t;
    } catch (e) {
      await VagrantTarget.teardown(res, progress, spec);
      if (e instanceof TargetError) throw e;
      throw new TargetError(spec, (e as Error).message);
    }
  }

  private static async bootIn(spec: string, box: BoxEntry, provider: string, res: BootResources, opts: VagrantBootOptions, progress: (s: string, d?: string) => void): Promise<VagrantTarget> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VAGRANT_DOTFILE_PATH: path.join(res.runDir, 'dot'),
      // The local box is added for this run only; downloaded boxes are kept in the cache (or the user's VAGRANT_HOME).
      VAGRANT_HOME: box.local ? path.join(res.runDir, 'home') : vagrantHome(),
      VAGRANT_CHECKPOINT_DISABLE: '1',
      VAGRANT_NO_COLOR: '1',
      VAGRANT_DEFAULT_PROVIDER: provider,
      AUDIT_HARNESS_VAGRANT_PREFIX: res.domain.slice(0, -box.name.length),
      AUDIT_HARNESS_VAGRANT_POOL: res.pool,
    };
    if (res.libvirt) {
      res.lease = await acquireLibvirtd(spec, progress);
      env.AUDIT_HARNESS_VAGRANT_SSH_PORT = String(await freeLocalPort());
      // KVM where it works (AUDIT_HARNESS_ACCEL=kvm|tcg as for the qemu targets; auto = the qemu targets' cached probe).
      env.AUDIT_HARNESS_VAGRANT_DRIVER = (await vagrantDriver()) === 'kvm' ? 'kvm' : 'qemu';
      await mkdir(path.join(res.runDir, 'pool'));
      virsh('pool-create-as', res.pool, 'dir', '--target', path.join(res.runDir, 'pool'));
      res.poolCreated = true;
    }
    if (box.local) {
      const local = await ensureLocalBox({ signal: opts.signal, onProgress: progress });
      env[boxUrlVariable(box.name)] = `file://${local.file}`;
    }
    const cli = new VagrantCli({ target: spec, machine: box.name, cwd: repoRoot, env });
    res.cli = cli;
    const t0 = Date.now();
    await cli.up(provider, { signal: opts.signal, timeoutMs: opts.upTimeoutMs ?? 30 * 60_000, onLine: (l) => progress('vagrant', l.replace(/^==> [^:]+: /, '')) });
    progress('vagrant up', `${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const cfg = await cli.sshConfig();
    const keys = await Promise.all(cfg.identityFiles.map((f) => readFile(f).catch(() => undefined)));
    const privateKey = keys.find((k) => k && !(sshUtils.parseKey(k) instanceof Error));
    if (!privateKey) throw new TargetError(spec, `none of the IdentityFiles of vagrant ssh-config can be read: ${cfg.identityFiles.join(', ')}`);
    const hostKeyPub = await firstHostKey({ target: spec, host: cfg.host, port: cfg.port, username: cfg.user, privateKey });
    progress('ssh', `${cfg.user}@${cfg.host}:${cfg.port}, host key pinned: ${hostKeyPub.slice(0, 40)}…`);
    await writeFile(path.join(res.runDir, 'host_key.pub'), `${hostKeyPub}\n`);
    const transportFor = (username: string) =>
      new SshTransport({ target: spec, host: cfg.host, port: cfg.port, username, privateKey, hostKeyPub, readyTimeoutMs: 120_000, defaultTimeoutMs: opts.defaultTimeoutMs });
    let transport = transportFor(cfg.user);
    if (cfg.user !== 'root') transport = await rootLogin(spec, transport, privateKey, transportFor);
    const uname = await transport.exec(['uname', '-m', '-r']);
    const [release, arch] = uname.stdout.trim().split(/\s+/);
    if (arch !== box.arch) throw new TargetError(spec, `the box's kernel is ${arch}, boxes.yaml says ${box.arch}`);

    await provision(spec, transport, box, progress);
    const fixtures = await probeFixtures(spec, transport, box);
    const info: TargetInfo = { name: spec, kind: 'vagrant', arch: box.arch, kernelRelease: release, distro: boxDistro(box), fixtures };
    return new VagrantTarget(info, transport, res, opts, env);
  }

  /** The transport (vm shell, tests). */
  ssh(): SshTransport {
    return this.transport;
  }

  /** Where `vagrant destroy` of a kept box must run from (its environment), for the message and tests. */
  get vagrantEnv(): NodeJS.ProcessEnv {
    return this.env;
  }

  get domainName(): string {
    return this.res.domain;
  }

  private live(): void {
    if (this.closed) throw new TargetError(this.info.name, 'target is closed');
  }

  async exec(command: string | readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.live();
    return this.transport.exec(command, options);
  }

  async putFile(remotePath: string, data: string | Buffer, mode?: number): Promise<void> {
    this.live();
    return this.transport.putFile(remotePath, data, mode);
  }

  async getFile(remotePath: string): Promise<Buffer> {
    this.live();
    return this.transport.getFile(remotePath);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
    const progress = this.opts.onProgress ?? (() => undefined);
    if (this.opts.keep) {
      const script = path.join(this.res.runDir, 'destroy.sh');
      const vars = ['VAGRANT_DOTFILE_PATH', 'VAGRANT_HOME', 'VAGRANT_DEFAULT_PROVIDER', 'AUDIT_HARNESS_VAGRANT_PREFIX', 'AUDIT_HARNESS_VAGRANT_POOL', 'AUDIT_HARNESS_VAGRANT_SSH_PORT', 'AUDIT_HARNESS_VAGRANT_DRIVER'];
      const exports = vars.filter((v) => this.env[v]).map((v) => `export ${v}=${shellJoin([this.env[v]!])}`);
      await writeFile(script, ['#!/bin/sh', ...exports, `cd ${shellJoin([repoRoot])} && vagrant destroy -f ${shellJoin([this.info.name.slice('vagrant:'.length)])}`, this.res.poolCreated ? `virsh -c ${LIBVIRT_URI} pool-destroy ${this.res.pool}` : '', this.res.libvirt ? `rm -f /var/log/libvirt/qemu/${this.res.domain}.log ${keepMarker(this.res.domain)}` : '', `rm -rf ${shellJoin([this.res.runDir])}`, ''].join('\n'), { mode: 0o755 });
      this.res.lease?.abandon(this.res.domain);
      this.res.unregister();
      progress('keep', `box left running as libvirt domain ${this.res.domain}${this.res.lease?.pid ? ` (libvirtd pid ${this.res.lease.pid} too)` : ''}; destroy it with ${script}`);
      return;
    }
    await VagrantTarget.teardown(this.res, progress, this.info.name);
  }

  /** `vagrant destroy`, then whatever it left (the box's volume, the pool, state) removed directly. */
  private static async teardown(res: BootResources, progress: (s: string, d?: string) => void, spec: string): Promise<void> {
    const t0 = Date.now();
    if (res.cli) {
      const gone = await res.cli.destroy().catch(() => false);
      if (!gone) progress('destroy', `vagrant destroy did not report ${spec} gone; removing the domain directly`);
    }
    res.teardownSync();
    res.unregister();
    progress('destroy', `${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

/** kvm or tcg for the libvirt domain: AUDIT_HARNESS_ACCEL, else the qemu targets' cached probe, else tcg. */
async function vagrantDriver(): Promise<'kvm' | 'tcg'> {
  const choice = accelChoiceFromEnv();
  if (choice !== 'auto') return choice;
  try {
    const probes = JSON.parse(await readFile(path.join(cacheDir(), 'accel-probe.json'), 'utf8')) as Record<string, { accel: string }>;
    const x86 = Object.entries(probes).find(([k]) => k.includes('qemu-system-x86_64'));
    if (x86) return x86[1].accel === 'kvm' ? 'kvm' : 'tcg';
  } catch {
    // no probe yet
  }
  try {
    execFileSync('test', ['-w', '/dev/kvm']);
    return 'kvm';
  } catch {
    return 'tcg';
  }
}

/** A box whose ssh user is not root (vagrant): root gets the same key, and the target logs in as root. */
async function rootLogin(spec: string, t: SshTransport, privateKey: Buffer, transportFor: (u: string) => SshTransport): Promise<SshTransport> {
  const parsed = sshUtils.parseKey(privateKey);
  if (parsed instanceof Error) throw new TargetError(spec, `the box's key: ${parsed.message}`);
  const pub = `${parsed.type} ${parsed.getPublicSSH().toString('base64')} audit-harness\n`;
  const r = await t.exec('sudo -n sh -c "mkdir -p /root/.ssh && chmod 700 /root/.ssh && cat >> /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys"', { stdin: pub });
  t.close();
  if (r.code !== 0) throw new TargetError(spec, `cannot give root the box's key through sudo: ${r.stderr.trim()}`);
  const root = transportFor('root');
  await root.connect();
  return root;
}

/** vms/vagrant/provision/<family>.sh with vms/module and vms/loader, copied over ssh (no scp or rsync needed). */
async function provision(spec: string, t: SshTransport, box: BoxEntry, progress: (s: string, d?: string) => void): Promise<void> {
  const t0 = Date.now();
  await t.exec(['rm', '-rf', PROVISION_DIR]);
  const mk = await t.exec(['mkdir', '-p', `${PROVISION_DIR}/module`, `${PROVISION_DIR}/loader`, `${PROVISION_DIR}/modprobe.d`]);
  if (mk.code !== 0) throw new TargetError(spec, `provisioning: mkdir failed: ${mk.stderr.trim()}`);
  const copy = async (from: string, to: string) => {
    for (const f of await readdir(from)) await t.putFile(`${to}/${f}`, await readFile(path.join(from, f)), f.endsWith('.sh') ? 0o755 : 0o644);
  };
  await copy(path.join(repoRoot, 'vms', 'vagrant', 'provision'), PROVISION_DIR);
  await copy(path.join(repoRoot, 'vms', 'module'), `${PROVISION_DIR}/module`);
  await copy(path.join(repoRoot, 'vms', 'loader'), `${PROVISION_DIR}/loader`);
  // the modprobe.d alias of module autoloading, the same text the qemu images carry
  await t.putFile(`${PROVISION_DIR}/modprobe.d/${path.posix.basename(AUTOLOAD.conf)}`, Buffer.from(AUTOLOAD.text), 0o644);
  const r = await t.exec(['bash', `${PROVISION_DIR}/${box.family}.sh`, PROVISION_DIR], { timeoutMs: 45 * 60_000 });
  for (const l of `${r.stdout}${r.stderr}`.split('\n')) if (l.trim()) progress('provision', l);
  if (r.code !== 0) throw new TargetError(spec, `provisioning with ${box.family}.sh failed (exit ${r.code})`, `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n'));
  await t.exec(['rm', '-rf', PROVISION_DIR]);
  progress('provision', `${box.family}.sh done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** The fixture paths as the provisioning scripts (and the qemu images) lay them out, checked in the guest. */
async function probeFixtures(spec: string, t: SshTransport, box: BoxEntry): Promise<TargetFixtures> {
  const script = [
    'r=$(uname -r); x=/lib/modules/$r/extra',
    'for s in .ko .ko.xz .ko.zst .ko.gz; do [ -f "$x/audit_test_mod$s" ] && { echo "testModule=$x/audit_test_mod$s"; break; }; done',
    '[ -f /usr/local/lib/audit-harness/audit_test_mod.ko ] && echo testModuleKo=/usr/local/lib/audit-harness/audit_test_mod.ko',
    '[ -f "$x/audit_test_mod_xz.ko.xz" ] && echo "testModuleXz=$x/audit_test_mod_xz.ko.xz"',
    'f=$(modinfo -n dummy 2>/dev/null) && echo "stockModule=$f"',
    '[ -x /usr/local/bin/audit-harness-loader ] && echo loader=/usr/local/bin/audit-harness-loader',
    '[ -x /usr/local/bin/audit-harness-loader32 ] && echo loader32=/usr/local/bin/audit-harness-loader32',
    "awk -F: '$3 == 1000 { print \"user=\" $1; exit }' /etc/passwd",
    'true',
  ].join('\n');
  const r = await t.exec(script);
  const kv = Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const loader32 = box.arch === 'x86_64' ? kv.loader32 : kv.loader;
  const missing = ['testModule', 'testModuleKo', 'testModuleXz', 'stockModule', 'loader', 'user'].filter((k) => !kv[k]);
  if (!loader32) missing.push('loader32');
  if (missing.length) throw new TargetError(spec, `the box lacks ${missing.join(', ')} after provisioning`, r.stdout + r.stderr);
  return {
    testModule: kv.testModule!, testModuleKo: kv.testModuleKo!, testModuleXz: kv.testModuleXz!,
    stockModule: { name: 'dummy', file: kv.stockModule! },
    ...(box.arch === 'x86_64' ? { loader64: kv.loader! } : {}),
    loader32: loader32!, user: kv.user!,
  };
}

/** Names of what teardown removes, for tests: the libvirt domains and pools this process created. */
export function ownedLibvirtNames(): { domains: string[]; pools: string[] } {
  const prefix = `audit-harness-${process.pid}-`;
  const list = (args: string[]) => {
    try {
      return virsh(...args).split('\n').map((s) => s.trim()).filter((s) => s.startsWith(prefix));
    } catch {
      return [];
    }
  };
  return { domains: list(['list', '--all', '--name']), pools: list(['pool-list', '--all', '--name']) };
}


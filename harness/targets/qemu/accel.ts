// Which accelerator qemu uses: kvm when it really works, else tcg. /dev/kvm existing is not
// enough (nested KVM can abort or hang the guest right after "Probing EDD"), so `auto` boots the
// image's own kernel under kvm with no initrd and a short deadline: a working KVM reaches the
// "VFS: Unable to mount root" panic in well under a second and qemu exits (-no-reboot, panic=-1);
// a hanging KVM prints nothing and is killed. The answer is cached per process and on disk,
// keyed by host kernel, qemu binary and qemu version.
import { spawn, spawnSync } from 'node:child_process';
import { constants, accessSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cacheDir } from '../../paths.js';
import { registerCleanup } from '../cleanup.js';

export type AccelChoice = 'auto' | 'kvm' | 'tcg';
export type Accel = 'kvm' | 'tcg';

export interface AccelProbeResult {
  accel: Accel;
  /** Why: "kvm booted the kernel in 0.4 s", "/dev/kvm not accessible", "kvm probe timed out". */
  reason: string;
  cached: boolean;
}

export function accelChoiceFromEnv(value = process.env.AUDIT_HARNESS_ACCEL): AccelChoice {
  const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (v === 'auto' || v === 'kvm' || v === 'tcg') return v;
  throw new Error(`AUDIT_HARNESS_ACCEL must be auto, kvm or tcg (got ${JSON.stringify(value)})`);
}

const memo = new Map<string, Promise<AccelProbeResult>>();

function qemuVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout ?? '').split('\n')[0]?.trim() || 'unknown';
}

export interface ProbeInput {
  qemuBinary: string;
  machine: string;
  cpu: string;
  kernel: string;
  /** Deadline for the kvm boot. Default 8 s. */
  timeoutMs?: number;
  /** Ignore and overwrite the disk cache. */
  fresh?: boolean;
}

/** auto -> probe (cached); kvm/tcg -> as asked. */
export async function resolveAccel(choice: AccelChoice, input: ProbeInput): Promise<AccelProbeResult> {
  if (choice !== 'auto') return { accel: choice, reason: `asked for ${choice}`, cached: false };
  const key = `${input.qemuBinary}\0${input.machine}\0${input.cpu}`;
  let p = memo.get(key);
  if (!p || input.fresh) {
    p = probeCached(input);
    memo.set(key, p);
  }
  return p;
}

async function probeCached(input: ProbeInput): Promise<AccelProbeResult> {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is missing or not accessible', cached: false };
  }
  const file = path.join(cacheDir(), 'accel-probe.json');
  const key = [os.release(), input.qemuBinary, qemuVersion(input.qemuBinary), input.machine, input.cpu].join(' | ');
  let table: Record<string, { accel: Accel; reason: string }> = {};
  try {
    table = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    table = {};
  }
  if (!input.fresh && table[key]) return { ...table[key], cached: true };
  const result = await probeKvm(input);
  table[key] = { accel: result.accel, reason: result.reason };
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(table, null, 1));
    await rename(tmp, file);
  } catch {
    // a read-only cache only costs a probe next time
  }
  return { ...result, cached: false };
}

/** Boots the kernel under kvm without an initrd; success = the kernel printed its root-mount panic. */
export function probeKvm(input: ProbeInput): Promise<{ accel: Accel; reason: string }> {
  const timeoutMs = input.timeoutMs ?? 8000;
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      input.qemuBinary,
      ['-accel', 'kvm', '-machine', input.machine, '-cpu', input.cpu, '-m', '256', '-nodefaults', '-display', 'none', '-monitor', 'none',
        '-serial', 'stdio', '-no-reboot', '-kernel', input.kernel, '-append', 'console=ttyS0 panic=-1 loglevel=4'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const unregister = registerCleanup(() => child.kill('SIGKILL'));
    let text = '';
    let done = false;
    const finish = (accel: Accel, reason: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unregister();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve({ accel, reason });
    };
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (/Kernel panic|VFS: Unable to mount root|Run \/init/.test(text)) {
        finish('kvm', `kvm booted the kernel to its root-mount panic in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
      if (text.length > 1 << 20) text = text.slice(-4096);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => finish('tcg', `kvm probe got no kernel panic within ${timeoutMs / 1000} s (kvm hangs here)`), timeoutMs);
    child.on('error', (e) => finish('tcg', `kvm probe could not start ${input.qemuBinary}: ${e.message}`));
    child.on('exit', (code) => {
      // Let the last output arrive, then decide.
      setTimeout(() => {
        const line = text.trim().split('\n').filter(Boolean).pop() ?? '';
        finish('tcg', `kvm probe: qemu exited with ${code} without booting (${line.slice(0, 160)})`);
      }, 50);
    });
  });
}

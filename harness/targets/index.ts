// openSession('qemu:debian12-amd64' | 'vagrant:…' | 'sim:rhel9-x86_64'): the one entry point the runner uses, a
// ScenarioSession whatever answers it; openTarget: a guest that runs commands (the CLI's vm and shell, the tools).
// The simulator, the scenario session and the vagrant driver are imported when a spec asks for them: `vm exec
// qemu:…` pays node's start on every call (issue 16), and those pull in most of the library and node-vagrant.
import { ensureImage } from '../images/build.js';
import { QemuTarget, type QemuBootOptions } from './qemu/index.js';
import { isVagrantSpec } from './vagrant/spec.js';
import type { VagrantBootOptions, VagrantTarget } from './vagrant/vagrant-target.js';
import { TargetError, type ScenarioSession, type Target } from './target.js';
import { knownTargets } from './known-targets.js';

export { knownTargets, type KnownTarget } from './known-targets.js';

export interface OpenTargetOptions {
  /** Per step: image build steps prefixed `image `, then qemu start, kernel up, guest ready, ssh ready. */
  onProgress?: (step: string, detail?: string) => void;
  /** Aborting stops the image build or the boot and removes everything. */
  signal?: AbortSignal;
  /** Extra qemu options (accel, boot timeout, default exec timeout). */
  qemu?: Omit<QemuBootOptions, 'onProgress' | 'signal'>;
  /** Options of vagrant: targets (keep the box, provider, timeouts). */
  vagrant?: Omit<VagrantBootOptions, 'onProgress' | 'signal'>;
}

export function parseTargetSpec(spec: string): { kind: 'qemu'; id: string } {
  const known = knownTargets.find((k) => k.spec === spec.trim());
  if (!known) {
    throw new TargetError(spec, `unknown target; known targets: ${knownTargets.map((k) => k.spec).join(', ')}`);
  }
  const [, id] = known.spec.split(':');
  return { kind: 'qemu', id };
}

/**
 * A target opened for scenarios: `sim:<profile>` answered by the model (no boot), anything else booted (openTarget)
 * and probed for its release facts. Close the session when done.
 */
export async function openSession(spec: string, opts: OpenTargetOptions = {}): Promise<ScenarioSession> {
  if (spec.startsWith('sim:')) return (await import('../sim/session.js')).openSimSession(spec.trim());
  const target = await openTarget(spec, opts);
  try {
    return await (await import('../scenarios/run-scenario.js')).GuestSession.open(target);
  } catch (e) {
    await target.close();
    throw e;
  }
}

/** Builds (or reuses) the image and boots it. Close the target when done. */
export async function openTarget(spec: string, opts: OpenTargetOptions = {}): Promise<Target> {
  if (isVagrantSpec(spec)) return openVagrantTarget(spec, opts);
  return openQemuTarget(spec, opts);
}

/** `vagrant:NAME` (vms/vagrant/boxes.yaml): vagrant up through the top-level Vagrantfile. Close it when done. */
export async function openVagrantTarget(spec: string, opts: OpenTargetOptions = {}): Promise<VagrantTarget> {
  const { VagrantTarget } = await import('./vagrant/vagrant-target.js');
  return VagrantTarget.boot(spec.trim(), { ...opts.vagrant, onProgress: opts.onProgress, signal: opts.signal });
}

/** Same as openTarget, typed as QemuTarget (CLI shell, tests, bench). */
export async function openQemuTarget(spec: string, opts: OpenTargetOptions = {}): Promise<QemuTarget> {
  const { id } = parseTargetSpec(spec);
  const t0 = Date.now();
  let image;
  try {
    image = await ensureImage(id, { signal: opts.signal, onProgress: (step, detail) => opts.onProgress?.(`image ${step}`, detail) });
  } catch (e) {
    if (e instanceof TargetError) throw e;
    throw new TargetError(`qemu:${id}`, `image build failed: ${(e as Error).message}`);
  }
  opts.onProgress?.('image', `${image.dir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return QemuTarget.boot(image, { ...opts.qemu, onProgress: opts.onProgress, signal: opts.signal });
}

export { TargetError } from './target.js';
export type { Target, TargetInfo, ExecOptions, ExecResult, ScenarioSession } from './target.js';
export { QemuTarget } from './qemu/index.js';
export type { VagrantTarget } from './vagrant/vagrant-target.js';

// `audit-harness validate`: on each target (one boot), each tool's own verdict beside what the kernel logged:
// SSG through the real oscap, the CIS check as a compliance plugin makes it, Elastic's detection rule on the
// auditbeat documents of what was logged.
import { join } from 'node:path';
import { openQemuTarget } from '../../targets/index.js';
import type { OpenTargetOptions } from '../../targets/index.js';
import { TargetError } from '../../targets/target.js';
import { runCis, type CisRun } from '../cis/flow.js';
import { nativeProduct } from '../ssg/content.js';
import { runSsg, type SsgRun } from '../ssg/flow.js';
import { pristineAuditRules, restoreAudit, runBattery, type Battery } from './battery.js';
import { probeGuest } from '../../scenarios/run-scenario.js';

export const TOOLS = ['ssg', 'cis', 'elastic'] as const;
export type ToolName = (typeof TOOLS)[number];

/** The RHEL datastreams whose remediation (seed 001) is shown and run on every target, beside the native one. */
export const RHEL_PRODUCTS = ['rhel7', 'rhel8', 'rhel9'] as const;

export interface ElasticRun {
  /** The execve rule a user deploying auditbeat writes, loaded with auditctl. */
  battery: Battery;
}

export interface TargetValidation {
  target: string;
  arch?: string;
  kernelRelease?: string;
  bootMs?: number;
  ssg: SsgRun[];
  cis?: CisRun;
  elastic?: ElasticRun;
  /** Why a tool (or the whole target) could not be validated. */
  errors: string[];
  durationMs: number;
}

export interface ValidateOptions {
  tools: readonly ToolName[];
  targets: readonly string[];
  outDir: string;
  /** SSG datastreams (default: the target's native one, then RHEL 7/8/9). */
  ssgProducts?: readonly string[];
  /** Run the batteries for these SSG products only (default all). */
  ssgBatteryFor?: readonly string[];
  onProgress?: (target: string, msg: string) => void;
  qemu?: OpenTargetOptions['qemu'];
  signal?: AbortSignal;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function elasticRules(arch: string): string {
  return `-a always,exit -F arch=${arch === 'i686' ? 'b32' : 'b64'} -S execve -F key=exec\n`;
}

/** Validates one target: boots it once, runs every tool, closes it. Never throws for a tool's failure. */
export async function validateTarget(spec: string, o: ValidateOptions): Promise<TargetValidation> {
  const t0 = Date.now();
  const out: TargetValidation = { target: spec, ssg: [], errors: [], durationMs: 0 };
  const progress = (msg: string) => o.onProgress?.(spec, msg);
  let target;
  try {
    progress('booting');
    target = await openQemuTarget(spec, { signal: o.signal, qemu: o.qemu });
    out.bootMs = Date.now() - t0;
  } catch (e) {
    out.errors.push(`boot: ${message(e)}`);
    out.durationMs = Date.now() - t0;
    return out;
  }
  try {
    const session = await probeGuest(target);
    out.arch = target.info.arch;
    out.kernelRelease = session.kernelRelease;
    const pristine = await pristineAuditRules(target);
    if (o.tools.includes('ssg')) {
      const products = o.ssgProducts ?? [nativeProduct(target.info.distro.id), ...RHEL_PRODUCTS];
      for (const p of products) {
        progress(`ssg ${p}`);
        try {
          out.ssg.push(await runSsg(session, p, join(o.outDir, 'ssg', spec.replace(/[^A-Za-z0-9_.-]/g, '_'), p), pristine,
            { battery: o.ssgBatteryFor ? o.ssgBatteryFor.includes(p) : true }));
        } catch (e) {
          if (e instanceof TargetError) throw e;
          out.errors.push(`ssg ${p}: ${message(e)}`);
        }
      }
    }
    if (o.tools.includes('cis')) {
      progress('cis');
      out.cis = await runCis(session, pristine);
    }
    if (o.tools.includes('elastic')) {
      progress('elastic');
      await restoreAudit(session, pristine);
      const battery = await runBattery(session, { id: 'elastic-execve', label: 'an execve rule (what auditbeat users deploy), loaded with auditctl', rules: elasticRules(target.info.arch), apply: 'auditctl', key: 'exec' });
      await restoreAudit(session, pristine);
      out.elastic = { battery };
    }
  } catch (e) {
    out.errors.push(message(e));
  } finally {
    await target.close();
  }
  out.durationMs = Date.now() - t0;
  return out;
}

/** Every target in turn (TCG guests share 2 cores with other work: one at a time). */
export async function validate(o: ValidateOptions): Promise<TargetValidation[]> {
  const results: TargetValidation[] = [];
  for (const spec of o.targets) {
    if (o.signal?.aborted) break;
    results.push(await validateTarget(spec, o));
  }
  return results;
}

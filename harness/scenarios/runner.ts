// Runs scenarios on targets: one boot per target for all its scenarios, targets in parallel up to the cores
// available. An infrastructure fault (boot, ssh) is retried once on a fresh boot and then reported as an error
// of that scenario or target, never as a failed expectation.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setAccountFiles } from '../audit/records/interpret/index.js';
import { openTarget as defaultOpenTarget, type OpenTargetOptions } from '../targets/index.js';
import { TargetError, type Target } from '../targets/target.js';
import { registerCleanup } from '../targets/cleanup.js';
import { whyNotApplicable } from './applicability.js';
import { readRulesSource } from './apply.js';
import { runScenarioSim, simImage, simTargetInfo, simTargets } from '../sim/run.js';
import type { RunResult, ScenarioResult, TargetRunInfo } from './result.js';
import { runScenario, resetGuest, type TargetSession } from './run-scenario.js';
import { LOG_FILE } from './guest-log.js';
import { deriveFacts, type AllFacts } from '../releases/facts.js';
import { parseProbe, PROBE_SCRIPT } from '../releases/probe.js';
import type { Scenario } from './schema.js';

export interface PlannedScenario {
  scenario: Scenario;
  /** Repo-relative file name, for reports and errors. */
  file: string;
}

/** Live hooks (the console reporter implements them). */
export interface RunHooks {
  targetStarted?(name: string): void;
  targetReady?(info: TargetRunInfo): void;
  scenarioStarted?(target: string, scenarioId: string): void;
  scenarioFinished?(result: ScenarioResult): void;
  targetFailed?(info: TargetRunInfo): void;
  /** Boot and image build progress of a target. */
  progress?(target: string, step: string, detail?: string): void;
}

export interface RunOptions {
  targets: readonly string[];
  scenarios: readonly PlannedScenario[];
  hooks?: RunHooks;
  signal?: AbortSignal;
  /** Targets booted at once; default min(targets, cores). */
  parallel?: number;
  /** How to open a target (tests may pass boot options through `qemu`). */
  open?: (spec: string, opts: OpenTargetOptions) => Promise<Target>;
  qemu?: OpenTargetOptions['qemu'];
  /** Options of vagrant: targets (--keep). */
  vagrant?: OpenTargetOptions['vagrant'];
  /** Where to keep each boot's /var/log/audit/audit.log (`<target>.boot<N>.audit.log`), if anywhere. */
  logsDir?: string;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

class SessionHolder {
  session?: TargetSession;
  bootMs?: number;
  private accountsDir?: { path: string; unregister: () => void };

  constructor(private readonly spec: string, private readonly opts: RunOptions) {}

  /** Boots (retrying once) and reads what every scenario needs from the guest. */
  async open(): Promise<TargetSession> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.opts.signal?.aborted) throw new TargetError(this.spec, 'aborted');
      try {
        return await this.openOnce();
      } catch (e) {
        lastError = e;
        if (!(e instanceof TargetError)) throw e;
        this.opts.hooks?.progress?.(this.spec, 'retry', message(e));
      }
    }
    throw lastError;
  }

  private async openOnce(): Promise<TargetSession> {
    const open = this.opts.open ?? defaultOpenTarget;
    const t0 = Date.now();
    const target = await open(this.spec, {
      signal: this.opts.signal, qemu: this.opts.qemu, vagrant: this.opts.vagrant,
      onProgress: (step, detail) => this.opts.hooks?.progress?.(this.spec, step, detail),
    });
    try {
      this.bootMs = Date.now() - t0;
      const fx = target.info.fixtures;
      if (!fx) throw new TargetError(this.spec, 'the target has no test module or loaders (fixtures)');
      // The release facts expectations are conditioned on: measured on the guest, never taken from a recipe.
      const probe = await target.exec(PROBE_SCRIPT, { timeoutMs: 60_000 });
      if (probe.code !== 0) throw new TargetError(this.spec, `probing the release facts failed: ${probe.stderr.trim()}`);
      let facts: AllFacts;
      try {
        facts = deriveFacts(parseProbe(probe.stdout, this.spec).facts);
      } catch (e) {
        throw new TargetError(this.spec, message(e));
      }
      // ausearch -i in the guest names users from the guest's files: interpret with the same ones.
      if (!this.accountsDir) {
        const path = await mkdtemp(join(tmpdir(), 'audit-harness-accounts-'));
        // Removed on close, and on Ctrl-C / SIGTERM with the VMs (the process exits from the signal handler).
        this.accountsDir = { path, unregister: registerCleanup(() => rmSync(path, { recursive: true, force: true })) };
      }
      for (const f of ['passwd', 'group']) await writeFile(join(this.accountsDir.path, f), await target.getFile(`/etc/${f}`));
      this.session = {
        target, kernelRelease: facts.kernel, facts, seq: 0, locked: false,
        fixtures: {
          testModule: fx.testModule, testModuleKo: fx.testModuleKo, testModuleXz: fx.testModuleXz, stockModule: fx.stockModule,
          loader32: fx.loader32, moduleName: 'audit_test_mod', ...(fx.loader64 ? { loader64: fx.loader64 } : {}),
        },
      };
      return this.session;
    } catch (e) {
      await target.close();
      throw e;
    }
  }

  useAccounts(): void {
    if (this.accountsDir) setAccountFiles({ passwd: join(this.accountsDir.path, 'passwd'), group: join(this.accountsDir.path, 'group') });
  }

  private boots = 0;

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s && this.opts.logsDir) await this.saveLog(s.target).catch(() => undefined);
    await s?.target.close();
  }

  /** The guest's whole audit log of this boot, for whoever reproduces a finding (best effort: a dead guest has none). */
  private async saveLog(target: Target): Promise<void> {
    const dir = this.opts.logsDir!;
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${this.spec.replace(/[^A-Za-z0-9_.-]/g, '_')}.boot${++this.boots}.audit.log`);
    const tmp = `${file}.partial-${process.pid}`;
    await writeFile(tmp, await target.getFile(LOG_FILE));
    await rename(tmp, file);
  }

  async dispose(): Promise<void> {
    await this.close();
    if (this.accountsDir) {
      await rm(this.accountsDir.path, { recursive: true, force: true });
      this.accountsDir.unregister();
      this.accountsDir = undefined;
    }
  }
}

/** The rule set's name in reports: the inline set's name, or the rule set file (the arch's own, when given per arch). */
function rulesName(s: Scenario, arch: string | undefined): string {
  if ('inline' in s.rules) return s.rules.name ?? `inline:${s.id}`;
  const r = s.rules.ruleset;
  return typeof r === 'string' ? r : (r[arch as 'x86_64' | 'i686'] ?? Object.values(r).join('|'));
}

function errorResult(p: PlannedScenario, target: string, error: string, retries: number, info?: { arch?: string; kernelRelease?: string }): ScenarioResult {
  return {
    scenarioId: p.scenario.id, title: p.scenario.title, source: p.scenario.source, file: p.file, target, arch: info?.arch ?? '',
    ...(info?.kernelRelease ? { kernelRelease: info.kernelRelease } : {}),
    ruleset: rulesName(p.scenario, info?.arch), apply: p.scenario.apply,
    outcome: 'error', durationMs: 0, steps: [], expectations: [], error, retries,
  };
}

/** A `sim:` target: every scenario answered by the model, no boot. */
async function runSimTarget(spec: string, opts: RunOptions, results: ScenarioResult[]): Promise<TargetRunInfo> {
  const hooks = opts.hooks ?? {};
  const img = simImage(spec);
  hooks.targetStarted?.(spec);
  const info: TargetRunInfo = { name: spec };
  if (!img) {
    info.error = `unknown simulated target; known: ${simTargets().join(', ')}`;
    hooks.targetFailed?.(info);
    return info;
  }
  Object.assign(info, { arch: img.arch, kernelRelease: img.release, bootMs: 0, facts: img.facts });
  hooks.targetReady?.(info);
  for (const p of opts.scenarios) {
    if (opts.signal?.aborted) break;
    const why = whyNotApplicable(p.scenario, simTargetInfo(img), img.facts);
    let r: ScenarioResult;
    if (why) r = { ...errorResult(p, spec, '', 0, info), outcome: 'not-applicable', error: why };
    else {
      hooks.scenarioStarted?.(spec, p.scenario.id);
      try {
        r = runScenarioSim(img, p.scenario, p.file, await readRulesSource(p.scenario, p.file, img.arch));
      } catch (e) {
        r = errorResult(p, spec, message(e), 0, info);
      }
    }
    results.push(r);
    hooks.scenarioFinished?.(r);
  }
  return info;
}

async function runTarget(spec: string, opts: RunOptions, results: ScenarioResult[]): Promise<TargetRunInfo> {
  if (spec.startsWith('sim:')) return runSimTarget(spec, opts, results);
  const hooks = opts.hooks ?? {};
  const holder = new SessionHolder(spec, opts);
  const info: TargetRunInfo = { name: spec };
  const finish = (r: ScenarioResult) => {
    results.push(r);
    hooks.scenarioFinished?.(r);
  };
  hooks.targetStarted?.(spec);
  try {
    let session: TargetSession;
    try {
      session = await holder.open();
    } catch (e) {
      info.error = message(e);
      hooks.targetFailed?.(info);
      for (const p of opts.scenarios) finish(errorResult(p, spec, `target never became ready: ${info.error}`, 1));
      return info;
    }
    Object.assign(info, { arch: session.target.info.arch, kernelRelease: session.kernelRelease, bootMs: holder.bootMs, facts: session.facts });
    hooks.targetReady?.(info);
    for (const p of opts.scenarios) {
      if (opts.signal?.aborted) break;
      const why = whyNotApplicable(p.scenario, session.target.info, session.facts);
      if (why) {
        finish({ ...errorResult(p, spec, '', 0, info), outcome: 'not-applicable', error: why });
        continue;
      }
      hooks.scenarioStarted?.(spec, p.scenario.id);
      let retries = 0;
      const t0 = Date.now();
      for (;;) {
        try {
          // Between scenarios the guest goes back to no rules and no test module; a configuration locked with -e 2
          // (or a failed attempt) needs a fresh boot instead.
          if (!session.locked) await resetGuest(session);
          if (session.locked) {
            await holder.close();
            session = await holder.open();
          }
          holder.useAccounts();
          const r = await runScenario(session, p.scenario, p.file);
          finish(retries ? { ...r, retries } : r);
          break;
        } catch (e) {
          if (!(e instanceof TargetError) || retries >= 1) {
            finish({ ...errorResult(p, spec, message(e), retries, info), durationMs: Date.now() - t0 });
            if (e instanceof TargetError) session.locked = true; // fresh boot for the next scenario
            break;
          }
          retries++;
          hooks.progress?.(spec, 'retry', `${p.scenario.id}: ${message(e)}`);
          session.locked = true;
        }
      }
    }
    return info;
  } finally {
    await holder.dispose();
  }
}

/** Runs every planned scenario on every target; the results are in plan order per target. */
export async function runScenarios(opts: RunOptions): Promise<RunResult> {
  const started = new Date();
  const limit = Math.max(1, opts.parallel ?? Math.min(opts.targets.length, availableParallelism()));
  const perTarget: ScenarioResult[][] = opts.targets.map(() => []);
  const infos: TargetRunInfo[] = opts.targets.map((name) => ({ name }));
  let next = 0;
  const worker = async () => {
    while (next < opts.targets.length) {
      const i = next++;
      infos[i] = await runTarget(opts.targets[i]!, opts, perTarget[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, opts.targets.length) }, worker));
  return { startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), targets: infos, results: perTarget.flat() };
}

// Runs scenarios on targets: one session (a boot, or the model of a release) per target for all its scenarios,
// targets in parallel up to the cores available. An infrastructure fault (boot, ssh) is retried once on a fresh
// session and then reported as an error of that scenario or target, never as a failed expectation. Every target goes
// through the same path: harness/targets/index.ts openSession, then run-scenario.ts per scenario.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { openSession as defaultOpenSession, type OpenTargetOptions } from '../targets/index.js';
import { TargetError, type ScenarioSession } from '../targets/target.js';
import { whyNotApplicable } from './applicability.js';
import type { RunResult, ScenarioResult, TargetRunInfo } from './result.js';
import { runScenario } from './run-scenario.js';
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
  /** How to open a target (default openSession; tests count boots with it, and pass boot options through `qemu`). */
  open?: (spec: string, opts: OpenTargetOptions) => Promise<ScenarioSession>;
  qemu?: OpenTargetOptions['qemu'];
  /** Options of vagrant: targets (--keep). */
  vagrant?: OpenTargetOptions['vagrant'];
  /** Where to keep each boot's /var/log/audit/audit.log (`<target>.boot<N>.audit.log`), if anywhere. */
  logsDir?: string;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

class SessionHolder {
  session?: ScenarioSession;
  bootMs?: number;
  private boots = 0;

  constructor(private readonly spec: string, private readonly opts: RunOptions) {}

  /** Opens (retrying a TargetError once) a session ready for scenarios. */
  async open(): Promise<ScenarioSession> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.opts.signal?.aborted) throw new TargetError(this.spec, 'aborted');
      try {
        const open = this.opts.open ?? defaultOpenSession;
        const t0 = Date.now();
        this.session = await open(this.spec, {
          signal: this.opts.signal, qemu: this.opts.qemu, vagrant: this.opts.vagrant,
          onProgress: (step, detail) => this.opts.hooks?.progress?.(this.spec, step, detail),
        });
        this.bootMs = Date.now() - t0;
        return this.session;
      } catch (e) {
        lastError = e;
        if (!(e instanceof TargetError)) throw e;
        this.opts.hooks?.progress?.(this.spec, 'retry', message(e));
      }
    }
    throw lastError;
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s && this.opts.logsDir) await this.saveLog(s).catch(() => undefined);
    await s?.close();
  }

  /** The session's whole audit log, for whoever reproduces a finding (best effort: a dead guest has none). */
  private async saveLog(s: ScenarioSession): Promise<void> {
    if (!s.auditLog) return;
    const dir = this.opts.logsDir!;
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${this.spec.replace(/[^A-Za-z0-9_.-]/g, '_')}.boot${++this.boots}.audit.log`);
    const tmp = `${file}.partial-${process.pid}`;
    await writeFile(tmp, await s.auditLog());
    await rename(tmp, file);
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

async function runTarget(spec: string, opts: RunOptions, results: ScenarioResult[]): Promise<TargetRunInfo> {
  const hooks = opts.hooks ?? {};
  const holder = new SessionHolder(spec, opts);
  const info: TargetRunInfo = { name: spec };
  const finish = (r: ScenarioResult) => {
    results.push(r);
    hooks.scenarioFinished?.(r);
  };
  hooks.targetStarted?.(spec);
  try {
    let session: ScenarioSession;
    try {
      session = await holder.open();
    } catch (e) {
      info.error = message(e);
      hooks.targetFailed?.(info);
      for (const p of opts.scenarios) finish(errorResult(p, spec, `target never became ready: ${info.error}`, 1));
      return info;
    }
    Object.assign(info, {
      arch: session.info.arch, kernelRelease: session.facts.kernel, bootMs: holder.bootMs, facts: session.facts,
      ...(session.info.image ? { image: session.info.image } : {}),
    });
    hooks.targetReady?.(info);
    /** A configuration locked with -e 2, or a failed attempt: the next scenario needs a fresh session. */
    let spent = false;
    for (const p of opts.scenarios) {
      if (opts.signal?.aborted) break;
      const why = whyNotApplicable(p.scenario, session.info, session.facts);
      if (why) {
        finish({ ...errorResult(p, spec, '', 0, info), outcome: 'not-applicable', error: why });
        continue;
      }
      hooks.scenarioStarted?.(spec, p.scenario.id);
      let retries = 0;
      const t0 = Date.now();
      for (;;) {
        try {
          // Between scenarios the target goes back to no rules and no test module; a configuration locked with -e 2
          // (or a failed attempt) needs a fresh session instead.
          if (!spent && (await session.reset()) === 'locked') spent = true;
          if (spent) {
            await holder.close();
            session = await holder.open();
            spent = false;
          }
          const r = await runScenario(session, p.scenario, p.file);
          finish(retries ? { ...r, retries } : r);
          break;
        } catch (e) {
          if (!(e instanceof TargetError) || retries >= 1) {
            finish({ ...errorResult(p, spec, message(e), retries, info), durationMs: Date.now() - t0 });
            if (e instanceof TargetError) spent = true; // a fresh session for the next scenario
            break;
          }
          retries++;
          hooks.progress?.(spec, 'retry', `${p.scenario.id}: ${message(e)}`);
          spent = true;
        }
      }
    }
    return info;
  } finally {
    await holder.close();
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

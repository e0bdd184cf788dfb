// A `sim:<profile>` target as a ScenarioSession (harness/targets/target.ts): the same step-level contract a booted
// guest answers, from the model of the release instead of a kernel, in milliseconds. The rules are "loaded" by the
// same parser the harness lints with; a step's command runs through the model's userland (processes.ts), each call
// it makes through the kernel's filter (filter.ts), and what is logged comes back as raw records parsed with the
// guest log's parser (records.ts). Calibrated against the real kernel by test/scenario-library.test.ts.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeValue, parseLog } from '../audit/records/index.js';
import type { AuditEvent } from '../audit/records/types.js';
import { auditctlLoad, formatError, renderListing, rulesErrorsForArch, type AuditRule } from '../audit/rules/index.js';
import { modelledAccountFiles } from '../images/guest-layout.js';
import { cacheDir } from '../paths.js';
import type { RulesSource } from '../scenarios/apply.js';
import { TargetError, UnansweredError, type AppliedRules, type GuestArch, type KeyQuery, type ScenarioSession, type ScenarioSteps, type TargetInfo } from '../targets/target.js';
import { decide } from './filter.js';
import { SimUnsupported, simulateCommand, type SimWorld } from './processes.js';
import { recordLines } from './records.js';
import { simImage, simImageOf, simTargetInfo, simTargets, world, type SimImage } from './run.js';
import type { Profile } from './profile.js';

let accounts: { passwd: string; group: string } | undefined;

/**
 * The guest's account files, kept in the cache (written once per process): the users as the images create them
 * (harness/images/guest-layout.ts), names for `:i` matchers.
 */
function guestAccounts(): { passwd: string; group: string } {
  if (!accounts) {
    const dir = join(cacheDir(), 'sim');
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(modelledAccountFiles())) {
      const tmp = join(dir, `.${name}.${process.pid}`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(dir, name));
    }
    accounts = { passwd: join(dir, 'passwd'), group: join(dir, 'group') };
  }
  return accounts;
}

/** ausearch -k KEY [-w]: -w matches one of the event's keys exactly, without it a substring. */
function hasKey(e: AuditEvent, q: KeyQuery): boolean {
  const raw = e.records.find((r) => r.type === 'SYSCALL')?.fields.find((f) => f.name === 'key')?.value;
  const text = raw === undefined || raw === '(null)' ? undefined : decodeValue(raw);
  if (text === undefined) return false;
  return text.split('\x01').some((k) => (q.exact ? k === q.key : k.includes(q.key)));
}

const loadedRules = new Map<string, ReturnType<typeof auditctlLoad>>();

/** auditctl's view of a rule set, once per text and arch (the library runs the same sets on many profiles). */
function loadRules(text: string, file: string, arch: GuestArch): ReturnType<typeof auditctlLoad> {
  const k = `${arch}\0${file}\0${text}`;
  let hit = loadedRules.get(k);
  if (!hit) {
    if (loadedRules.size > 256) loadedRules.clear();
    hit = auditctlLoad(text, file, arch);
    loadedRules.set(k, hit);
  }
  return hit;
}

/** What the model does not cover is the step's error, naming it; never a guess. */
function answered<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SimUnsupported) throw new UnansweredError(`not modelled by the simulator: ${e.message}`);
    throw e;
  }
}

export class SimSession implements ScenarioSession {
  readonly info: TargetInfo;
  readonly facts: SimImage['facts'];
  readonly fixtures: SimImage['fixtures'];
  readonly accounts = guestAccounts();
  /** The rules the model's kernel has loaded. */
  private rules: readonly AuditRule[] = [];
  /** The guest's files, processes and loaded modules: made on the first step after a reset. */
  private world?: SimWorld;

  constructor(private readonly img: SimImage) {
    this.info = simTargetInfo(img);
    this.facts = img.facts;
    this.fixtures = img.fixtures;
  }

  async reset(): Promise<'clean'> {
    this.rules = [];
    this.world = undefined;
    return 'clean';
  }

  /** Every apply way loads the text as auditctl does (the model has no rules.d of the distribution's own). */
  async applyRules(src: RulesSource): Promise<AppliedRules> {
    const errors = rulesErrorsForArch(src.text, src.file, this.img.arch);
    const loaded = loadRules(src.text, src.file, this.img.arch);
    this.rules = loaded.rules;
    const ok = errors.length === 0;
    return { ok, transcript: ok ? 'loaded (model)' : `refused (model):\n${errors.map(formatError).join('\n')}`, listing: ok ? renderListing(loaded.rules) : '' };
  }

  steps(): ScenarioSteps {
    const logged = new Map<string, AuditEvent[]>();
    let serial = 1000;
    return {
      run: async (stepId, command) => answered(() => {
        this.world ??= world(this.img);
        const w = this.world;
        const { status, calls } = simulateCommand(w, command);
        const lines: string[] = [];
        for (const call of calls) {
          const d = decide(this.rules, w.fs, call);
          if (d.record) lines.push(...recordLines(call, d.key, 1_795_000_000, ++serial));
        }
        logged.set(stepId, parseLog(lines.length ? `${lines.join('\n')}\n` : '', `${this.info.name} (model)`).events);
        return { code: status, stdout: '', stderr: '' };
      }),
      records: async () => ({ events: (stepId, q) => (logged.get(stepId) ?? []).filter((e) => hasKey(e, q)) }),
    };
  }

  async close(): Promise<void> {}
}

/** sim:<profile id>; a spec that names no profile is an error naming the known ones. */
export function openSimSession(spec: string): SimSession {
  const img = simImage(spec);
  if (!img) throw new TargetError(spec, `unknown simulated target; known: ${simTargets().join(', ')}`);
  return new SimSession(img);
}

/** The model of a profile (one from vms/profiles, or one a test changed), answering as target `spec`. */
export function simSessionOf(profile: Profile, spec?: string): SimSession {
  return new SimSession(simImageOf(profile, spec));
}

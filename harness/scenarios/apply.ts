// How a scenario's rules reach the guest kernel (Test Kitchen's "provisioner"): auditctl line by line as a person
// types them, `auditctl -R FILE`, or augenrules --load from /etc/audit/rules.d as the benchmarks' remediations do.
// applySteps is the one statement of each way; the runner and repro.sh both follow it.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { auditctlLoad, renderListing, rulesErrorsForArch, formatError, type KernelArch } from '../audit/rules/index.js';
import { splitLines, tokenizeLine } from '../audit/rules/tokenize.js';
import { repoRoot } from '../paths.js';
import { shellJoin } from '../shell.js';
import type { Target } from '../targets/target.js';
import type { Scenario } from './schema.js';

export interface RulesSource {
  /** Rule set name for reports, or "inline". */
  name: string;
  /** File the text came from (repo-relative), for error messages. */
  file: string;
  text: string;
}

export const RULESETS_DIR = join(repoRoot, 'scenarios', 'rulesets');
/** The distribution's own file in /etc/audit/rules.d (Debian: -D, -b 8192, ...): a reset keeps it, and only it. */
const DISTRO_RULES_FILE = 'audit.rules';
/** A name (a rule set's, a target spec) as a file name. */
export const safeName = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, '_');

/** The archs a scenario's rules are given for (all, unless they are given per arch). */
export function rulesArchs(s: Scenario): KernelArch[] | undefined {
  const v = 'inline' in s.rules ? s.rules.inline : s.rules.ruleset;
  return typeof v === 'string' ? undefined : (Object.keys(v) as KernelArch[]);
}

/** The rules a scenario applies on a kernel of this arch. */
export async function readRulesSource(s: Scenario, scenarioFile: string, arch: KernelArch): Promise<RulesSource> {
  const pick = (v: string | Partial<Record<KernelArch, string>>, what: string): string => {
    if (typeof v === 'string') return v;
    const x = v[arch];
    if (x === undefined) throw new Error(`${scenarioFile}: ${what} gives no rules for ${arch} (only ${Object.keys(v).join(', ')})`);
    return x;
  };
  if ('inline' in s.rules) {
    const where = typeof s.rules.inline === 'string' ? 'rules.inline' : `rules.inline.${arch}`;
    return { name: s.rules.name ?? `inline:${s.id}`, file: `${scenarioFile} (${where})`, text: pick(s.rules.inline, 'rules.inline') };
  }
  const ruleset = pick(s.rules.ruleset, 'rules.ruleset');
  const file = join(RULESETS_DIR, `${ruleset}.rules`);
  try {
    return { name: ruleset, file: relative(repoRoot, file), text: await readFile(file, 'utf8') };
  } catch {
    throw new Error(`${scenarioFile}: rules.ruleset "${ruleset}": no file ${relative(repoRoot, file)}`);
  }
}

export interface ApplyCommand {
  command: string;
  code: number;
  output: string;
}

export interface ApplyResult {
  ok: boolean;
  commands: ApplyCommand[];
  /** `auditctl -l` afterwards. */
  listing: string;
  /** What our parser says auditctl does with this text on this kernel. */
  predicted: { ok: boolean; errors: string[]; listing: string };
}

/** The rules file an apply way writes on the guest before its commands: where, and its mode (none: as written). */
export interface GuestRulesFile {
  path: string;
  mode?: number;
}

/**
 * What applying rules one way does on the guest, in order: write the rules file (if the way has one), then run each
 * command on its own. The runner does it over its session (applyRules), and repro.sh is written from it, so a
 * repro applies the rules exactly as the run did.
 */
export interface ApplySteps {
  /** The way in words, for people (repro's script and notes). */
  about: string;
  file?: GuestRulesFile;
  commands: string[];
}

/** Where the rules are, for the ways that load a file where it is (auditctl -R); augenrules's file is always in rules.d. */
export interface RulesAt {
  /** The benchmark's rules.d file name (scenario.rulesFile), for augenrules. */
  rulesFile?: string;
  /**
   * A shell word naming a file that already holds the rules, loaded in place and nothing written (repro.sh's own
   * copy: "$here/rules/NAME", on a host that may be anyone's). Without it the rules are written to a fixed path in
   * /tmp, which only the harness's own throwaway guest may use.
   */
  present?: string;
}

export function applySteps(src: Pick<RulesSource, 'name' | 'text'>, apply: Scenario['apply'], at: RulesAt = {}): ApplySteps {
  switch (apply) {
    case 'auditctl': {
      const commands: string[] = [];
      for (const line of splitLines(src.text)) {
        const t = tokenizeLine(line);
        if (t.kind === 'words') commands.push(shellJoin(['auditctl', ...t.tokens.map((w) => w.text)]));
      }
      return { about: 'auditctl once per rule line, as a person types them', commands };
    }
    case 'auditctl-R': {
      const about = 'one file, loaded by auditctl -R';
      if (at.present !== undefined) return { about, commands: [`auditctl -R ${at.present}`] };
      const path = `/tmp/audit-harness-${safeName(src.name)}.rules`;
      return { about, file: { path }, commands: [shellJoin(['auditctl', '-R', path])] };
    }
    case 'augenrules': {
      const path = `/etc/audit/rules.d/${at.rulesFile ?? `50-${safeName(src.name)}.rules`}`;
      return {
        about: 'a file in /etc/audit/rules.d, then augenrules --load (it loads every file there), as the benchmarks say',
        file: { path, mode: 0o640 },
        commands: ['augenrules --load'],
      };
    }
    case 'none':
      return { about: 'this scenario applies no rules of its own', commands: [] };
  }
}

/** Runs the rules into the guest by `apply`; never throws for a rule the kernel refuses (that is a finding). */
export async function applyRules(target: Target, src: RulesSource, apply: Scenario['apply'], rulesFile?: string): Promise<ApplyResult> {
  const arch: KernelArch = target.info.arch;
  const errors = rulesErrorsForArch(src.text, src.file, arch);
  const load = auditctlLoad(src.text, src.file, arch);
  const predicted = { ok: errors.length === 0, errors: errors.map(formatError), listing: renderListing(load.rules) };
  const steps = applySteps(src, apply, { rulesFile });
  if (steps.file) await target.putFile(steps.file.path, src.text, steps.file.mode);
  const commands: ApplyCommand[] = [];
  for (const command of steps.commands) {
    const r = await target.exec(command, { timeoutMs: 60_000 });
    commands.push({ command, code: r.code, output: (r.stdout + r.stderr).trim() });
  }
  const listed = await target.exec(['auditctl', '-l'], { timeoutMs: 30_000 });
  return { ok: commands.every((c) => c.code === 0), commands, listing: listed.stdout, predicted };
}

/**
 * Shell text that returns the guest to a clean audit state between scenarios: no rules, the test modules
 * unloaded, every rules.d file but the distribution's removed (augenrules would bring them back), then `auditctl -s`.
 */
export const RESET_SCRIPT = [
  'auditctl -D >/dev/null',
  'for m in audit_test_mod audit_test_mod_xz dummy; do if [ -d /sys/module/$m ]; then rmmod $m || exit 96; fi; done',
  `find /etc/audit/rules.d -name '*.rules' ! -name ${DISTRO_RULES_FILE} -delete`,
  'rm -rf /tmp/audit-harness-*.rules /tmp/audit-harness-bin',
  'auditctl -s',
].join('\n');

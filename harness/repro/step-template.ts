// A step's command with the guest's module file, module name and loader as shell variables ("$MODULE_FILE"...),
// so repro.sh runs on a host that keeps its own module elsewhere; the values recorded in the run are the defaults.
import { shellQuote } from '../shell.js';
import { moduleOf, stepCommand, type Fixtures, type StepSpec } from '../scenarios/steps.js';

export interface StepTemplate {
  /** The command, with "$VAR" where a fixture was. */
  command: string;
  /** Each variable and its value in the recorded run, in order of first use. */
  vars: Array<{ name: string; value: string; what: string }>;
}

// Words shellQuote leaves bare, so they appear as-is at whatever quoting depth the command puts them.
const SENTINEL = { file: 'AHREPROMODFILE', name: 'AHREPROMODNAME', loader: 'AHREPROLOADER' } as const;

const sentinelFixtures: Fixtures = {
  testModule: SENTINEL.file,
  testModuleKo: SENTINEL.file,
  testModuleXz: SENTINEL.file,
  stockModule: { name: SENTINEL.name, file: SENTINEL.file },
  loader64: SENTINEL.loader,
  loader32: SENTINEL.loader,
  moduleName: SENTINEL.name,
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The template of `step`, checked against the command the run recorded (`recorded`): if the scenario changed
 * since (they no longer match), the recorded command is used literally, with no variables.
 */
export function stepTemplate(step: StepSpec, recorded: string): StepTemplate {
  const mod = moduleOf(step, sentinelFixtures);
  // moduleOf names the xz module NAME_xz: that whole word is the module name.
  const words = [
    { sentinel: mod.file, name: 'MODULE_FILE', what: 'the module file the step loads' },
    { sentinel: mod.name, name: 'MODULE_NAME', what: 'the module name the step unloads' },
    { sentinel: SENTINEL.loader, name: 'LOADER', what: "audit-harness's static loader (vms/loader)" },
  ];
  const template = stepCommand(step, sentinelFixtures);
  const found = words
    .map((w) => ({ ...w, at: template.indexOf(w.sentinel) }))
    .filter((w) => w.at >= 0)
    .sort((a, b) => a.at - b.at);
  if (found.length === 0) return { command: recorded, vars: [] };
  const pattern = found.map((w) => w.sentinel).sort((a, b) => b.length - a.length).map(escapeRe).join('|');
  const parts = template.split(new RegExp(`(${pattern})`));
  const m = new RegExp(`^${parts.map((p, i) => (i % 2 === 1 ? '([^\\s\'"]+)' : escapeRe(p))).join('')}$`).exec(recorded);
  if (!m) return { command: recorded, vars: [] };
  const vars: StepTemplate['vars'] = [];
  let command = '';
  parts.forEach((p, i) => {
    if (i % 2 === 0) return void (command += p);
    const w = found.find((x) => x.sentinel === p)!;
    const value = m[(i + 1) / 2]!;
    const seen = vars.find((v) => v.name === w.name);
    if (seen && seen.value !== value) throw new Error(`recorded command uses two values for ${w.name}: ${seen.value}, ${value}`);
    if (!seen) vars.push({ name: w.name, value, what: w.what });
    command += `"$${w.name}"`;
  });
  return { command, vars };
}

/** `NAME=${NAME:-value}` lines: the recorded value unless the caller's environment gives one. */
export function varDefaults(vars: StepTemplate['vars']): string {
  return vars.map((v) => `# ${v.what}\n${v.name}=\${${v.name}:-${shellQuote(v.value)}}\nexport ${v.name}`).join('\n');
}

// `repro`'s output: a self-contained directory for one finding (rules as applied, repro.sh, expected and actual
// records, the release facts and image the run had (facts.ts), a README with the commands that rerun it, rerun.ts).
import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AUTOLOAD } from '../images/guest-layout.js';
import type { KernelArch } from '../audit/rules/index.js';
import { repoRoot } from '../paths.js';
import { applySteps, readRulesSource, safeName } from '../scenarios/apply.js';
import { loadScenario } from '../scenarios/load.js';
import { writeDirAtomic } from '../scenarios/report/atomic-write.js';
import { readJson } from '../scenarios/report/json.js';
import { factsJson, factsMarkdown, runFacts } from './facts.js';
import { rerunCommands, type Reruns } from './rerun.js';
import { reproRulesWord, reproScript } from './script.js';
import { selectFinding, type Finding } from './select.js';
import { stepTemplate } from './step-template.js';

export interface ReproOptions {
  results: string;
  scenario: string;
  step?: string;
  target?: string;
  out: string;
}

export interface ReproDir {
  dir: string;
  finding: Finding;
  /** The README's commands that rerun the finding (rerun.ts), and why one is not offered. */
  reruns: Reruns;
}

export async function writeRepro(opts: ReproOptions): Promise<ReproDir> {
  const run = await readJson(opts.results);
  const finding = selectFinding(run, opts.results, opts.scenario, opts.step, opts.target);
  const { result, step } = finding;
  // plan.ts records a file under the repo relative to it, any other absolute.
  const scenarioFile = path.resolve(repoRoot, result.file);
  if (!(await access(scenarioFile).then(() => true, () => false))) {
    throw new Error(`${opts.results}: scenario ${result.scenarioId} ran from ${result.file}, which is not there any more (${scenarioFile})`);
  }
  const scenario = await loadScenario(scenarioFile);
  const stepSpec = scenario.steps.find((s) => s.id === step.id);
  if (!stepSpec) throw new Error(`${result.file}: no step "${step.id}" any more (the scenario changed since ${opts.results} was written)`);
  // The rules as that run applied them; older results.json files have none, so the scenario's files are read again.
  const src = result.rules ?? await readRulesSource(scenario, result.file, result.arch as KernelArch);
  // What the run did on its guest (applied.txt), and the rules under the name it gave them there (auditctl line by
  // line writes no file: the rule set's).
  const ranSteps = applySteps(src, scenario.apply, { rulesFile: scenario.rulesFile });
  const ruleFile = ranSteps.file ? path.posix.basename(ranSteps.file.path) : `${safeName(src.name)}.rules`;
  // The same steps for repro.sh, whose rules are its own copy under rules/ (loaded there by auditctl -R).
  const steps = applySteps(src, scenario.apply, { rulesFile: scenario.rulesFile, present: reproRulesWord(ruleFile) });
  const keysOf = (xs: typeof scenario.expect) => [...new Map(xs.map((x) => [`${x.key}\0${x.exactKey}`, { key: x.key, exact: x.exactKey }])).values()];
  const keys = keysOf(scenario.expect.filter((x) => x.step === step.id));
  const template = stepTemplate(stepSpec, step.command);
  const dir = path.resolve(opts.out);

  // Written whole into a temp directory beside --out, renamed into place at the end: a repro that fails half way
  // (a simulator profile that no longer loads, a full disk) leaves nothing at --out.
  const reruns = await writeDirAtomic(dir, async (tmp) => {
    await mkdir(path.join(tmp, 'rules'));
    await writeFile(path.join(tmp, 'rules', ruleFile), src.text);
    const script = reproScript({
      title: result.title, scenarioId: result.scenarioId, stepId: step.id, target: result.target, kernelRelease: result.kernelRelease,
      apply: { way: scenario.apply, steps }, rulesFileName: ruleFile,
      setup: result.steps.slice(0, finding.stepIndex).map((s) => ({ id: s.id, command: s.command })),
      step: template, keys: keys.length ? keys : keysOf(scenario.expect),
    });
    await writeFile(path.join(tmp, 'repro.sh'), script);
    await chmod(path.join(tmp, 'repro.sh'), 0o755);
    // An autoload (this step or one before it) needs the kernel's modprobe to resolve the guests' alias: handed over too.
    const autoloads = result.steps.slice(0, finding.stepIndex + 1).some((s) => s.do === 'autoload');
    if (autoloads) {
      await mkdir(path.join(tmp, 'modprobe.d'));
      await writeFile(path.join(tmp, 'modprobe.d', path.posix.basename(AUTOLOAD.conf)), AUTOLOAD.text);
    }

    const applied = result.expectations.find((x) => x.description.startsWith('apply: rules applied'));
    await writeFile(path.join(tmp, 'applied.txt'), [
      `Rules: ${src.name} (${src.file} in audit-harness), copied as rules/${ruleFile}.`,
      `Applied with: ${scenario.apply} (${ranSteps.about}): ${ranSteps.file ? `the rules written to ${ranSteps.file.path}${ranSteps.file.mode === undefined ? '' : ` (mode ${ranSteps.file.mode.toString(8)})`}, then ` : ''}${ranSteps.commands.join('; ') || 'nothing'}`,
      '', '# What the run did and printed', applied?.actual ?? '(not recorded)',
      '', '# auditctl -l afterwards', result.loadedRules?.trimEnd() ?? '(not recorded)', '',
    ].join('\n'));

    await writeFile(path.join(tmp, 'expected.txt'), `${finding.expectations.map((x) => [
      `## ${x.description}: ${x.outcome}`,
      `expected:\n${x.expected}`,
      `actual:\n${x.actual}`,
      ...(x.reason ? [`reason: ${x.reason}`] : []),
      ...(x.reference ? [`reference: ${x.reference}`] : []),
    ].join('\n')).join('\n\n')}\n`);
    await writeFile(path.join(tmp, 'actual-records.log'), step.events.map((e) => e.records.map((r) => (r as { raw?: string }).raw ?? '').join('\n')).join('\n') + (step.events.length ? '\n' : ''));
    await writeFile(path.join(tmp, 'actual.json'), `${JSON.stringify({
      step: step.id, path: step.path, as: step.as, command: step.command, exitCode: step.exitCode, stdout: step.stdout, stderr: step.stderr,
      events: step.logged,
    }, null, 2)}\n`);

    const known = await runFacts(run, result.target);
    const facts = {
      target: result.target, arch: result.arch, kernelRelease: result.kernelRelease, ...factsJson(known),
      templateVariables: Object.fromEntries(template.vars.map((v) => [v.name, v.value])),
    };
    await writeFile(path.join(tmp, 'facts.json'), `${JSON.stringify(facts, null, 2)}\n`);

    // The commands name the directory where it will be, not the temp one.
    const offered = await rerunCommands({ target: result.target, scenarioId: result.scenarioId, stepId: step.id, scenarioFile, dir, image: known.image.key });
    await writeFile(path.join(tmp, 'README.md'), readme({ finding, scenarioFile: result.file, ruleFile, reruns: offered, facts: factsMarkdown(known), template, results: opts.results, apply: scenario.apply, autoloads }));
    return offered;
  });
  return { dir, finding, reruns };
}

function readme(x: {
  finding: Finding; scenarioFile: string; ruleFile: string; reruns: Reruns; results: string; apply: string;
  /** A step up to this one autoloads the module (do: autoload): the host needs the guests' modprobe.d alias. */
  autoloads: boolean;
  /** The release facts section (facts.ts). */
  facts: string; template: ReturnType<typeof stepTemplate>;
}): string {
  const { result, step, expectations } = x.finding;
  const notPassed = expectations.filter((e) => e.outcome !== 'pass');
  return `# ${result.scenarioId}, step ${step.id}: ${notPassed.map((e) => e.outcome).join(', ') || 'pass'}

${result.title} (\`${x.scenarioFile}\`), on ${result.target}, kernel ${result.kernelRelease ?? 'unknown'} (${result.arch}).

${notPassed.map((e) => `- **${e.description}** (${e.outcome})${e.reason ? `: ${e.reason}` : ''}${e.reference ? ` [${e.reference}]` : ''}`).join('\n') || '- every expectation of this step passed'}

The step ran \`${step.command}\` (as ${step.as}), exit status ${step.exitCode}, and the run logged:
${step.logged.map((l) => `- event ${l.serial}: ${l.syscall ?? '(no syscall)'} key=${l.key ?? '(none)'} ${l.types.join(',')}`).join('\n') || '- nothing with the key'}

${x.facts}
${x.reruns.commands.map((c) => `## ${c.what}\n\n    ${c.command}\n${c.then ? `\n${c.then}\n` : ''}\n`).join('')}${x.reruns.notes.map((n) => `Not offered: ${n}.\n\n`).join('')}## Run on any Linux host with auditd

As root, on a test machine (the script replaces the audit rules: \`auditctl -D\`, then \`rules/${x.ruleFile}\` by ${x.apply}):

    ${x.template.vars.map((v) => `${v.name}=...`).join(' ')}${x.template.vars.length ? ' ' : ''}sh repro.sh

${x.template.vars.length ? `${x.template.vars.map((v) => `- \`${v.name}\`: ${v.what}; in the run: \`${v.value}\``).join('\n')}\n` : ''}
It needs only sh, auditctl, ausearch, awk and the step's own tools (kmod).${x.autoloads ? ` A step autoloads the module (a socket() of
family ${AUTOLOAD.family}, after which the kernel runs modprobe ${AUTOLOAD.alias} itself): the host needs the guests' alias, \`modprobe.d/${path.posix.basename(AUTOLOAD.conf)}\`
here, in \`/etc/modprobe.d/\`, and the test module where modprobe finds it (\`/lib/modules/$(uname -r)/extra/\`, then
\`depmod\`); repro.sh changes neither.` : ''} It prints the host's facts, \`auditctl -l\`,
the step's exit status, then for each key \`ausearch -i\` of the events between the step's two \`auditctl -m\` markers and
one \`event SERIAL syscall=... key=... types=...\` line per event, to compare with the run's records below.

## Files

- \`repro.sh\`: the script; \`rules/${x.ruleFile}\`: the rules exactly as applied; \`applied.txt\`: how, what the apply printed, \`auditctl -l\`
- \`expected.txt\`: the step's expectations, expected and actual; \`actual-records.log\`: the step's raw records in the run;
  \`actual.json\`: the step's command, exit status, output and one line per event
- \`facts.json\`: target, kernel, the release facts with their sources (\`releaseFacts\`), the image the run booted
  (\`image\`) with its packages and the guest's fixture paths while the cache holds it (else \`packagesNote\` says why not)${x.autoloads ? `
- \`modprobe.d/${path.posix.basename(AUTOLOAD.conf)}\`: the alias module autoloading resolves, as the guests have it` : ''}

Made by \`audit-harness repro --results ${x.results} --scenario ${result.scenarioId} --step ${step.id} --target ${result.target}\`.
`;
}

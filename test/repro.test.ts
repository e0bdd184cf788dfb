// `audit-harness repro` on a documented gap (cis-64-root, step insmod: kmod 30's finit_module is not named by
// `-S init_module`): the run's results.json, then repro, then the README's own command on a fresh boot must log the
// same events (syscall, key, record types) and the same absence of finit_module.
import test, { type ExecutionContext } from 'ava';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AUTOLOAD } from '../harness/images/guest-layout.js';
import { repoRoot } from '../harness/paths.js';
import { spawnSync } from 'node:child_process';
import { rerunCommands } from '../harness/repro/rerun.js';
import { reproRulesWord, reproScript } from '../harness/repro/script.js';
import { stepTemplate } from '../harness/repro/step-template.js';
import { applySteps } from '../harness/scenarios/apply.js';
import { shellQuote } from '../harness/shell.js';
import { findScenarioFiles, loadScenario } from '../harness/scenarios/load.js';
import { stepCommand, type Fixtures } from '../harness/scenarios/steps.js';
import { loadProfile } from '../harness/sim/profile.js';
import { knownTargets } from '../harness/targets/index.js';
import { cli, processesNaming } from './vm-cli.js';

interface Logged { syscall?: string; key?: string; types: string[] }
interface RecordedTarget { name: string; facts?: Record<string, unknown>; image?: string; kernelRelease?: string }
interface FactsJson {
  releaseFacts: { from: string; facts: Record<string, { value: unknown; about: string; source: string } | undefined> };
  image?: string;
  packages?: Record<string, string>;
  packagesNote?: string;
}
const factsOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'facts.json'), 'utf8')) as FactsJson;
const sig = (e: Logged) => `${e.syscall ?? '(none)'} ${e.key ?? '(none)'} ${[...e.types].sort().join(',')}`;

/** A library scenario run on a target with the json reporter into WORK/run: its results.json and how long the run took. */
async function runLibraryScenario(t: ExecutionContext, work: string, scenario: string, target: string): Promise<{ resultsFile: string; ms: number }> {
  const out = path.join(work, 'run');
  const run = await cli(['run', path.join(repoRoot, scenario), '--target', target, '--reporter', 'json', '--out', out]);
  t.is(run.code, 0, run.stderr);
  return { resultsFile: path.join(out, 'results.json'), ms: run.ms };
}

test('repro of cis-64-root step insmod, rerun with its README command on a fresh boot, logs the same records and the same absence', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-repro-test-'));
  try {
    const { resultsFile, ms: runMs } = await runLibraryScenario(t, work, 'scenarios/cis/cis-64-root.yaml', 'qemu:debian12-amd64');
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
      run: { targets: RecordedTarget[]; results: Array<{ scenarioId: string; outcome: string; steps: Array<{ id: string; exitCode: number; logged: Logged[] }> }> };
    };
    const scenario = results.run.results.find((r) => r.scenarioId === 'cis-64-root')!;
    t.is(scenario.outcome, 'gap');
    const insmod = scenario.steps.find((s) => s.id === 'insmod')!;

    const dir = path.join(work, 'repro');
    const made = await cli(['repro', '--results', resultsFile, '--scenario', 'cis-64-root', '--out', dir]);
    t.is(made.code, 0, made.stderr);
    for (const f of ['repro.sh', 'rules/50-modules.rules', 'applied.txt', 'expected.txt', 'actual-records.log', 'actual.json', 'facts.json', 'README.md']) {
      t.true(statSync(path.join(dir, f)).isFile(), f);
    }
    t.is(readFileSync(path.join(dir, 'rules/50-modules.rules'), 'utf8'), readFileSync(path.join(repoRoot, 'scenarios/rulesets/cis-64.rules'), 'utf8'));
    t.regex(readFileSync(path.join(dir, 'expected.txt'), 'utf8'), /finit_module absent: gap/);
    // The run names the image it booted; the repro's packages are that image's, its facts the ones measured on the guest.
    const booted = results.run.targets.find((x) => x.name === 'qemu:debian12-amd64')!;
    t.regex(booted.image ?? '', /^[0-9a-f]{16}$/);
    const facts = factsOf(dir);
    t.is(facts.image, booted.image);
    t.truthy(facts.packages?.kmod, JSON.stringify(facts));
    t.is(facts.releaseFacts.facts.kmod?.value, booted.facts!.kmod);
    t.is(facts.releaseFacts.facts.kmod?.source, 'measured on the guest');
    // The script names nothing of the harness (it runs where audit-harness is not installed).
    t.notRegex(readFileSync(path.join(dir, 'repro.sh'), 'utf8'), /audit-harness (vm|run|repro)|dist\/harness|node /);

    // The README's command, word for word (the harness's CLI for `audit-harness`).
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    const command = /## Rerun on a fresh boot of qemu:[^\n]*\n\n {4}(audit-harness [^\n]+)\n\nThis boots the image or box qemu:[^\n]* \(the run booted image [0-9a-f]{16}\)/.exec(readme)?.[1];
    t.truthy(command, readme);
    t.is(command, made.stdout.trim());
    const rerun = await cli(command!.split(' ').slice(1));
    t.is(rerun.code, 0, rerun.stderr);
    t.log(`run ${runMs} ms, repro ${made.ms} ms, rerun on a fresh boot ${rerun.ms} ms`);
    t.regex(rerun.stdout, /== step insmod\nexit status 0\n/);
    t.is(insmod.exitCode, 0);

    const summary = /== summary of key modules\n((?:event .*\n)*)/.exec(rerun.stdout)?.[1] ?? '';
    const again: Logged[] = summary.split('\n').filter(Boolean).map((l) => {
      const m = /^event \d+ syscall=(\S+) key=(\S+) types=(\S+)$/.exec(l)!;
      return { syscall: m[1], key: m[2], types: m[3]!.split(',') };
    });
    t.true(again.length > 0, rerun.stdout);
    // Same events: syscall, key and record types (ausearch -i lists an event's records in its own order).
    t.deepEqual(again.map(sig).sort(), insmod.logged.map(sig).sort());
    t.deepEqual(again.map((e) => e.syscall), ['execve']);
    // The same absence: no finit_module event with the key, in the run or in the rerun.
    t.false(insmod.logged.some((e) => e.syscall === 'finit_module'));
    t.false(again.some((e) => e.syscall === 'finit_module'));
    t.notRegex(rerun.stdout, /syscall=finit_module/);
    t.deepEqual(processesNaming(dir), []);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('repro step templates: every library step gives back its own command from the recorded one', async (t) => {
  const fx: Fixtures = {
    testModule: '/lib/modules/9.9.9-test/extra/audit_test_mod.ko.xz', testModuleKo: '/usr/local/lib/m/audit_test_mod.ko',
    testModuleXz: '/lib/modules/9.9.9-test/extra/audit_test_mod_xz.ko.xz', stockModule: { name: 'dummy', file: '/lib/modules/9.9.9-test/kernel/dummy.ko' },
    loader64: '/usr/local/bin/loader64', loader32: '/usr/local/bin/loader32', moduleName: 'audit_test_mod',
  };
  let checked = 0;
  for (const file of await findScenarioFiles(path.join(repoRoot, 'scenarios'))) {
    for (const step of (await loadScenario(file)).steps) {
      const recorded = stepCommand(step, fx);
      const tpl = stepTemplate(step, recorded);
      // Substituting each variable's value back (the values are plain words) gives the recorded command.
      let back = tpl.command;
      for (const v of tpl.vars) back = back.split(`"$${v.name}"`).join(v.value);
      t.is(back, recorded, `${file} step ${step.id}`);
      if (step.do !== 'run') t.true(tpl.vars.length > 0, `${file} step ${step.id} has no variable`);
      checked++;
    }
  }
  t.true(checked > 20);
});

test('repro.sh applies the rules with the runner\'s own apply commands, for every apply way, parses as sh and writes nothing under /tmp', (t) => {
  const src = { name: 'cis 64', text: '# CIS\n-w /sbin/insmod -p x -k modules\n-a always,exit -F arch=b64 -S init_module -k modules\n' };
  for (const way of ['auditctl', 'auditctl-R', 'augenrules', 'none'] as const) {
    const steps = applySteps(src, way, { rulesFile: way === 'augenrules' ? '50-modules.rules' : undefined, present: reproRulesWord('r.rules') });
    const script = reproScript({
      title: 't', scenarioId: 's', stepId: 'insmod', target: 'qemu:x', apply: { way, steps }, rulesFileName: 'r.rules', setup: [],
      step: { command: 'insmod "$MODULE_FILE"', vars: [{ name: 'MODULE_FILE', value: '/m.ko', what: 'the module' }] }, keys: [{ key: 'modules', exact: false }],
    });
    const section = /\necho "== apply \(([^)]*)\)"\n([^]*?)\necho "== rules loaded/.exec(script);
    t.is(section?.[1], way);
    const lines = section![2]!.split('\n').filter((l) => !l.startsWith('#'));
    const wrote = steps.file ? [`cat "$here/rules/"r.rules > ${shellQuote(steps.file.path)}${steps.file.mode ? ` && chmod ${steps.file.mode.toString(8)} ${shellQuote(steps.file.path)}` : ''} || exit 2`] : [];
    t.deepEqual(lines, [...wrote, ...steps.commands.map((c) => `${c} || echo "repro.sh: exit $? from the line above"`)], way);
    const parsed = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
    t.is(parsed.status, 0, `${way}: ${parsed.stderr}`);
    // On a host that is anyone's, as root: no path in /tmp (a symlink planted there would be followed); its own
    // files only in the new private directory mktemp -d makes, never at a name derived from one beside it.
    t.notRegex(script, /\/tmp/, way);
    t.deepEqual(script.match(/^tmp=.*$/gm), ['tmp=$(mktemp -d) || exit 2'], way);
    t.deepEqual([...new Set(script.match(/\$\{?tmp[^\s']*/g))].sort(), ['$tmp"', '$tmp/key"', '$tmp/window"'], way);
  }
  // auditctl -R loads repro.sh's own copy in place; the runner writes its throwaway guest's /tmp.
  t.deepEqual(applySteps(src, 'auditctl-R', { present: reproRulesWord('audit-harness-cis_64.rules') }),
    { about: 'one file, loaded by auditctl -R', commands: ['auditctl -R "$here/rules/"audit-harness-cis_64.rules'] });
  // The ways as the runner states them: one auditctl per rule line, a file in /tmp for -R, rules.d at 640 for augenrules.
  t.deepEqual(applySteps(src, 'auditctl').commands, ['auditctl -w /sbin/insmod -p x -k modules', 'auditctl -a always,exit -F arch=b64 -S init_module -k modules']);
  t.deepEqual(applySteps(src, 'auditctl-R'), { about: 'one file, loaded by auditctl -R', file: { path: '/tmp/audit-harness-cis_64.rules' }, commands: ['auditctl -R /tmp/audit-harness-cis_64.rules'] });
  t.deepEqual(applySteps(src, 'augenrules').file, { path: '/etc/audit/rules.d/50-cis_64.rules', mode: 0o640 });
  t.deepEqual(applySteps(src, 'augenrules', { rulesFile: '50-modules.rules', present: reproRulesWord('50-modules.rules') }).file, { path: '/etc/audit/rules.d/50-modules.rules', mode: 0o640 });
  t.deepEqual(applySteps(src, 'augenrules').commands, ['augenrules --load']);
});

/** A copy of cis-64-root under another id in a directory outside the repository, run on a sim: target. */
async function runOutsideRepo(work: string, id: string, target: string): Promise<{ file: string; results: string; code: number | null; stderr: string }> {
  const dir = path.join(work, 'elsewhere');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 's.yaml');
  const text = readFileSync(path.join(repoRoot, 'scenarios/cis/cis-64-root.yaml'), 'utf8');
  if (!/^id: cis-64-root$/m.test(text)) throw new Error('cis-64-root.yaml has no line id: cis-64-root');
  writeFileSync(file, text.replace(/^id: cis-64-root$/m, `id: ${id}`));
  const out = path.join(work, 'run');
  const run = await cli(['run', file, '--target', target, '--reporter', 'json', '--out', out]);
  return { file, results: path.join(out, 'results.json'), code: run.code, stderr: run.stderr };
}

const stepOf = (file: string, scenarioId: string, stepId: string) => {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { run: { results: Array<{ scenarioId: string; outcome: string; steps: Array<{ id: string; logged: Logged[] }> }> } };
  const r = doc.run.results.find((x) => x.scenarioId === scenarioId)!;
  return { outcome: r.outcome, step: r.steps.find((s) => s.id === stepId)! };
};

test('repro of a scenario file outside the repository found on a sim: target: the repro is written, and it offers only commands that work (the run on the model, which finds the same, and on the real target the profile stands for)', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-repro-sim-'));
  try {
    const { file, results, ...run } = await runOutsideRepo(work, 'outside-cis-64-root', 'sim:debian13-amd64');
    t.is(run.code, 0, run.stderr);
    const first = stepOf(results, 'outside-cis-64-root', 'insmod');
    t.is(first.outcome, 'gap');

    const dir = path.join(work, 'repro');
    const made = await cli(['repro', '--results', results, '--scenario', 'outside-cis-64-root', '--out', dir]);
    t.is(made.code, 0, made.stderr);
    t.notRegex(made.stderr, /ENOENT/);
    for (const f of ['repro.sh', 'rules/50-modules.rules', 'expected.txt', 'actual.json', 'facts.json', 'README.md']) t.true(statSync(path.join(dir, f)).isFile(), f);

    // No `vm exec` of a sim: target (vm exec refuses it); a run on the model, and on the profile's real target.
    const commands = made.stdout.trim().split('\n');
    const real = loadProfile('debian13-amd64').calibratedBy!;
    t.true(knownTargets.some((k) => k.spec === real), real);
    t.deepEqual(commands, [
      `audit-harness run ${file} --target sim:debian13-amd64 --out ${path.join(dir, 'run@sim_debian13-amd64')}`,
      `audit-harness run ${file} --target ${real} --out ${path.join(dir, `run@${real.replace(':', '_')}`)}`,
    ]);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    t.notRegex(readme, /vm exec/);
    for (const c of commands) t.true(readme.includes(`\n    ${c}\n`), c);
    t.true(readme.includes(`audit-harness repro --results ${path.join(dir, `run@${real.replace(':', '_')}`, 'results.json')} --scenario outside-cis-64-root --step insmod --target ${real} `), readme);

    // The model's command, word for word: the same outcome, the same events for the step.
    const again = await cli(commands[0]!.split(' ').slice(1));
    t.is(again.code, 0, again.stderr);
    const rerun = stepOf(path.join(dir, 'run@sim_debian13-amd64', 'results.json'), 'outside-cis-64-root', 'insmod');
    t.is(rerun.outcome, first.outcome);
    t.deepEqual(rerun.step.logged.map(sig), first.step.logged.map(sig));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('repro of a sim: finding hands over the release facts the run conditioned on, modelled by its profile: in facts.json, and one README line each with its source', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-repro-facts-'));
  try {
    const { results, ...run } = await runOutsideRepo(work, 'outside-facts', 'sim:debian13-amd64');
    t.is(run.code, 0, run.stderr);
    const recorded = (JSON.parse(readFileSync(results, 'utf8')) as { run: { targets: RecordedTarget[] } }).run.targets;
    t.deepEqual(recorded.map((x) => [x.name, x.image]), [['sim:debian13-amd64', undefined]]);
    const dir = path.join(work, 'repro');
    const made = await cli(['repro', '--results', results, '--scenario', 'outside-facts', '--out', dir]);
    t.is(made.code, 0, made.stderr);

    // Every fact the run recorded, valued as recorded: the profile's, and what follows from them by kmod's source.
    const { releaseFacts, ...facts } = factsOf(dir);
    const profile = loadProfile('debian13-amd64');
    t.deepEqual(Object.keys(releaseFacts.facts).sort(), Object.keys(recorded[0]!.facts!).sort());
    for (const [name, value] of Object.entries(profile.values)) t.deepEqual(releaseFacts.facts[name]?.value, value, name);
    t.regex(releaseFacts.from, /^modelled by the simulator's profile vms\/profiles\/debian13-amd64\.yaml/);
    for (const name of ['kmod', 'moduleCompression', 'kernelDecompression', 'usrMerge', 'kernModule']) t.is(releaseFacts.facts[name]?.source, 'modelled by profile debian13-amd64', name);
    const { kmod, kernelDecompression, xzSyscall } = profile.values;
    t.is(releaseFacts.facts.xzSyscall?.source, `derived by kmod's source from kmod ${kmod}, kernelDecompression ${kernelDecompression}`);
    // No image, so no packages: the note says why.
    t.is(facts.image, undefined);
    t.is(facts.packages, undefined);
    t.regex(facts.packagesNote ?? '', /sim:debian13-amd64 is the simulator's model of a release/);

    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    const section = /\n## Release facts\n\n[^\n]*\n\n((?:- .*\n)+)\n/.exec(readme)?.[1];
    t.is(section, Object.entries(releaseFacts.facts).map(([name, f]) => `- ${name}: ${String(f!.value)} (${f!.about}; ${f!.source})\n`).join(''), readme);
    t.true(readme.includes(`\n- kmod: ${kmod} (kmod's major version, kmod --version; modelled by profile debian13-amd64)\n`), readme);
    t.true(readme.includes(`\n- xzSyscall: ${xzSyscall} (kmod's syscall for a .ko.xz; derived by kmod's source from kmod ${kmod}, kernelDecompression ${kernelDecompression})\n`), readme);
    t.regex(readme, /\nPackages: none: sim:debian13-amd64 is the simulator's model/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

/** An image manifest in a cache of the test's own (repro reads only manifest.json): what a build leaves. */
function cachedImage(cache: string, id: string, key: string, kernelRelease: string, kmod: string, builtAt: string): void {
  mkdirSync(path.join(cache, 'images', id, key), { recursive: true });
  writeFileSync(path.join(cache, 'images', id, key, 'manifest.json'), JSON.stringify({
    id, key, kernelRelease, builtAt, distro: { id: 'debian12', family: 'debian' },
    packages: { kmod, auditd: '1:3.0.9-1', 'linux-image-6.1.0-28-amd64': '6.1.119-1', libc6: '2.36-9+deb12u9' },
    guest: { testModule: '/lib/modules/x/extra/audit_test_mod.ko', testModuleKo: '/m.ko', testModuleXz: '/m.ko.xz', stockModule: { name: 'dummy', file: '/d.ko' }, loader32: '/l32', user: 'tester' },
  }));
}

test('repro takes the packages only from the image the run booted, never from a rebuild with the same kernel; a results.json without the image or the facts still gives a repro, which says what it lacks', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-repro-image-'));
  try {
    const { results, ...run } = await runOutsideRepo(work, 'outside-image', 'sim:debian12-amd64');
    t.is(run.code, 0, run.stderr);
    const doc = JSON.parse(readFileSync(results, 'utf8')) as { run: { targets: RecordedTarget[]; results: Array<{ target: string }> } };
    const release = doc.run.targets[0]!.kernelRelease!;
    // The cache holds the image the run booted and a later rebuild of the same kernel with another kmod.
    const cache = path.join(work, 'cache');
    cachedImage(cache, 'debian12-amd64', 'aaaaaaaaaaaaaaaa', release, '30+20221128-1', '2025-01-01T00:00:00.000Z');
    cachedImage(cache, 'debian12-amd64', 'bbbbbbbbbbbbbbbb', release, '31-1', '2025-06-01T00:00:00.000Z');
    const env = { ...process.env, AUDIT_HARNESS_CACHE: cache };
    /** The run as one on qemu:debian12-amd64 that booted `image` (the runner records a guest's facts as a profile's). */
    const reproOf = async (name: string, target: Omit<RecordedTarget, 'name'>) => {
      const file = path.join(work, `${name}.json`);
      const d = structuredClone(doc);
      for (const r of d.run.results) r.target = 'qemu:debian12-amd64';
      d.run.targets = [{ name: 'qemu:debian12-amd64', ...target }];
      writeFileSync(file, JSON.stringify(d));
      const dir = path.join(work, `repro-${name}`);
      const made = await cli(['repro', '--results', file, '--scenario', 'outside-image', '--out', dir], { env });
      t.is(made.code, 0, `${name}: ${made.stderr}`);
      return { facts: factsOf(dir), readme: readFileSync(path.join(dir, 'README.md'), 'utf8') };
    };
    const { facts: recordedFacts, kernelRelease } = doc.run.targets[0]!;

    const ran = await reproOf('ran', { facts: recordedFacts, kernelRelease, image: 'aaaaaaaaaaaaaaaa' });
    t.is(ran.facts.image, 'aaaaaaaaaaaaaaaa');
    t.is(ran.facts.packages?.kmod, '30+20221128-1');
    t.is(ran.facts.packages?.libc6, undefined);
    t.is(ran.facts.releaseFacts.facts.kmod?.source, 'measured on the guest');
    t.regex(ran.facts.releaseFacts.from, /^measured on the booted guest by the run/);
    t.regex(ran.readme, /\nPackages of the image the run booted \(aaaaaaaaaaaaaaaa\): kmod 30\+20221128-1, auditd 1:3\.0\.9-1, linux-image-6\.1\.0-28-amd64 6\.1\.119-1\.\n/);
    t.true(ran.readme.includes(`\n- kmod: ${String(recordedFacts!.kmod)} (kmod's major version, kmod --version; measured on the guest)\n`), ran.readme);

    // Rebuilt since: the newer image with the same kernel is not the run's, and its kmod 31 is not handed over.
    const gone = await reproOf('gone', { facts: recordedFacts, kernelRelease, image: 'cccccccccccccccc' });
    t.is(gone.facts.image, 'cccccccccccccccc');
    t.is(gone.facts.packages, undefined);
    t.is(gone.facts.packagesNote, 'unknown: the run booted image cccccccccccccccc, which the cache no longer holds (rebuilt since; `audit-harness targets` shows the current one)');
    t.true(gone.readme.includes(`\nPackages: ${gone.facts.packagesNote}.\n`), gone.readme);
    t.notRegex(gone.readme, /31-1|30\+20221128/);

    // Written before runs recorded the image and the facts: the repro is whole, and says what results.json lacks.
    const old = await reproOf('old', { kernelRelease });
    t.deepEqual(old.facts.releaseFacts, { from: 'not recorded: results.json has no release facts for qemu:debian12-amd64 (written before runs recorded them)', facts: {} });
    t.is(old.facts.image, undefined);
    t.is(old.facts.packages, undefined);
    t.regex(old.facts.packagesNote ?? '', /^unknown: results\.json does not record which image the run booted/);
    t.regex(old.readme, /\n## Release facts\n\nThe facts the run conditioned its expectations on: not recorded: [^\n]*\n\nPackages: unknown: results\.json does not record which image/);
    t.notRegex(old.readme, /31-1|30\+20221128/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('repro of a finding on a modelled profile (no real target stands for it) offers the run on the model only, and says why', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-repro-sim-'));
  try {
    const out = path.join(work, 'run');
    t.is(loadProfile('rhel9-x86_64').calibratedBy, undefined);
    const run = await cli(['run', path.join(repoRoot, 'scenarios/cis/cis-64-root.yaml'), '--target', 'sim:rhel9-x86_64', '--reporter', 'json', '--out', out]);
    t.is(run.code, 0, run.stderr);
    const dir = path.join(work, 'repro');
    const made = await cli(['repro', '--results', path.join(out, 'results.json'), '--scenario', 'cis-64-root', '--step', 'insmod', '--out', dir]);
    t.is(made.code, 0, made.stderr);
    t.is(made.stdout, `audit-harness run ${path.join(repoRoot, 'scenarios/cis/cis-64-root.yaml')} --target sim:rhel9-x86_64 --out ${path.join(dir, 'run@sim_rhel9-x86_64')}\n`);
    t.regex(made.stderr, /not offered: the profile rhel9-x86_64 is modelled from public sources/);
    t.regex(readFileSync(path.join(dir, 'README.md'), 'utf8'), /Not offered: the profile rhel9-x86_64 is modelled/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('repro offers `vm exec` only for a target it can boot', async (t) => {
  const x = { scenarioId: 's', stepId: 'insmod', scenarioFile: '/s.yaml', dir: '/tmp/r' };
  t.deepEqual((await rerunCommands({ ...x, target: 'qemu:debian12-amd64' })).commands.map((c) => c.command), ['audit-harness vm exec qemu:debian12-amd64 --put /tmp/r:/root/repro -- sh /root/repro/repro.sh']);
  const gone = await rerunCommands({ ...x, target: 'qemu:debian9-amd64' });
  t.deepEqual(gone.commands, []);
  t.regex(gone.notes.join('\n'), /qemu:debian9-amd64 is not a target this audit-harness can boot/);
  const noProfile = await rerunCommands({ ...x, target: 'sim:debian9-amd64' });
  t.deepEqual(noProfile.commands, []);
  t.regex(noProfile.notes.join('\n'), /no simulator profile debian9-amd64/);
});

test('repro names the results file and the place in its JSON that is wrong (exit 2, nothing written), and a scenario file that is gone', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-repro-bad-'));
  try {
    const { file, results, ...run } = await runOutsideRepo(work, 'outside-gone', 'sim:debian12-amd64');
    t.is(run.code, 0, run.stderr);
    const good = readFileSync(results, 'utf8');
    const cases: Array<[(run: Record<string, any>) => void, string]> = [
      [(r) => void (r.results = { 0: r.results[0] }), 'run.results: expected array, got object'],
      [(r) => void (r.results[0].steps = 'insmod'), 'run.results[0].steps: expected array, got string'],
      [(r) => void (r.results[0].expectations[0].description = null), 'run.results[0].expectations[0].description: expected string, got null'],
      [(r) => void delete r.results[0].file, 'run.results[0].file: missing (expected string)'],
    ];
    for (const [spoil, where] of cases) {
      const doc = JSON.parse(good);
      spoil(doc.run);
      const bad = path.join(work, 'bad.json');
      writeFileSync(bad, JSON.stringify(doc));
      const dir = path.join(work, 'repro-bad');
      const r = await cli(['repro', '--results', bad, '--scenario', 'outside-gone', '--out', dir]);
      t.is(r.code, 2, where);
      t.is(r.stderr, `audit-harness: ${bad}: ${where}\n`);
      t.false(existsSync(dir), where);
    }
    rmSync(file);
    const gone = await cli(['repro', '--results', results, '--scenario', 'outside-gone', '--out', path.join(work, 'repro')]);
    t.is(gone.code, 2);
    t.is(gone.stderr, `audit-harness: ${results}: scenario outside-gone ran from ${file}, which is not there any more (${file})\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

/** A copy of the built harness whose simulator profile `id` no longer loads (kernelRelease emptied), in `dir`. */
function harnessWithBrokenProfile(dir: string, id: string): { cli: (args: string[]) => ReturnType<typeof spawnSync> } {
  // repoRoot is where dist/harness is, so a copy of dist/harness reads the copy's vms/profiles.
  cpSync(path.join(repoRoot, 'dist', 'harness'), path.join(dir, 'dist', 'harness'), { recursive: true });
  cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  for (const shared of ['node_modules', 'scenarios']) symlinkSync(path.join(repoRoot, shared), path.join(dir, shared));
  for (const sub of readdirSync(path.join(repoRoot, 'vms'))) {
    if (sub !== 'profiles') symlinkSync(path.join(repoRoot, 'vms', sub), path.join(dir, 'vms', sub));
    else cpSync(path.join(repoRoot, 'vms', sub), path.join(dir, 'vms', sub), { recursive: true });
  }
  const profile = path.join(dir, 'vms', 'profiles', `${id}.yaml`);
  const text = readFileSync(profile, 'utf8');
  if (!/^kernelRelease: .+$/m.test(text)) throw new Error(`${profile} has no line kernelRelease:`);
  writeFileSync(profile, text.replace(/^kernelRelease: .+$/m, "kernelRelease: ''"));
  const cliJs = path.join(dir, 'dist', 'harness', 'cli.js');
  return { cli: (args) => spawnSync(process.execPath, [cliJs, ...args], { encoding: 'utf8', timeout: 120_000 }) };
}

test('a repro that fails half way (its simulator profile no longer loads) leaves nothing at --out, nor a temp dir or a parent it made; a --out with contents is refused and kept', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-repro-fail-'));
  try {
    const { results, ...run } = await runOutsideRepo(work, 'outside-broken', 'sim:debian13-amd64');
    t.is(run.code, 0, run.stderr);
    const copy = path.join(work, 'copy');
    mkdirSync(path.join(copy, 'vms'), { recursive: true });
    const broken = harnessWithBrokenProfile(copy, 'debian13-amd64');

    const parent = path.join(work, 'new', 'deeper');
    const dir = path.join(parent, 'repro');
    const r = broken.cli(['repro', '--results', results, '--scenario', 'outside-broken', '--out', dir]);
    t.is(r.status, 2, String(r.stderr));
    // Named as the profile loader names it: relative to the (copied) repository.
    t.regex(String(r.stderr), /^audit-harness: vms\/profiles\/debian13-amd64\.yaml:\d+:\d+: kernelRelease: /);
    t.notRegex(String(r.stderr), /\n {4}at /);
    t.false(existsSync(path.join(work, 'new')), 'a parent the repro made is left');
    t.deepEqual(readdirSync(work).sort(), ['copy', 'elsewhere', 'run']);

    // The same failure into an empty --out that exists: it stays, empty (no README-less repro, no temp dir beside).
    const empty = path.join(work, 'empty');
    mkdirSync(empty);
    t.is(broken.cli(['repro', '--results', results, '--scenario', 'outside-broken', '--out', empty]).status, 2);
    t.deepEqual(readdirSync(empty), []);
    t.deepEqual(readdirSync(work).sort(), ['copy', 'elsewhere', 'empty', 'run']);

    // The real profile: the repro is whole, in the empty --out.
    const good = await cli(['repro', '--results', results, '--scenario', 'outside-broken', '--out', empty]);
    t.is(good.code, 0, good.stderr);
    t.true(statSync(path.join(empty, 'README.md')).isFile());
    t.deepEqual(readdirSync(work).sort(), ['copy', 'elsewhere', 'empty', 'run']);

    // A --out with something in it is never replaced, nor written into.
    const again = await cli(['repro', '--results', results, '--scenario', 'outside-broken', '--out', empty]);
    t.is(again.code, 2);
    t.is(again.stderr, `audit-harness: ${empty}: exists and is not empty (name a new directory)\n`);
    t.true(statSync(path.join(empty, 'README.md')).isFile());
    t.deepEqual(readdirSync(work).sort(), ['copy', 'elsewhere', 'empty', 'run']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('repro of an autoload finding (autoload-auid-filter on sim:debian12-amd64, the user\'s autoload not logged) hands over the guests\' modprobe.d alias and says what the host needs; a finding with no autoload up to it does not', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-repro-autoload-'));
  try {
    const { resultsFile } = await runLibraryScenario(t, work, 'scenarios/autoload/autoload-auid-filter.yaml', 'sim:debian12-amd64');
    const dir = path.join(work, 'repro');
    const made = await cli(['repro', '--results', resultsFile, '--scenario', 'autoload-auid-filter', '--step', 'user-autoload', '--out', dir]);
    t.is(made.code, 0, made.stderr);
    const conf = path.join(dir, 'modprobe.d', path.posix.basename(AUTOLOAD.conf));
    t.is(readFileSync(conf, 'utf8'), AUTOLOAD.text);
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    t.true(readme.includes(`the host needs the guests' alias, \`modprobe.d/${path.posix.basename(AUTOLOAD.conf)}\``), readme);
    t.regex(readme, /^- `modprobe\.d\/audit-harness-autoload\.conf`: the alias module autoloading resolves/m);
    // the step before it (sudo's modprobe) autoloads nothing: no alias to hand over
    const before = path.join(work, 'repro-before');
    const made2 = await cli(['repro', '--results', resultsFile, '--scenario', 'autoload-auid-filter', '--step', 'sudo-modprobe', '--out', before]);
    t.is(made2.code, 0, made2.stderr);
    t.false(existsSync(path.join(before, 'modprobe.d')));
    t.false(readFileSync(path.join(before, 'README.md'), 'utf8').includes('modprobe.d/'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

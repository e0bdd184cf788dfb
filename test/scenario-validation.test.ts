// Scenario files with mistakes are refused before anything runs: `audit-harness run` exits 2 and names each file at
// the line:col of the mistake, instead of a scenario that silently asserts nothing, is n/a everywhere, blames the
// kernel (a fail) or the infrastructure (an error). Each case runs the real CLI on files written to a temp dir.
import test from 'ava';
import { execa } from 'execa';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { conditionsHold } from '../harness/releases/conditions.js';
import { deriveFacts } from '../harness/releases/facts.js';
import { knownDistros } from '../harness/scenarios/applicability.js';
import { parseScenario, readScenario, ScenarioFileError } from '../harness/scenarios/load.js';
import { boxDistro } from '../harness/targets/vagrant/box-distro.js';

const cli = path.join(repoRoot, 'dist/harness/cli.js');

/** A valid scenario up to its one expectation (lines 1-9); a case appends lines to the expectation or the file. */
const head = (id = 'bad') => [
  `id: ${id}`,
  'title: t',
  'source: s',
  'rules: { ruleset: cis-64 }',
  'steps:',
  '  - { id: load, path: insmod, do: insmod }',
  'expect:',
  '  - step: load',
  '    key: modules',
];
const withExpectation = (...lines: string[]) => [...head(), ...lines].join('\n') + '\n';
/** The same in a scenario of its own id, for several files in one run. */
const scenarioWith = (id: string, ...lines: string[]) => [...head(id), ...lines].join('\n') + '\n';
const file = (...lines: string[]) => lines.join('\n') + '\n';

interface CliRun {
  exitCode: number | undefined;
  /** stderr's lines. */
  lines: string[];
  stderr: string;
  /** What the run wrote to --out (nothing, when it stopped before running). */
  written: string[];
  /** name -> the path the CLI names it by. */
  at: (name: string) => string;
}

/** Writes the files to a temp dir and runs `run FILES --target sim:debian12-amd64` on them. */
async function runOn(t: { teardown: (f: () => Promise<void>) => void }, files: Record<string, string>): Promise<CliRun> {
  const dir = await mkdtemp(path.join(tmpdir(), 'audit-harness-scenario-validation-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const out = path.join(dir, 'out');
  const r = await execa('node', [cli, 'run', ...Object.keys(files).map((n) => path.join(dir, n)), '--target', 'sim:debian12-amd64', '--out', out], { cwd: repoRoot, reject: false });
  const written = await readdir(out).catch(() => []);
  return { exitCode: r.exitCode, stderr: r.stderr, lines: r.stderr.split('\n'), written, at: (name) => path.join(dir, name) };
}

/** Exit 2, each expected line as it stands, no stack trace, nothing run; files: how many bad files (one line each by default). */
function refused(t: import('ava').ExecutionContext, r: CliRun, expected: string[], files = expected.length): void {
  t.is(r.exitCode, 2, r.stderr);
  t.is(r.lines[0], `audit-harness: ${files} scenario file(s) cannot run:`, r.stderr);
  for (const line of expected) t.true(r.lines.includes(line), `expected the line\n  ${line}\nin\n${r.stderr}`);
  t.notRegex(r.stderr, /\n\s+at /);
  t.deepEqual(r.written, []);
}

test('1. a when: value that no target can have is refused at its position, on an expectation and on applies', async (t) => {
  const r = await runOn(t, {
    'expect-when.yaml': scenarioWith('bad1', '    when: { xzSyscall: teleport_module }'),
    'applies-when.yaml': file('id: bad2', 'title: t', 'source: s', 'applies: { when: { sh: zsh } }', 'rules: { ruleset: cis-64 }'),
  });
  refused(t, r, [
    `${r.at('expect-when.yaml')}:10:24: expect.0.when.xzSyscall: "teleport_module" is not a value of xzSyscall: it is one of init_module, finit_module`,
    `${r.at('applies-when.yaml')}:4:24: applies.when.sh: "zsh" is not a value of sh: it is one of dash, bash, busybox`,
  ]);
  // The facts' own values still load, and a boolean fact takes only a boolean.
  t.notThrows(() => parseScenario(withExpectation('    when: { xzSyscall: [init_module, finit_module], kernModule: true }'), 'ok.yaml'));
  t.throws(() => parseScenario(withExpectation('    when: { kernModule: "true" }'), 'q.yaml'), { message: /^q\.yaml:10:25: expect\.0\.when\.kernModule: kernModule is true or false \(unquoted\), not "true"$/ });
});

test('2. a comparison that does not parse, or compares a fact of the wrong type, is refused at its position', async (t) => {
  const r = await runOn(t, {
    'thirty.yaml': file('id: bad', 'title: t', 'source: s', 'applies: { when: { kmod: ">= thirty" } }', 'rules: { ruleset: cis-64 }'),
    'kernel-text.yaml': file('id: bad2', 'title: t', 'source: s', 'applies: { when: { kernel: "6.1" } }', 'rules: { ruleset: cis-64 }'),
    'enum-compared.yaml': file('id: bad3', 'title: t', 'source: s', 'applies: { when: { arch: ">=1" } }', 'rules: { ruleset: cis-64 }'),
  });
  refused(t, r, [
    `${r.at('thirty.yaml')}:4:26: applies.when.kmod: ">= thirty" is not a comparison of kmod: an operator (>=, <=, >, <, ==, !=) and a whole number, e.g. ">=31"`,
    `${r.at('kernel-text.yaml')}:4:28: applies.when.kernel: kernel is a version and is compared, not matched: write a quoted comparison such as "==6.1" or ">=6.1", not "6.1"`,
    `${r.at('enum-compared.yaml')}:4:26: applies.when.arch: arch is not compared: it is one of x86_64, i686`,
  ]);
  // Well-formed comparisons load and compare as before.
  const s = parseScenario(file('id: ok', 'title: t', 'source: s', 'applies: { when: { kmod: ">= 31", kernel: "==6.1" } }', 'rules: { ruleset: cis-64 }'), 'ok.yaml');
  const bookworm = deriveFacts({ arch: 'x86_64', kernel: '6.1.0-28-cloud-amd64', kmod: 30, moduleCompression: 'none', kernelDecompression: 'none', usrMerge: true, sh: 'dash', auditd: '3.0.9', logFormat: 'ENRICHED', ia32Emulation: true, kernModule: true });
  t.false(conditionsHold(s.applies.when!, bookworm));
  t.true(conditionsHold(s.applies.when!, { ...bookworm, kmod: 31 }));
});

test('3. a regex that does not compile is refused when the file loads, not when a target runs it', async (t) => {
  const r = await runOn(t, { 'regex.yaml': withExpectation('    fields: { SYSCALL.comm: { regex: "(" } }') });
  refused(t, r, [`${r.at('regex.yaml')}:10:38: expect.0.fields.SYSCALL.comm.regex: Invalid regular expression: /(/: Unterminated group`]);
  t.notThrows(() => parseScenario(withExpectation('    fields: { SYSCALL.comm: { regex: "^(insmod|kmod)$" } }'), 'ok.yaml'));
});

test('4. unknown record types, malformed field names, an empty count range and an empty key are refused, not failed', async (t) => {
  const r = await runOn(t, {
    'a-record.yaml': scenarioWith('a', '    fields: { NOSUCHREC.syscall: init_module }'),
    'b-no-field.yaml': scenarioWith('b', '    fields: { SYSCALL: init_module }'),
    'c-suffix.yaml': scenarioWith('c', '    fields: { SYSCALL.syscall:q: init_module }'),
    'd-count.yaml': scenarioWith('d', '    count: { min: 3, max: 1 }'),
    'e-key.yaml': [...head('e').slice(0, -1), '    key: ""'].join('\n') + '\n',
  });
  refused(t, r, [
    `${r.at('a-record.yaml')}:10:15: expect.0.fields.NOSUCHREC.syscall: NOSUCHREC is not an audit record type (such as SYSCALL, PROCTITLE, KERN_MODULE, EXECVE, PATH)`,
    `${r.at('b-no-field.yaml')}:10:15: expect.0.fields.SYSCALL: SYSCALL names no field: write RECORD.field, e.g. SYSCALL.syscall (as logged) or SYSCALL.syscall:i (interpreted)`,
    `${r.at('c-suffix.yaml')}:10:15: expect.0.fields.SYSCALL.syscall:q: :q is no suffix of a field: the only one is :i (the value as ausearch -i prints it)`,
    `${r.at('d-count.yaml')}:10:12: expect.0.count: min 3 is more than max 1: no number of events is both`,
    `${r.at('e-key.yaml')}:9:10: expect.0.key: an empty key names no rule (ausearch -k KEY)`,
  ]);
  // Field names as records spell them load: interpreted, an EXECVE argument's piece, a hyphenated LOGIN field.
  t.notThrows(() => parseScenario(withExpectation('    fields:', '      SYSCALL.syscall:i: init_module', '      EXECVE.a1[0]: x', '      LOGIN.old-auid: "4294967295"', '    count: { min: 1, max: 1 }'), 'ok.yaml'));
});

test('5. an unknown key, a missing rule set, rules for too few archs and an alias bomb are each named at their line:col', async (t) => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]'];
  const r = await runOn(t, {
    'colour.yaml': file('id: bad', 'title: t', 'source: s', 'rules: { ruleset: cis-64 }', 'colour: blue'),
    'no-ruleset.yaml': file('id: bad2', 'title: t', 'source: s', 'rules:', '  ruleset: does-not-exist'),
    'archs.yaml': file('id: bad3', 'title: t', 'source: s', 'applies: { archs: [x86_64, i686] }', 'rules:', '  ruleset: { x86_64: cis-64 }'),
    'bomb.yaml': file('id: bad4', 'title: t', 'source: s', 'rules: { ruleset: cis-64 }', ...bomb),
  });
  refused(t, r, [
    `${r.at('colour.yaml')}:5:1: colour: unknown key "colour"`,
    `${r.at('no-ruleset.yaml')}:5:12: rules.ruleset "does-not-exist": no file scenarios/rulesets/does-not-exist.rules`,
    `${r.at('archs.yaml')}:6:12: rules.ruleset: applies to i686 (applies.archs) but its rules are given only for x86_64`,
    `${r.at('bomb.yaml')}:6:8: Excessive alias count indicates a resource exhaustion attack`,
  ]);
  // A file that cannot be read is named too.
  await t.throwsAsync(readScenario(path.join(tmpdir(), 'audit-harness-no-such-scenario.yaml')), { message: /audit-harness-no-such-scenario\.yaml: cannot read it: ENOENT$/ });
});

test('6. an applies.images or applies.distros value that no target has is refused at its position, with the known ones', async (t) => {
  const r = await runOn(t, {
    'image.yaml': file('id: bad1', 'title: t', 'source: s', 'applies: { images: [debian12-amd64, debain12-amd64] }', 'rules: { ruleset: cis-64 }'),
    'distro.yaml': file('id: bad2', 'title: t', 'source: s', 'applies:', '  archs: [x86_64]', '  distros: [debain]', 'rules: { ruleset: cis-64 }'),
    'box-recipe.yaml': file('id: bad3', 'title: t', 'source: s', 'applies: { images: [debian12-vagrant-amd64] }', 'rules: { ruleset: cis-64 }'),
  });
  // applies.images is compared with a target's spec after the colon: the known images are those of every target
  // `audit-harness targets` lists (qemu:, vagrant: and sim: alike). The local Vagrant box's recipe is no target.
  const targets = JSON.parse((await execa('node', [cli, 'targets', '--json'], { cwd: repoRoot })).stdout) as { spec: string }[];
  const images = [...new Set(targets.map((x) => x.spec.slice(x.spec.indexOf(':') + 1)))].sort();
  for (const name of ['debian12-amd64', 'rhel9-x86_64', 'rhel9', 'debian12-local']) t.true(images.includes(name), name);
  t.false(images.includes('debian12-vagrant-amd64'));
  refused(t, r, [
    `${r.at('image.yaml')}:4:37: applies.images.1: unknown image "debain12-amd64" (known: ${images.join(', ')})`,
    `${r.at('distro.yaml')}:6:13: applies.distros.0: unknown distro "debain" (known: ${knownDistros().join(', ')})`,
    `${r.at('box-recipe.yaml')}:4:21: applies.images.0: unknown image "debian12-vagrant-amd64" (known: ${images.join(', ')})`,
  ]);
  // A target's distro is its recipe's or profile's id or family: a recipe's, a modelled profile's, and each family
  // are known; nothing else is, not even an image's own name (the backports-kernel image is Debian 12).
  for (const d of ['debian12', 'rhel9', 'ubuntu2404', 'debian', 'rhel', 'ubuntu']) t.true(knownDistros().includes(d), d);
  t.false(knownDistros().includes('other'), 'a family no recipe, profile or box has');
  t.false(knownDistros().includes('debian12bpo'), 'qemu:debian12bpo-amd64 is debian12, as its profile');
  // A box's distro is what the vagrant target reports: its profile's, else (no such profile) its own name and family.
  t.deepEqual(boxDistro({ name: 'rhel9', profile: 'rhel9-x86_64', family: 'rhel' }), { id: 'rhel9', family: 'rhel' });
  t.deepEqual(boxDistro({ name: 'debian12-local', profile: 'debian12-amd64', family: 'debian' }), { id: 'debian12', family: 'debian' });
  t.deepEqual(boxDistro({ name: 'centos9', profile: 'no-such-profile', family: 'rhel' }), { id: 'centos9', family: 'rhel' });
  t.notThrows(() => parseScenario(file('id: ok', 'title: t', 'source: s', 'applies: { images: [debian12-i686, debian13-amd64], distros: [debian12, rhel, ubuntu2204] }', 'rules: { ruleset: cis-64 }'), 'ok.yaml'));
  // A sim:-only profile's name (sim:rhel9-x86_64) and a box's name (vagrant:rhel9) are images a target has.
  t.notThrows(() => parseScenario(file('id: ok', 'title: t', 'source: s', 'applies: { images: [rhel9-x86_64] }', 'rules: { ruleset: cis-64 }'), 'sim.yaml'));
  t.notThrows(() => parseScenario(file('id: ok', 'title: t', 'source: s', 'applies: { images: [rhel9, debian12-local] }', 'rules: { ruleset: cis-64 }'), 'box.yaml'));
});

test('7. every problem of a file is reported at once, one line each in file order: schema issues, unknown keys and cross-checks', (t) => {
  const text = file(
    'id: bad',
    'title: t',
    'source: s',
    'expect:',
    '  - { step: unload, key: modules }',
    'colour: blue',
    'rules: { ruleset: cis-64 }',
    'steps:',
    '  - { id: load, path: insmod, do: insmod, as: admin }',
  );
  const err = t.throws(() => parseScenario(text, 'three.yaml'), { instanceOf: ScenarioFileError });
  // The cross-check is found last and written first; the step the schema refuses still has its id.
  t.deepEqual(err!.message.split('\n'), [
    'three.yaml:5:13: expect.0.step: no step "unload" (steps: load)',
    'three.yaml:6:1: colour: unknown key "colour"',
    'three.yaml:9:47: steps.0.as: Invalid option: expected one of "root"|"sudo"|"user"',
  ]);
  t.deepEqual([err!.file, err!.line, err!.col], ['three.yaml', 5, 13], 'file, line and col are the first problem\'s');
  t.is(err!.problems.length, 3);
  // Every unknown key of a map is its own line, at the key.
  t.deepEqual(t.throws(() => parseScenario(withExpectation('    colour: blue', '    size: 3'), 'keys.yaml'))!.message.split('\n'), [
    'keys.yaml:10:5: expect.0.colour: unknown key "colour"',
    'keys.yaml:11:5: expect.0.size: unknown key "size"',
  ]);
  // A check that reads a part the schema refuses is not run: a misspelt apply: says nothing about rulesFile.
  t.deepEqual(t.throws(() => parseScenario(file('id: x', 'title: t', 'source: s', 'rules: { ruleset: cis-64 }', 'apply: augenrule', 'rulesFile: 50-x.rules'), 'apply.yaml'))!.message.split('\n'), [
    'apply.yaml:5:8: apply: Invalid option: expected one of "auditctl"|"auditctl-R"|"augenrules"|"none"',
  ]);
  // A problem given twice is one line.
  t.is(new ScenarioFileError('f.yaml', [{ line: 2, col: 3, message: 'm' }, { line: 1, col: 1, message: 'n' }, { line: 2, col: 3, message: 'm' }]).message, 'f.yaml:1:1: n\nf.yaml:2:3: m');
  // A YAML syntax error is still the only one: nothing past it can be read.
  t.deepEqual(t.throws(() => parseScenario(file('id: x', 'colour: [unclosed', 'size: 3'), 'syn.yaml'), { instanceOf: ScenarioFileError })!.problems.length, 1);
});

test('8. run names every problem of every bad file before exiting 2, and list prints the same lines', async (t) => {
  const r = await runOn(t, {
    'a-three.yaml': file('id: a', 'title: [t]', 'source: s', 'rules: { ruleset: cis-64 }', 'colour: blue', 'steps:', '  - { id: load, path: insmod, do: insmod }', 'expect:', '  - { step: unload, key: modules }'),
    'b-ok.yaml': scenarioWith('b'),
    // Loads, but its id is b-ok.yaml's and its rule set does not exist: both are said.
    'c-two.yaml': file('id: b', 'title: t', 'source: s', 'rules: { ruleset: does-not-exist }'),
  });
  const expected = [
    `${r.at('a-three.yaml')}:2:8: title: Invalid input: expected string, received array`,
    `${r.at('a-three.yaml')}:5:1: colour: unknown key "colour"`,
    `${r.at('a-three.yaml')}:9:13: expect.0.step: no step "unload" (steps: load)`,
    `${r.at('c-two.yaml')}:1:5: id: "b" is also the id of ${r.at('b-ok.yaml')}`,
    `${r.at('c-two.yaml')}:4:19: rules.ruleset "does-not-exist": no file scenarios/rulesets/does-not-exist.rules`,
  ];
  refused(t, r, expected, 2);
  t.deepEqual(r.lines.slice(1).filter((l) => l !== ''), expected, 'nothing else, in file order');
  const list = await execa('node', [cli, 'list', path.dirname(r.at('a-three.yaml'))], { cwd: repoRoot, reject: false });
  t.is(list.exitCode, 2);
  t.deepEqual(list.stderr.split('\n'), expected.slice(0, 3).map((l) => path.relative(repoRoot, l.split(':')[0]!) + l.slice(l.indexOf(':'))));
});

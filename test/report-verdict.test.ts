import test from 'ava';
import type { RunResult, StepResult } from '../harness/scenarios/result.js';
import { buildMatrix, renderMatrixHtml, renderMatrixMarkdown } from '../harness/scenarios/report/index.js';
import { pathRank } from '../harness/scenarios/report/path-rank.js';
import { buildVerdict, factsLine, verdictLevel, verdictText, type Verdict, type VerdictCell } from '../harness/scenarios/report/verdict.js';
import { markdownTables } from './fixtures/report/matrix-shape.js';
import { sampleRun, twoTargetRun } from './fixtures/report/runs.js';

function cell(v: Verdict, target: string, ruleset: string): VerdictCell | null {
  const t = v.targets.findIndex((x) => x.name === target);
  const r = v.rulesets.indexOf(ruleset);
  if (t < 0 || r < 0) throw new Error(`no target ${target} or rule set ${ruleset}`);
  return v.cells[t]![r]!;
}

test('verdict on two targets: finit_module logged on x86_64, nothing on i686, exec only under the CIS watches', (t) => {
  const v = buildVerdict(twoTargetRun());
  t.deepEqual(v.rulesets, ['cis-64', 'rfe-mod-load-unload']);
  t.deepEqual(v.targets.map((x) => x.name), ['qemu:debian12-amd64', 'qemu:debian12-i686']);

  const rfe64 = cell(v, 'qemu:debian12-amd64', 'rfe-mod-load-unload')!;
  t.deepEqual(rfe64.loads, { exercised: 2, logged: 2, partial: 0, execOnly: 0, unknown: 0 });
  t.deepEqual(rfe64.unloads, { exercised: 1, logged: 1, partial: 0, execOnly: 0, unknown: 0 });
  t.is(verdictText(rfe64), 'loads 2/2 · unloads 1/1 · ✓ every path logged');
  t.is(verdictLevel(rfe64), 'all');

  const rfe32 = cell(v, 'qemu:debian12-i686', 'rfe-mod-load-unload')!;
  t.is(verdictText(rfe32), 'loads 0/2 · unloads 0/1 · ✗ modprobe (stock module) (root) (+2 more)');
  t.deepEqual(rfe32.misses.map((m) => [m.label, m.verdict]), [
    ['modprobe (stock module) (root)', 'missed'],
    ['insmod (.ko) (root)', 'missed'],
    ['rmmod (root)', 'missed'],
  ]);
  t.regex(rfe32.misses[0]!.gaps[0]!.reason, /arch=x86_64 is accepted on the 32-bit kernel/);
  t.is(verdictLevel(rfe32), 'none');

  // The watch logged modprobe's and insmod's execve, not the finit_module: exec only, not a logged load.
  // kmod insmod made no module syscall (the scenario says nothing happens): not counted.
  const cis = cell(v, 'qemu:debian12-amd64', 'cis-64')!;
  t.deepEqual(cis.loads, { exercised: 2, logged: 0, partial: 0, execOnly: 2, unknown: 0 });
  t.is(verdictText(cis), 'loads 0/2 (+2 exec only) · unloads 1/1 · ✗ modprobe (stock module) (root): exec only (+1 more)');
  t.is(cell(v, 'qemu:debian12-i686', 'cis-64'), null);

  t.is(
    factsLine(v.targets[0]!),
    'kernel 6.1.0-27-cloud-amd64, kmod 30, module compression none (.ko), kernel decompression none; ' +
      "kmod loads a .ko with finit_module, a .ko.xz with init_module, the release's own modules with finit_module",
  );
});

test('verdict in the Markdown: a row per target, a column per rule set, then the facts of each target', (t) => {
  const md = renderMatrixMarkdown(buildMatrix(twoTargetRun()));
  const [verdict] = markdownTables(md);
  t.deepEqual(verdict!.map((row) => row.map((c) => c.trim())), [
    ['Target', '**cis-64**', '**rfe-mod-load-unload**'],
    [
      '**qemu:debian12-amd64**<br>x86_64',
      'loads 0/2 (+2 exec only)<br>unloads 1/1<br>✗ modprobe (stock module) (root): exec only (+1 more)',
      'loads 2/2<br>unloads 1/1<br>✓ every path logged',
    ],
    ['**qemu:debian12-i686**<br>i686', '—', 'loads 0/2<br>unloads 0/1<br>✗ modprobe (stock module) (root) (+2 more)'],
  ]);
  t.true(md.indexOf('## Verdict') < md.indexOf('## Paths by rule set'));
  t.regex(md, /- \*\*qemu:debian12-i686\*\* \(i686\): kernel 6\.1\.0-27-686-pae, kmod 30, module compression none/);
  // The detail: one table per rule set, its own targets only.
  t.regex(md, /### cis-64\n\n4 paths × 1 column: 1 logged, 2 exec only, 1 not logged\.\n/);
  // The detail says exec only too: the watch's execve is not a logged load.
  t.regex(md, /\| modprobe \(stock module\) \(root\) \| ○ execve · modules \[\d\] \|\n\| insmod \(\.ko\) \(root\) \| ○ execve · modules \|/);
  t.regex(md, /### rfe-mod-load-unload\n\n3 paths × 2 columns: 3 logged, 3 documented gap\.\n\n\| Path \(as\) \| x86_64<br>qemu:debian12-amd64 \| i686<br>qemu:debian12-i686 \|/);
});

test('verdict in the HTML: coloured by how much was logged, every miss in the tooltip', (t) => {
  const html = renderMatrixHtml(buildMatrix(twoTargetRun()));
  t.regex(html, /<td class="v-all" title="every path exercised was logged&#10;scenarios: rfe-x86_64"><div class="count">loads <b>2\/2<\/b><\/div><div class="count">unloads <b>1\/1<\/b><\/div><div class="ok">✓ every path logged<\/div><\/td>/);
  t.regex(
    html,
    /<td class="v-none" title="no load was logged, or the rules were refused&#10;modprobe \(stock module\) \(root\): exec only \(documented: kmod loads the release&#39;s own modules with finit_module, which the rule does not name\)&#10;insmod \(\.ko\) \(root\): exec only&#10;scenarios: cis-64-root">/,
  );
  t.true(html.includes('<div class="miss">✗ modprobe (stock module) (root)<span class="how">: exec only</span> <span class="more">+1 more</span></div>'));
});

test('verdict on the sample run: unknown where the scenario errored, nothing for a target that never booted', (t) => {
  const run = sampleRun();
  const v = buildVerdict(run);
  t.deepEqual(v.rulesets, ['cis-32', 'cis-64', 'elastic', 'ssg']);
  t.deepEqual(v.targets.map((x) => x.name), ['debian12-amd64', 'debian12-686', 'debian11-amd64']);
  const texts = v.cells.map((row) => row.map((c) => (c ? verdictText(c) : '—')));
  t.deepEqual(texts, [
    ['—', 'loads 1/2 · unloads 1/1 · ✗ loader32:init_module (root)', 'unloads: 1 unknown', 'loads 2/2 · ✓ every path logged'],
    ['loads 1/1 · unloads 1/1 · ✓ every path logged', '—', '—', 'loads 1/1 · ✓ every path logged'],
    ['—', '—', '—', '—'],
  ]);
  t.is(verdictLevel(cell(v, 'debian12-amd64', 'elastic')!), 'unknown');
  t.is(factsLine(v.targets[0]!), 'kernel 6.1.0-27-cloud-amd64 (release facts not recorded)');
  t.regex(factsLine(v.targets[2]!), /^target failed: image debian11-amd64: qemu exited with status 1/);
});

test('verdict: a rule set the kernel refuses (applyFails held) says so', (t) => {
  const base = sampleRun().results[0]!;
  const run: RunResult = {
    startedAt: 'x',
    durationMs: 1,
    targets: [{ name: 'debian12-686', arch: 'i686' }],
    results: [
      {
        ...base,
        target: 'debian12-686',
        arch: 'i686',
        steps: [],
        outcome: 'pass',
        expectations: [{ description: 'apply: rules applied with auditctl fail', outcome: 'pass', expected: 'a command exits non-zero', actual: 'arch elf mapping not found' }],
      },
    ],
  };
  const c = buildVerdict(run).cells[0]![0]!;
  t.true(c.refused);
  t.is(verdictText(c), '✗ rules refused by the kernel');
  t.is(verdictLevel(c), 'none');
});

test('the most important miss: modprobe of the stock module, then the distro module, insmod, .ko.xz, kmod under other names, loaders; root, sudo, user', (t) => {
  const s = (path: string, as: StepResult['as'], extra: Partial<StepResult> = {}) => ({ path, as, ...extra });
  const paths = [
    s('loader32:init_module', 'root', { do: 'init_module' }),
    s('loader:finit_module', 'root', { do: 'finit_module' }),
    s('kmod as insmod (exec -a)', 'root', { do: 'kmod-exec-a', module: 'ko' }),
    s('modprobe (.ko.xz)', 'root', { do: 'modprobe', module: 'xz' }),
    s('/sbin/insmod', 'root', { do: 'run' }),
    s('insmod (.ko)', 'user', { do: 'insmod', module: 'ko' }),
    s('insmod (.ko)', 'root', { do: 'insmod', module: 'ko' }),
    s('modprobe', 'sudo', { do: 'modprobe' }),
    s('modprobe (stock module)', 'sudo', { do: 'modprobe', module: 'stock' }),
    s('modprobe (stock module)', 'root', { do: 'modprobe', module: 'stock' }),
  ];
  const order = [...paths].sort((a, b) => pathRank(a) - pathRank(b)).map((p) => `${p.path} (${p.as})`);
  t.deepEqual(order, [
    'modprobe (stock module) (root)',
    'modprobe (stock module) (sudo)',
    'modprobe (sudo)',
    'insmod (.ko) (root)',
    '/sbin/insmod (root)',
    'insmod (.ko) (user)',
    'modprobe (.ko.xz) (root)',
    'kmod as insmod (exec -a) (root)',
    'loader:finit_module (root)',
    'loader32:init_module (root)',
  ]);
  // Results written before steps carried `do` and `module` rank the same by their path names.
  const bare = paths.map(({ path, as }) => ({ path, as }));
  t.deepEqual([...bare].sort((a, b) => pathRank(a) - pathRank(b)).map((p) => `${p.path} (${p.as})`), order);
});

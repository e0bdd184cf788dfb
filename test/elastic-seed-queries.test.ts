// Seed 003, Elastic's "Kernel Module Removal": both versions of its KQL run on the auditbeat documents of
// audit logs captured on the real Debian 12 guests (x86_64 and i686), path by path: which documents fire,
// beside what the kernel logged for the same path.
import test from 'ava';
import path from 'node:path';
import { parseLog } from '../harness/audit/records/index.js';
import { repoRoot } from '../harness/paths.js';
import { findScenarioFiles, loadScenario } from '../harness/scenarios/load.js';
import { auditbeatDocuments } from '../harness/tools/elastic/auditbeat-documents.js';
import { loadDetectionRule } from '../harness/tools/elastic/detection-rule.js';
import { parseKql } from '../harness/tools/elastic/kql-parse.js';
import type { EcsDocument } from '../harness/tools/elastic/ecs-document.js';
import { args, field, realLogDocuments, type StepDocument } from './elastic-fixtures.js';

const rule = loadDetectionRule();
const current = rule.versions.find((v) => v.id === 'current')!.query;
const replaced = rule.versions.find((v) => v.id === 'replaced')!.query;
const QUERIES = [['current', current], ['replaced', replaced]] as const;

/** The args of every document of a step that the query fires on. */
function firing(docs: StepDocument[], step: string, query: typeof current): string[] {
  return docs.filter((d) => d.step === step && query.matches(d.doc)).map((d) => (args(d.doc) ?? []).join(' '));
}

const steps = (docs: StepDocument[]) => [...new Set(docs.map((d) => d.step))];
const inStep = (docs: StepDocument[], step: string) => docs.filter((d) => d.step === step).map((d) => d.doc);
const unloads = (docs: EcsDocument[]) => docs.filter((d) => field(d, 'event.action') === 'unloaded-kernel-module');

/** Guest images the removal-path scenarios ran on (test/fixtures/elastic/real-IMAGE-removal-paths.log). */
const IMAGES = ['debian12-amd64', 'debian12-i686', 'debian11-amd64', 'debian13-amd64'] as const;
const removalLog = (image: string) => realLogDocuments(`elastic/real-${image}-removal-paths.log`);

test('the rule file holds the seed\'s two queries, and the rewrite kept the tree: and binds tighter than or', (t) => {
  t.is(rule.name, 'Kernel Module Removal');
  t.is(current.text, 'event.category:process and event.type:(start or process_started) and process.args:((rmmod and sudo) or (modprobe and sudo and ("--remove" or "-r")))');
  t.is(replaced.text, 'event.action:executed and process.args:(rmmod and sudo or modprobe and sudo and ("--remove" or "-r"))');
  t.deepEqual(
    parseKql('process.args:(rmmod and sudo or modprobe and sudo and ("--remove" or "-r"))'),
    parseKql('process.args:((rmmod and sudo) or (modprobe and sudo and ("--remove" or "-r")))'),
  );
});

// Under the execve rule a user deploys for auditbeat: only sudo's own execve of rmmod, modprobe -r and
// modprobe --remove fires; each other removal path is logged (the execve of the tool) but does not fire.
const EXECVE_RULE_FIRES: Record<string, string[]> = {
  'elastic-removal-paths-execve/sudo-rmmod': ['sudo -n rmmod audit_test_mod'],
  'elastic-removal-paths-execve/sudo-modprobe-r': ['sudo -n modprobe -r audit_test_mod'],
  'elastic-removal-paths-execve/sudo-modprobe-remove': ['sudo -n modprobe --remove audit_test_mod'],
};

/** Under the execve rule, the tool the kernel logged an execve of for each removal path that does not fire. */
const LOGGED_BUT_SILENT: Record<string, RegExp> = {
  'sudo-rmmod-full-path': /^\/usr\/sbin\/rmmod$/,
  'sudo-other-name-r': /^\/tmp\/audit-harness-bin\/modprobe$/,
  'root-rmmod': /^rmmod$/,
  'root-other-name-r': /^\/tmp\/audit-harness-bin\/modprobe$/,
  'sudo-loader-delete': /^\/usr\/local\/bin\/audit-harness-loader$/,
  // on i686 the only loader is the native 32-bit one
  'sudo-loader32-delete': /^\/usr\/local\/bin\/audit-harness-loader(32)?$/,
};

for (const image of IMAGES) {
  test(`${image} guest, execve rule: sudo rmmod, sudo modprobe -r and sudo modprobe --remove fire, on sudo's execve only`, (t) => {
    const docs = removalLog(image);
    for (const step of steps(docs).filter((s) => !s.startsWith('elastic-removal-paths-seed-rules/'))) {
      for (const [name, q] of QUERIES) t.deepEqual(firing(docs, step, q), EXECVE_RULE_FIRES[step] ?? [], `${name} query, step ${step}`);
    }
    for (const step of Object.keys(EXECVE_RULE_FIRES)) {
      const fired = inStep(docs, step).filter((d) => current.matches(d));
      t.is(fired.length, 1, step);
      t.is(field(fired[0], 'process.name'), 'sudo');
      t.is(field(fired[0], 'user.name'), 'tester');
      t.is(field(fired[0], 'user.effective.name'), 'root');
    }
  });

  test(`${image} guest, execve rule: full path, kmod under another path, root's rmmod and the loaders are logged but do not fire`, (t) => {
    const docs = removalLog(image);
    for (const [id, tool] of Object.entries(LOGGED_BUT_SILENT)) {
      const step = `elastic-removal-paths-execve/${id}`;
      const execs = inStep(docs, step).filter((d) => args(d)?.some((a) => tool.test(a)));
      t.true(execs.length >= 1, `${step}: the kernel logged the execve of ${tool}`);
      t.deepEqual(firing(docs, step, current), [], step);
      t.deepEqual(firing(docs, step, replaced), [], step);
    }
  });

  test(`${image} guest, the seeds' module rules: no removal path fires, though delete_module is logged`, (t) => {
    const docs = removalLog(image);
    const seedSteps = steps(docs).filter((s) => s.startsWith('elastic-removal-paths-seed-rules/'));
    t.true(seedSteps.length >= 10);
    for (const step of seedSteps) for (const [name, q] of QUERIES) t.deepEqual(firing(docs, step, q), [], `${name} query, step ${step}`);
    for (const id of ['sudo-rmmod', 'sudo-modprobe-r', 'sudo-modprobe-remove', 'sudo-rmmod-full-path', 'sudo-other-name-r', 'root-rmmod', 'root-other-name-r', 'sudo-loader-delete']) {
      const logged = unloads(inStep(docs, `elastic-removal-paths-seed-rules/${id}`));
      t.true(logged.length >= 1, `${id}: delete_module logged`);
      for (const d of logged) t.is(args(d), undefined, 'a delete_module document has no process.args');
    }
    // The watch on rmmod logs rmmod's own exec, not sudo's: process.args lacks sudo
    const rmmodExec = inStep(docs, 'elastic-removal-paths-seed-rules/sudo-rmmod').filter((d) => args(d) !== undefined);
    t.deepEqual(rmmodExec.map(args), [['rmmod', 'audit_test_mod']]);
    // cis-64 audits only b64 module syscalls: the 32-bit loader's delete_module is not logged on x86_64
    const loader32 = unloads(inStep(docs, 'elastic-removal-paths-seed-rules/sudo-loader32-delete'));
    t.is(loader32.length, image.endsWith('-amd64') ? 0 : 1);
  });
}

const MODULES_LOGS = ['logs/real-modules-debian12-amd64.txt', 'logs/real-modules-debian12-amd64-raw.txt', 'logs/real-modules-debian12-i686.txt'];

const OLDER_LOGS = [
  ['logs/real-debian12-amd64.txt', 'elastic-sudo-rmmod-x86_64'],
  ['logs/real-debian12-i686.txt', 'elastic-sudo-rmmod-i686'],
] as const;

const ALL_LOGS = [...OLDER_LOGS.map(([log]) => log), ...MODULES_LOGS, ...IMAGES.map((i) => `elastic/real-${i}-removal-paths.log`)];

for (const [log, scenario] of OLDER_LOGS) {
  test(`${log}: only ${scenario}'s sudo rmmod and sudo modprobe -r fire, in every scenario of the log`, (t) => {
    const docs = realLogDocuments(log);
    const expected: Record<string, string[]> = {
      [`${scenario}/sudo-rmmod`]: ['sudo -n rmmod audit_test_mod_xz'],
      [`${scenario}/sudo-modprobe-r`]: ['sudo -n modprobe -r audit_test_mod'],
    };
    for (const step of steps(docs)) for (const [name, q] of QUERIES) t.deepEqual(firing(docs, step, q), expected[step] ?? [], `${name} query, step ${step}`);
    // root's own rmmod: its execve is there, without sudo
    t.true(inStep(docs, `${scenario}/root-rmmod`).some((d) => args(d)?.[0] === 'rmmod'));
  });
}

test('no delete_module document fires in any real log: they carry no process.args', (t) => {
  let count = 0;
  for (const log of ALL_LOGS) {
    for (const { doc } of realLogDocuments(log)) {
      if (field(doc, 'auditd.data.syscall') !== 'delete_module') continue;
      count++;
      t.false(current.matches(doc) || replaced.matches(doc), log);
    }
  }
  t.true(count > 50, `${count} delete_module documents`);
});

for (const log of MODULES_LOGS) {
  test(`${log}: sudo's execve fires, and so does the harness's setpriv wrapper whose argv holds sudo and rmmod`, (t) => {
    const fired = realLogDocuments(log).filter((d) => current.matches(d.doc));
    t.deepEqual(fired.map((d) => args(d.doc)), [
      ['setpriv', '--reuid', '1000', '--regid', '1000', '--init-groups', 'sudo', '-n', 'rmmod', 'audit_test_mod'],
      ['sudo', '-n', 'rmmod', 'audit_test_mod'],
    ]);
    t.deepEqual(realLogDocuments(log).filter((d) => replaced.matches(d.doc)).map((d) => d.event.serial), fired.map((d) => d.event.serial));
  });
}

test('the two versions of the query agree on every document of every real log', (t) => {
  for (const log of ALL_LOGS) {
    const docs = realLogDocuments(log);
    const disagree = docs.filter((d) => current.matches(d.doc) !== replaced.matches(d.doc));
    t.deepEqual(disagree.map((d) => d.event.serial), [], log);
    t.true(docs.length > 50, log);
  }
});

// Not from a guest: documents built from hand-written records of one execve each, to show how the query
// reads argv. The paths above are the measured ones.
function execveDocument(argv: string[]): EcsDocument {
  const quoted = argv.map((a, i) => `a${i}=${/^[!-~]+$/.test(a) && !a.includes('"') ? `"${a}"` : Buffer.from(a, 'latin1').toString('hex').toUpperCase()}`).join(' ');
  const log = [
    'type=SYSCALL msg=audit(1800000000.000:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=0 ppid=1 pid=2 auid=1000 uid=1000 gid=1000 euid=0 suid=0 fsuid=0 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="x" exe="/usr/bin/x" subj=unconfined key="exec"',
    `type=EXECVE msg=audit(1800000000.000:1): argc=${argv.length} ${quoted}`,
  ].join('\n');
  return auditbeatDocuments(parseLog(`${log}\n`).events)[0]!.doc;
}

test('synthetic argv: arguments compare whole, so spellings escape the query and unrelated commands can fire it', (t) => {
  const cases: Array<[string[], boolean]> = [
    [['sudo', 'rmmod', 'x'], true],
    [['sudo', 'modprobe', '-r', 'x'], true],
    [['sudo', 'modprobe', '--remove', 'x'], true],
    [['sudo', 'modprobe', '-rv', 'x'], false],
    [['sudo', 'modprobe', '--remove=x'], false],
    [['sudo', '/sbin/rmmod', 'x'], false],
    [['sudo', 'sh', '-c', 'rmmod x'], false],
    [['sudo', 'kmod', 'remove', 'x'], false],
    [['timeout', '5', 'sudo', 'rmmod', 'x'], true],
    [['echo', 'sudo', 'rmmod'], true],
    [['rmmod', 'sudo'], true],
  ];
  for (const [argv, fires] of cases) {
    const doc = execveDocument(argv);
    t.deepEqual(args(doc), argv);
    t.is(current.matches(doc), fires, argv.join(' '));
    t.is(replaced.matches(doc), fires, argv.join(' '));
  }
});

test('the scenarios that captured the removal-path logs still load, and name the steps the tests read', async (t) => {
  const dir = path.join(repoRoot, 'test/fixtures/elastic/scenarios');
  const files = await findScenarioFiles(dir);
  t.is(files.length, 2);
  for (const file of files) {
    const scenario = await loadScenario(file);
    const ids = scenario.steps.map((s) => s.id);
    for (const id of Object.keys(LOGGED_BUT_SILENT)) t.true(ids.includes(id), `${scenario.id}: ${id}`);
    for (const step of Object.keys(EXECVE_RULE_FIRES)) t.true(ids.includes(step.split('/')[1]!), `${scenario.id}: ${step}`);
  }
});

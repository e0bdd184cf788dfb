// ECS documents built from the real guests' audit logs as auditbeat's auditd module builds them
// (go-libaudit's normalizations, auditbeat-normalizations.yaml): the fields Elastic's rules query.
import test from 'ava';
import { parseLog } from '../harness/audit/records/index.js';
import { auditbeatDocuments } from '../harness/tools/elastic/auditbeat-documents.js';
import { readFileSync } from 'node:fs';
import { auditbeatTable, NORMALIZATIONS_FILE, parseAuditbeatTable } from '../harness/tools/elastic/auditbeat-normalizations.js';
import { YamlFileError } from '../harness/yaml-errors.js';
import { args, field, realLogDocuments } from './elastic-fixtures.js';

const modulesAmd64 = realLogDocuments('logs/real-modules-debian12-amd64.txt');
const bySyscall = (name: string) => modulesAmd64.filter((d) => field(d.doc, 'auditd.data.syscall') === name).map((d) => d.doc);

test("sudo's execve: process start, executed, args from EXECVE, the user and the root it becomes", (t) => {
  const sudo = modulesAmd64.find((d) => args(d.doc)?.[0] === 'sudo');
  t.truthy(sudo, 'the log holds the EXECVE of sudo');
  const doc = sudo!.doc;
  t.deepEqual(field(doc, 'event.category'), ['process']);
  t.deepEqual(field(doc, 'event.type'), ['start']);
  t.is(field(doc, 'event.action'), 'executed');
  t.is(field(doc, 'event.outcome'), 'success');
  t.deepEqual(args(doc), ['sudo', '-n', 'rmmod', 'audit_test_mod']);
  t.is(field(doc, 'process.executable'), '/usr/bin/sudo');
  t.is(field(doc, 'process.name'), 'sudo');
  t.is(typeof field(doc, 'process.pid'), 'number');
  t.is(field(doc, 'user.id'), '1000');
  t.is(field(doc, 'user.name'), 'tester');
  t.is(field(doc, 'user.audit.id'), '1000');
  t.is(field(doc, 'user.audit.name'), 'tester');
  t.is(field(doc, 'user.effective.id'), '0', 'sudo is set-uid: euid 0 while uid is the user');
  t.is(field(doc, 'user.effective.name'), 'root');
  t.is(field(doc, 'auditd.data.syscall'), 'execve');
  t.is(field(doc, 'auditd.data.arch'), 'x86_64');
  t.is(field(doc, 'auditd.data.argc'), '4');
  t.is(typeof field(doc, 'auditd.data.a0'), 'string', "a0..a3 are the SYSCALL record's, not the arguments");
  t.deepEqual(field(doc, 'tags'), ['exec']);
  t.is(field(doc, 'auditd.summary.object.primary'), '/usr/bin/sudo');
});

test('process.title comes from PROCTITLE, process.args only from EXECVE', (t) => {
  const title = modulesAmd64.filter((d) => field(d.doc, 'process.title') !== undefined);
  t.true(title.length > 20);
  for (const { event, doc } of modulesAmd64) {
    const hasExecve = event.records.some((r) => r.type === 'EXECVE');
    t.is(args(doc) !== undefined, hasExecve, `${event.serial}: args iff an EXECVE record`);
  }
});

test('finit_module and init_module: loaded-kernel-module, driver start, the module named from KERN_MODULE', (t) => {
  const loads = [...bySyscall('finit_module'), ...bySyscall('init_module')];
  t.true(loads.length >= 4);
  for (const doc of loads) {
    t.is(field(doc, 'event.action'), 'loaded-kernel-module');
    t.deepEqual(field(doc, 'event.category'), ['driver']);
    t.deepEqual(field(doc, 'event.type'), ['start']);
    t.is(args(doc), undefined);
    t.deepEqual(field(doc, 'tags'), ['modules']);
    if (field(doc, 'event.outcome') === 'success') {
      t.regex(String(field(doc, 'auditd.data.name')), /^audit_test_mod(_xz)?$/);
      t.is(field(doc, 'auditd.summary.object.primary'), field(doc, 'auditd.data.name'));
    } else {
      // the uid-1000 user's attempt: refused before the kernel names the module
      t.is(field(doc, 'auditd.data.exit'), 'EPERM');
      t.is(field(doc, 'auditd.data.name'), undefined);
      t.is(field(doc, 'user.name'), 'tester');
    }
  }
  t.true(loads.some((d) => field(d, 'event.outcome') === 'failure'));
});

test('delete_module: unloaded-kernel-module, driver end, no process.args; a failed one has outcome failure and exit ENOENT', (t) => {
  const unloads = bySyscall('delete_module');
  t.true(unloads.length >= 4);
  for (const doc of unloads) {
    t.is(field(doc, 'event.action'), 'unloaded-kernel-module');
    t.deepEqual(field(doc, 'event.category'), ['driver']);
    t.deepEqual(field(doc, 'event.type'), ['end']);
    t.is(args(doc), undefined);
    t.truthy(field(doc, 'process.title'));
  }
  const failed = unloads.filter((d) => field(d, 'event.outcome') === 'failure');
  t.true(failed.length >= 1, 'the loader deletes a module that is not loaded once');
  for (const doc of failed) t.is(field(doc, 'auditd.data.exit'), 'ENOENT');
});

test('the 32-bit loader: arch i386 and its syscall named from the i386 table', (t) => {
  const i386 = modulesAmd64.filter((d) => field(d.doc, 'auditd.data.arch') === 'i386').map((d) => d.doc);
  t.deepEqual(i386.map((d) => field(d, 'auditd.data.syscall')).sort(), ['delete_module', 'finit_module']);
  t.is(field(i386[0], 'process.executable'), '/usr/local/bin/audit-harness-loader32');
});

test("root's own rmmod: user.effective is dropped when it equals user, audit user unset leaves no user.audit", (t) => {
  const rmmod = modulesAmd64.find((d) => args(d.doc)?.[0] === 'rmmod' && field(d.doc, 'user.audit.id') === undefined);
  t.truthy(rmmod);
  t.is(field(rmmod!.doc, 'user.name'), 'root');
  t.is(field(rmmod!.doc, 'user.effective'), undefined);
  t.is(field(rmmod!.doc, 'user.audit'), undefined);
  t.is(field(rmmod!.doc, 'auditd.summary.actor.primary'), 'unset');
});

test("sudo's USER_CMD: process start (ran-command) with the command, but no process.args", (t) => {
  const cmds = modulesAmd64.filter((d) => field(d.doc, 'auditd.message_type') === 'user_cmd').map((d) => d.doc);
  t.true(cmds.length >= 1);
  for (const doc of cmds) {
    t.is(field(doc, 'event.action'), 'ran-command');
    t.deepEqual(field(doc, 'event.type'), ['start']);
    t.is(args(doc), undefined);
    t.is(field(doc, 'process.executable'), '/usr/bin/sudo');
    t.regex(String(field(doc, 'auditd.summary.object.primary')), /^rmmod /);
  }
});

test('record types auditbeat never receives make no document: USER markers and DAEMON_START', (t) => {
  const table = auditbeatTable();
  t.truthy(table.droppedReason(1005), 'USER');
  t.truthy(table.droppedReason(1200), 'DAEMON_START');
  t.is(table.droppedReason(1006), undefined, 'LOGIN is kept');
  t.is(table.droppedReason(1123), undefined, 'USER_CMD is kept');
  const types = new Set(realLogDocuments('logs/real-debian12-amd64.txt').map((d) => field(d.doc, 'auditd.message_type')));
  t.false(types.has('user'));
  t.false(types.has('daemon_start'));
  t.true(types.has('config_change'));
});

test('auditbeat-normalizations.yaml: a schema error, a syntax error and a syscall normalized twice name file:line:col, one line each', (t) => {
  const text = readFileSync(NORMALIZATIONS_FILE, 'utf8');
  t.notThrows(() => parseAuditbeatTable(text, 'n.yaml'));
  const lines = text.split('\n');
  const first = lines.indexOf('normalizations:') + 2; // the line of the new first entry
  // Inserted as the first normalization: every later one's index is one more.
  const withFirst = (entry: string) => text.replace('normalizations:\n', `normalizations:\n  - ${entry}\n`);
  const schema = t.throws(() => parseAuditbeatTable(withFirst('{ record_types: [X], ecs: { category: [c], type: 5 } }'), 'n.yaml'), { instanceOf: YamlFileError });
  t.is(schema!.message, `n.yaml:${first}:54: normalizations.0.ecs.type: Invalid input: expected array, received number`);
  const syntax = t.throws(() => parseAuditbeatTable(withFirst('{ record_types: [X, ecs: {} }'), 'n.yaml'), { instanceOf: YamlFileError });
  t.regex(syntax!.message, new RegExp(`^n\\.yaml:${first}:\\d+: [^\\n]+$`));
  // A syscall listed again further down is named where it is listed again.
  const again = withFirst('{ syscalls: [init_module], ecs: { category: [c], type: [t] } }');
  const twice = t.throws(() => parseAuditbeatTable(again, 'n.yaml'), { instanceOf: YamlFileError });
  const i = again.split('\n').findIndex((l, n) => n > first - 1 && /syscalls: .*\binit_module\b/.test(l));
  t.regex(twice!.message, new RegExp(`^n\\.yaml:${i + 1}:\\d+: normalizations\\.\\d+\\.syscalls\\.\\d+: syscall init_module is normalized twice$`));
  t.is(twice!.problems[0]!.col, again.split('\n')[i]!.search(/\binit_module\b/) + 1);
});

test('a RAW log and an ENRICHED log give the same names: the guest accounts stand in for the enrichment', (t) => {
  const raw = 'type=SYSCALL msg=audit(1795391238.651:140): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=0 ppid=1 pid=2 auid=1000 uid=1000 gid=1000 euid=0 suid=0 fsuid=0 egid=1000 sgid=1000 fsgid=1000 tty=(none) ses=4 comm="sudo" exe="/usr/bin/sudo" subj=unconfined key="exec"';
  const enriched = `${raw}\x1dARCH=x86_64 SYSCALL=execve AUID="tester" UID="tester" GID="tester" EUID="root" SUID="root" FSUID="root" EGID="tester" SGID="tester" FSGID="tester"`;
  const docOf = (line: string) => auditbeatDocuments(parseLog(`${line}\ntype=EXECVE msg=audit(1795391238.651:140): argc=2 a0="sudo" a1="rmmod"\n`).events)[0]!.doc;
  t.deepEqual(docOf(raw), docOf(enriched));
  t.is(field(docOf(raw), 'user.name'), 'tester');
  t.is(field(docOf(raw), 'user.effective.name'), 'root');
});

test('a hex-encoded argument and proctitle are decoded as auparse decodes them', (t) => {
  const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex').toUpperCase();
  const log = [
    'type=SYSCALL msg=audit(1.5:7): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=8 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="sh" exe="/usr/bin/dash" key=(null)',
    `type=EXECVE msg=audit(1.5:7): argc=3 a0="sh" a1="-c" a2=${hex('sudo rmmod x')}`,
    `type=PROCTITLE msg=audit(1.5:7): proctitle=${hex('sh\0-c\0sudo rmmod x')}`,
  ].join('\n');
  const doc = auditbeatDocuments(parseLog(`${log}\n`).events)[0]!.doc;
  t.deepEqual(args(doc), ['sh', '-c', 'sudo rmmod x']);
  t.is(field(doc, 'process.title'), 'sh -c sudo rmmod x');
  t.is(field(doc, 'tags'), undefined, 'key=(null) is no tag');
});

test('a record type with a normalization and a SYSCALL gets both categories; one with none keeps its family and an empty action', (t) => {
  const docs = realLogDocuments('logs/real-debian12-i686.txt').map((d) => d.doc);
  const config = docs.find((d) => field(d, 'auditd.message_type') === 'config_change' && field(d, 'auditd.data.syscall') === 'socketcall');
  t.truthy(config);
  t.is(field(config!, 'event.action'), 'changed-audit-configuration');
  // CONFIG_CHANGE's own (process, configuration / change), then socketcall's catch-all (process / info), as go-libaudit appends them
  t.deepEqual(field(config!, 'event.category'), ['process', 'configuration', 'process']);
  t.deepEqual(field(config!, 'event.type'), ['change', 'info']);
  const mac = docs.find((d) => field(d, 'auditd.message_type') === 'mac_map_add');
  t.truthy(mac);
  t.is(field(mac!, 'event.category'), 'mac');
  t.is(field(mac!, 'event.action'), '');
  t.is(field(mac!, 'event.type'), undefined);
});

test('a syscall with no normalization of its own gets the catch-all: process, info, an empty action', (t) => {
  const doc = realLogDocuments('logs/real-modules-debian12-i686.txt').map((d) => d.doc).find((d) => field(d, 'auditd.message_type') === 'syscall' && field(d, 'auditd.data.syscall') === 'socketcall');
  t.truthy(doc);
  t.deepEqual(field(doc!, 'event.category'), ['process']);
  t.deepEqual(field(doc!, 'event.type'), ['info']);
  t.is(field(doc!, 'event.action'), '');
});

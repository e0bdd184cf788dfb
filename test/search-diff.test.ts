// Differential tests: real ausearch (Debian 3.0.9, from the package) and `audit-harness search`
// on the same logs and options must agree byte for byte on stdout, stderr and exit status.
// To compare a new log (e.g. captured from a guest kernel), drop it into test/fixtures/logs/
// (*.txt, or *.log locally): every file there is run with every option set below.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { assertSame, CLI, ENV, firstDifference, runBoth, runBothArgs, runBothInProcess, runOursInProcess } from './search-reference.js';

const LOGS = path.join(repoRoot, 'test/fixtures/logs');

export const OPTION_SETS: string[][] = [
  [], ['--raw'], ['-i'], ['--format', 'raw'], ['--format', 'interpret'], ['--format', 'default'],
  ['-k', 'modules'], ['-k', 'modules', '-w'], ['-k', 'module'], ['-k', 'kernel_modules', '-i'], ['-k', 'nomatch'],
  ['-k', 'modules', '--raw'], ['-i', '-k', 'modules'],
  ['-m', 'SYSCALL'], ['-m', 'KERN_MODULE,PROCTITLE', '-i'], ['-m', 'USER_CMD'], ['-m', 'CONFIG_CHANGE'],
  ['-m', 'DAEMON_START', '-i'], ['-m', '1330'], ['-m', 'BOGUS'],
  ['-sc', 'init_module'], ['-sc', 'finit_module', '-i'], ['-sc', 'delete_module'], ['-sc', '128'], ['-sc', '313'],
  ['-sc', 'nosuchcall'],
  ['-p', '1001'], ['-p', '1100', '-i'], ['-p', 'abc'],
  ['-ui', '0'], ['-ui', '1000', '-i'], ['-ua', '1000'], ['-ua', '0', '-k', 'modules'],
  ['-ui', 'no-such-user-here'],
  ['-ue', 'no-such-user-here'], ['-ul', 'no-such-user-here'], ['-ua', 'no-such-user-here'], ['-ul', '-1'],
  ['--success', 'yes'], ['--success', 'no', '-i'], ['--success', 'maybe'],
  ['-ts', '11/22/25', '18:00:05'], ['-ts', '11/22/25', '18:00:05', '-te', '11/22/25', '18:00:30', '-i'],
  ['-te', '11/22/25', '18:00:10'], ['-ts', '18:00:20', '11/22/25'], ['-ts', '11/22/2025'], ['-ts', 'today'],
  ['-ts', 'this-year'], ['-ts', 'recent'], ['-te', 'now'], ['-ts', 'week-ago', '-te', 'now'], ['-ts', '25:00:00'],
  ['-a', '40'], ['--just-one', '-k', 'modules'], ['-i', '--raw'], ['--raw', '-i'], ['-k'],
  ['--format', 'csv'], ['--format', 'text'], ['--format', 'csv', '-k', 'modules'], ['--format', 'text', '-i'],
  ['--format', 'text', '-k', 'modules'], ['--format', 'csv', '-k', 'nomatch'], ['--format', 'csv', '--just-one', '-k', 'modules'],
  ['--format', 'csv', '-m', 'USER_CMD,CONFIG_CHANGE'], ['--format', 'text', '-sc', 'finit_module'], ['--format', 'text', '--success', 'no'],
  ['--format', 'csv', '--extra-keys'], ['--format', 'csv', '--extra-labels', '-sc', 'execve'], ['--format', 'csv', '--extra-obj2'],
  ['--format', 'csv', '--extra-time'], ['--format', 'csv', '--extra-keys', '--extra-labels', '--extra-obj2', '--extra-time'],
  ['--extra-keys'], ['--format', 'text', '--extra-time'], ['--format', 'csv', '--extra-keys', 'x'],
  ['--format', 'csv', '--eoe-timeout', '1'], ['--eoe-timeout', '0'], ['--eoe-timeout', 'x'],
  // Each option makes ausearch's per-type parsers read (and require) more fields: see record-parsers.txt.
  ['-pp', '1001'], ['-ue', '0'], ['-ul', '1000'], ['-ua', '0'], ['-ui', '1000'], ['--success', 'no'],
  ['-p', '1001', '--success', 'yes'], ['-ui', '0', '-ul', '1000', '-ue', '0', '-pp', '1', '-p', '1100'],
  ['-sc', 'execve', '-i'], ['-m', 'TTY', '-i'], ['-m', 'SECCOMP,ANOM_ABEND', '--success', 'yes'],
  // By user name: each record's uid is named as ausearch's lookup_uid does (root, unset, this host's
  // passwd); see user-names.txt. daemon (1) and nobody (65534) are in every Debian's base passwd.
  ['-ui', 'root'], ['-ue', 'root', '-i'], ['-ul', 'root'], ['-ua', 'root'], ['-ui', 'daemon'], ['-ua', 'nobody', '-i'],
  ['-ul', 'daemon', '-ue', 'nobody'], ['-ui', 'root', '-ue', '1000'], ['-ua', 'daemon', '-k', 'modules'],
  // pids are C's 32-bit pid_t, in the log and in the option (-p 4294967295 is -1: no -p at all).
  ['-p', '4294968297'], ['-pp', '4294967297'], ['-p', '4294967295'], ['-p', '1000000000'], ['-p', '99999999999999999999'],
  // uids are uid_t: -ui 4294967295 (-1) and -ul 4294967294 (-2) are ausearch's "not given", -ua 4294967296 is 0;
  // -ul takes strtol base 0 (-0x2); past ULONG_MAX or LONG_MIN is an error. -ua by number ignores -ue NAME.
  ['-ui', '4294967295'], ['-ul', '4294967294'], ['-ua', '4294967296'], ['-ul', '-0x2'], ['-ue', '99999999999999999999'],
  ['-ul', '-99999999999999999999'], ['-ua', '0', '-ue', 'root'],
  // An event that loads no interpretation list to match names uids by the one --format csv|text left loaded.
  ['--format', 'csv', '-ua', 'daemon'], ['--format', 'text', '-ul', 'daemon'],
  // libaudit looks names up case-blind (-m upper-cased, -sc lower-cased); an event without a syscall has 0.
  ['-m', 'syscall,Kern_Module'], ['-sc', 'EXECVE'], ['-sc', '0'], ['-m'], ['-a', 'x'], ['-a', '99999999999999999999'], ['-v'],
  // -c/-x/--session/-e/--arch: each parser reads comm=, exe=, ses=, exit= (SYSCALL only), arch= its own way, some
  // requiring them (see search-fields.txt); -e and --session take a next word starting with '-' (here '-if').
  ['-c', 'bash'], ['-c', 'sh', '-w'], ['-c', '(null)', '-i'], ['-c'], ['-x', '/usr/bin/bash'], ['--executable', 'bin', '-w'],
  ['-x', '(null)'], ['--session', '3'], ['--session', '-1'], ['--session', 'x'], ['--session', '99999999999999999999'],
  ['-e', '-13'], ['--exit', '-EACCES', '-i'], ['-e', '0x10'], ['-e', 'EBOGUS'], ['-e', '-9223372036854775809'],
  ['--arch', 'b32', '-i'], ['--arch', 'ARM'], ['--arch', 'c000003e'], ['--arch', 'bogus'], ['--arch', 'i386', '-sc', 'open'],
  ['-sc', 'open', '--arch', 'i386'], ['-sc', '4294967295'], ['-sc', '99999999999999999999'],
  ['-c', 'bas', '-k', 'modules'], ['-x', 'kmod', '-ui', '0'], ['--session', '3', '-sc', 'finit_module'], ['-e', '0', '-sv', 'yes', '--format', 'csv'],
  // -gi/-ge/-ga (gid_t, or a name in this host's /etc/group: root, daemon, nogroup are in every Debian's base),
  // -tm, -hn, -n, -uu, -vm: each parser reads gid=, tty=/terminal=, hostname=/addr=/saddr=, uuid=, vm= its own way
  // (see search-more-fields.txt); -n compares the node= of an event whole.
  ['-gi', '0'], ['-gi', '65534', '-i'], ['-ge', '1'], ['-ga', '7'], ['-gi', 'root'], ['-ge', 'nogroup'], ['-ga', 'daemon'],
  ['-gi', 'no-such-group-here'], ['-ge', 'no-such-group-here'], ['-ga', 'no-such-group-here'], ['-gi', '-1'], ['-ge'],
  ['-gi', '4294967295'], ['-ga', '4294967296'], ['-gi', '99999999999999999999'], ['-ga', '0', '-ge', '1'], ['-gi', '0', '-ge', '0', '-k', 'modules'],
  ['-tm', 'pts'], ['-tm', '(none)', '-i'], ['-tm', 'pts/0', '-w'], ['-tm', '(tty7'], ['-tm'],
  ['-hn', '10'], ['-hn', '?'], ['-hn', '::', '-i'], ['-hn', '10.4.4.4', '-w'], ['-hn', '-1'],
  ['-n', 'alpha'], ['-n', 'beta', '-n', 'alpha.example'], ['-n', 'alph', '-w'], ['-n'],
  ['-uu', '1111'], ['-uu', 'cccc-dddd', '-w'], ['-vm', 'guest'], ['-vm', 'guest-one', '-w', '-i'], ['-uu'], ['-vm', '-x'],
  // -su/-o/-se: the subject and object contexts each parser reads (subj=, obj=, scontext=/tcontext=, vm-ctx=/img-ctx=);
  // -su decides alone beside -o, -se ORs them; LOGIN keeps "subj=" in the context it compares.
  ['-su', 'system_u'], ['-su', 'unconfined_t:s0', '-w'], ['-su', 'subj=system_u:system_r:local_login_t:s0-s0:c0.c1023', '-w'],
  ['-o', 'object_r'], ['-o', 'shadow_t', '-i'], ['-se', 'svirt'], ['-se', '_t'], ['-su', 'a_u', '-o', 'b_u'], ['-su', 'kernel'],
  ['-se', 'system_u:object_r:ipc_t:s0', '-w'], ['-su'], ['-o', '-x'], ['-se'], ['-su', '_', '--format', 'csv'],
  // -f/--file: the names of PATH, AVC, AVC_PATH, CONFIG_CHANGE, SOCKADDR (unix), VIRT_RESOURCE and INTEGRITY records,
  // relative ones joined to the cwd, else the cwd (CWD, USER cwd=); a bad name makes the event unmatchable
  // (search-files.txt), and a bad CONFIG_CHANGE path= crashes ausearch (search-files-crash.txt).
  ['-f', '/usr/sbin/insmod'], ['-f', 'insmod'], ['-f', './script.sh'], ['-f', '/'], ['-f', 'a b'], ['-f', '/root', '-w'],
  ['-f', '/etc/shadow', '-i'], ['-f', '/', '--format', 'csv'], ['-f', '/tmp', '--format', 'text'], ['-f'], ['-f', '-i'],
  ['--file', '(null)'], ['-f', 'sock'], ['-f', '/home/u', '-w'], ['-f', '/var', '-ui', '0'], ['-f', '/etc', '-p', '1237'],
  ['-f', '/etc', '-c', 'cat'], ['-f', ''], ['-f', '/etc', '-l'],
  // -f beside the options that read the same records (PATH's obj= after its name, SOCKADDR's address and path)
  ['-f', '/', '-o', 'object_r'], ['-f', 'sock', '-hn', '10'], ['-hn', '10', '-f', '/'], ['-f', '/', '-se', '_t', '-tm', 'pts'],
];

const logs = readdirSync(LOGS).filter((f) => /\.(txt|log)$/.test(f)).sort();

test('there are fixture logs to compare', (t) => {
  t.true(logs.length >= 3);
});

// Ours runs in this process (runSearch, as the CLI calls it): a node start per comparison made this file take
// about 20 minutes. The test after the loop checks on a sample that the CLI process prints the same bytes.
for (const log of logs) {
  test.serial(`search matches ausearch on ${log}`, async (t) => {
    const file = path.join(LOGS, log);
    for (const args of OPTION_SETS) {
      const { ref, ours } = await runBothInProcess(file, args);
      assertSame(t, ref, ours, `${log} [${args.join(' ')}]`);
    }
  });
}

test.serial('the search CLI, run as its own process, prints the same bytes and status as the in-process search', async (t) => {
  const sample = OPTION_SETS.filter((_, i) => i % 7 === 0);
  for (const log of ['modules-enriched.txt', 'real-debian12-amd64.txt', 'search-files.txt']) {
    const file = path.join(LOGS, log);
    for (const args of sample) {
      const { ours: spawned } = await runBoth(file, args);
      const inProcess = runOursInProcess([...args, '-if', file], ENV);
      t.is(spawned.status, inProcess.status, `${log} [${args.join(' ')}]: status`);
      t.true(spawned.stdout.equals(inProcess.stdout), `${log} [${args.join(' ')}]: stdout ${firstDifference(spawned.stdout, inProcess.stdout)}`);
      t.true(spawned.stderr.equals(inProcess.stderr), `${log} [${args.join(' ')}]: stderr ${firstDifference(spawned.stderr, inProcess.stderr)}`);
    }
  }
});

test('search refuses a -f name of PATH_MAX (4096) bytes or more, like ausearch', async (t) => {
  const file = path.join(LOGS, 'search-files.txt');
  for (const name of ['a'.repeat(4095), 'a'.repeat(4096), `/${'\u00e9'.repeat(2047)}`, `${'\u00e9'.repeat(2048)}`]) {
    const { ref, ours } = await runBoth(file, ['--file', name]);
    assertSame(t, ref, ours, `-f of ${Buffer.byteLength(name)} bytes`);
  }
});

test('search stops with an error naming file:line where ausearch 3.0.9 dies of SIGSEGV (-f, a CONFIG_CHANGE path= it cannot read)', async (t) => {
  const file = path.join(LOGS, 'search-files-crash.txt');
  const lines = readFileSync(file, 'latin1').split('\n');
  // The bad path= is unquoted and not hex: its event is the first whose name list stays empty.
  const bad = lines.findIndex((l) => /^type=CONFIG_CHANGE .* path=\/etc\/audit\/bad /.test(l));
  t.true(bad > 0);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'search-crash-'));
  try {
    // The same log without that record: ausearch prints every event there, in the order it would have.
    const without = path.join(dir, 'without.log');
    writeFileSync(without, lines.filter((_, i) => i !== bad).join('\n'), 'latin1');
    for (const args of [['-f', '/etc'], ['-f', '/', '-i'], ['--file', 'audit', '--format', 'csv']]) {
      const { ref, ours } = await runBoth(file, args);
      t.is(ref.signal, 'SIGSEGV', `[${args.join(' ')}]: ausearch crashes`);
      assertSame(t, ref, ours, `[${args.join(' ')}]`);
      t.true(ours.stderr.toString('latin1').includes(`${file}:${bad + 1}: ausearch 3.0.9 dies of SIGSEGV`), `[${args.join(' ')}]: stderr names the line`);
      // Ours printed every event ausearch prints before that one, whole, and nothing after.
      const all = (await runBoth(without, args)).ref.stdout;
      t.true(ours.stdout.length > ref.stdout.length, `[${args.join(' ')}]: more than ausearch had flushed`);
      t.true(all.subarray(0, ours.stdout.length).equals(ours.stdout), `[${args.join(' ')}]: stdout ${firstDifference(all, ours.stdout)}`);
      const rest = all.subarray(ours.stdout.length).toString('latin1');
      t.true(ours.stdout.at(-1) === 0x0a && (args.includes('csv') || rest === '' || rest.startsWith('----\n')), `[${args.join(' ')}]: stops at an event's end`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search prints <no matches> on stderr and exits 1, like ausearch', async (t) => {
  const { ref, ours } = await runBoth(path.join(LOGS, 'modules-raw.txt'), ['-k', 'definitely-not-a-key']);
  t.is(ref.status, 1);
  // Before it, ausearch may say what it made of auditd.conf (missing on a host without auditd).
  t.true(ref.stderr.toString().endsWith('<no matches>\n'));
  assertSame(t, ref, ours, 'no matches');
});

test('search prints ausearch\'s usage for -h/--help (exit 0) and for no arguments (exit 1), where -h stands', async (t) => {
  const file = path.join(LOGS, 'modules-raw.txt');
  for (const args of [['-h'], ['--help'], [], ['-k', 'modules', '-h', '-if', file], ['-h', '-k'], ['-k', '-h'], ['-a', 'x', '-h']]) {
    const { ref, ours } = await runBothArgs(args);
    assertSame(t, ref, ours, `[${args.join(' ')}]`);
  }
  const { ref } = await runBothArgs(['--help']);
  t.true(ref.stdout.toString().startsWith('usage: ausearch [options]\n'));
});

test('search ignores --input-logs beside -if, like ausearch, and refuses it without -if (it never reads this host\'s logs)', async (t) => {
  for (const args of [['--input-logs', '-k', 'modules'], ['-i', '--input-logs']]) {
    const { ref, ours } = await runBoth(path.join(LOGS, 'modules-raw.txt'), args);
    assertSame(t, ref, ours, `[${args.join(' ')}]`);
  }
  const o = spawnSync(process.execPath, [CLI, 'search', '--input-logs', '-k', 'modules'], { env: { ...process.env, ...ENV }, input: '' });
  t.is(o.status, 2);
  t.regex(o.stderr.toString(), /never reads this host's own logs \(--input-logs\): give -if FILE/);
  t.is(o.stdout.length, 0);
});

test('search prints stamps beyond a JS Date (year 3170843, year -314918, LMT offsets, DST by the zone\'s last rule) as glibc\'s localtime does, in four zones', async (t) => {
  // time-stamps-wide.txt: stamps glibc converts and a Date cannot, the edges of a Date's range, one whose year
  // overflows tm_year (ausearch prints (null) or ?), and events near 6.7e16 s, where a sum sec + 2 is lost in a double
  const file = path.join(LOGS, 'time-stamps-wide.txt');
  for (const tz of ['UTC', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata']) {
    for (const args of [[], ['-i'], ['--format', 'csv', '--extra-time'], ['--format', 'text']]) {
      const { ref, ours } = await runBoth(file, args, { ...ENV, TZ: tz });
      assertSame(t, ref, ours, `TZ=${tz} [${args.join(' ')}]`);
    }
  }
});

test('search reads a log piped on stdin', async (t) => {
  const file = path.join(LOGS, 'modules-raw.txt');
  const { ref } = await runBoth(file, ['-k', 'modules', '-i']);
  const { readFileSync } = await import('node:fs');
  const o = spawnSync(process.execPath, [CLI, 'search', '-k', 'modules', '-i'], { env: { ...process.env, ...ENV }, input: readFileSync(file) });
  t.is(o.status, 0);
  t.true(o.stdout.equals(ref.stdout));
});

test('search reads a directory of rotated logs like ausearch (an event continues across files)', async (t) => {
  const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'search-dir-'));
  try {
    const lines = (await readFile(path.join(LOGS, 'modules-raw.txt'), 'latin1')).split('\n');
    // audit.log.1 is the older file; cut in the middle of the execve event (lines 4-11).
    await writeFile(path.join(dir, 'audit.log.1'), `${lines.slice(0, 7).join('\n')}\n`, 'latin1');
    await writeFile(path.join(dir, 'audit.log'), lines.slice(7).join('\n'), 'latin1');
    for (const args of [[], ['-i'], ['-k', 'modules', '--raw'], ['-sc', 'execve', '-i']]) {
      const { ref, ours } = await runBoth(dir, args);
      assertSame(t, ref, ours, `dir [${args.join(' ')}]`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

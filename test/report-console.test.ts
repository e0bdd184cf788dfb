import test from 'ava';
import { PassThrough } from 'node:stream';
import type { RunResult } from '../harness/scenarios/result.js';
import { createConsoleReporter, sideBySide, type ConsoleReporterOptions } from '../harness/scenarios/report/index.js';
import { golden } from './fixtures/report/golden.js';
import { hostileRun, sampleRun, twoTargetRun } from './fixtures/report/runs.js';

/** Drives the reporter the way the runner does: targets come up (or not), scenarios start and finish, the run ends. */
function drive(run: RunResult, opts: Omit<ConsoleReporterOptions, 'stream'>): string {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const r = createConsoleReporter({ stream, ...opts });
  for (const t of run.targets) {
    r.targetStarted(t.name);
    if (t.error) r.targetFailed(t);
    else r.targetReady(t);
  }
  for (const s of run.results) {
    r.scenarioStarted(s.target, s.scenarioId);
    r.scenarioFinished(s);
  }
  r.runFinished(run);
  return Buffer.concat(chunks).toString('utf8');
}

// SGR colours and the status-line clear are the only escape sequences the reporter may emit itself.
const OWN_ESCAPES = /\x1b\[(?:\d+(?:;\d+)*)?m|\r\x1b\[2K/g;

test('console without a TTY: plain lines, no ANSI, matches the golden file', (t) => {
  const out = drive(sampleRun(), { isTTY: false, width: 120 });
  t.false(out.includes('\x1b'));
  t.false(out.includes('\r'));
  const { expected, file } = golden('console.golden.txt', out);
  t.is(out, expected, `differs from ${file} (UPDATE_GOLDEN=1 to accept)`);
});

test('console: one line per scenario × target with its mark and time, one line per event in CI', (t) => {
  const run = sampleRun();
  const lines = drive(run, { isTTY: false, width: 120 }).split('\n');
  const marks: Record<string, string> = { pass: '✓', gap: '◆', fail: '✗', error: '!', 'not-applicable': '-' };
  for (const s of run.results) {
    const head = lines.filter((l) => l.startsWith(`${marks[s.outcome]} ${s.target}  ${s.scenarioId} [${s.ruleset}]: ${s.title}  `));
    t.is(head.length, 1, `${s.target} ${s.scenarioId}`);
    t.regex(head[0]!, /\d+(\.\d)? (ms|s)|\dm\d\ds/);
    t.is(lines.filter((l) => l === `  … ${s.target}  ${s.scenarioId}`).length, 1, 'start line');
  }
  t.is(lines.filter((l) => l.startsWith('▸ ') && l.endsWith(': starting')).length, 3);
  t.true(lines.includes('▸ debian12-amd64: ready (6.1.0-27-cloud-amd64, x86_64), up in 3.1 s'));
  t.true(lines.some((l) => l.startsWith('! debian11-amd64: target failed: image debian11-amd64: qemu exited')));
});

test('console: a failure shows expected and actual side by side, and the step commands with exit codes', (t) => {
  const out = drive(sampleRun(), { isTTY: false, width: 120 });
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.includes('✗ step load: KERN_MODULE name=audit_test_mod_v2 present'));
  t.true(at > 0);
  t.regex(lines[at + 1]!, /^ {6}expected {2,}│ actual$/);
  t.regex(lines[at + 3]!, /^ {6}type=KERN_MODULE name=audit_test_mod_v2 +│ type=SYSCALL msg=audit\(1763834520\.114:301\):$/);
  // The actual side wraps at field boundaries and keeps the key at the end of the SYSCALL record.
  t.true(lines.slice(at, at + 16).some((l) => /│ .*key="modules"$/.test(l)));
  t.true(out.includes('load [modprobe as sudo] $ sudo modprobe audit_test_mod  → exit 0, 1 event, 610 ms'));
  t.true(out.includes('unload [rmmod as sudo] $ sudo rmmod audit_test_mod  → exit -1, 0 events, 2m00s'));
  t.true(out.includes('    error: step unload: ssh channel closed without an exit status after 120 s (guest unresponsive)'));
});

test('console: a gap line shows its reason and reference; the summary counts per outcome and per target', (t) => {
  const out = drive(sampleRun(), { isTTY: false, width: 120 });
  t.true(
    out.includes(
      '    ◆ gap: step load32: SYSCALL arch=i386 syscall=init_module key=modules absent — the CIS 64-bit rules have only arch=b64; ' +
        'a 32-bit program on a 64-bit kernel is matched only by arch=b32 rules [CIS 4.1.3.7; docs/SOURCES.md [R7] (arch=40000003)]',
    ),
  );
  t.true(out.includes('Summary: 8 scenario runs in 4m22s: 3 pass, 2 gap (documented), 1 fail, 1 error, 1 n/a'));
  t.regex(out, /\n {2}debian12-amd64 {6}1 {5}2 {5}1 {5}1 {5}0 {2}6\.1\.0-27-cloud-amd64 x86_64\n/);
  t.regex(out, /\n {2}debian12-686 {8}2 {5}0 {5}0 {5}0 {5}1 {2}6\.1\.0-27-686-pae i686\n/);
});

test('console on a TTY: colours and a transient status line; NO_COLOR and color:false turn colours off', (t) => {
  const tty = drive(sampleRun(), { isTTY: true, width: 120 });
  t.true(tty.includes('\x1b[32m✓\x1b[0m'), 'green pass mark');
  t.true(tty.includes('\x1b[31m✗\x1b[0m'), 'red fail mark');
  t.true(tty.includes('\r\x1b[2K'), 'status line cleared');
  t.false(tty.includes('  … debian12-amd64  cis-insmod-rmmod\n'), 'no CI start lines on a TTY');
  const plain = drive(sampleRun(), { isTTY: true, color: false, width: 120 });
  t.false(plain.replace(/\r\x1b\[2K/g, '').includes('\x1b'));
  const forced = drive(sampleRun(), { isTTY: false, color: true, width: 120 });
  t.true(forced.includes('\x1b[32m'));
});

test('console on a TTY: the status line follows targets running in parallel and is gone at the end', (t) => {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const r = createConsoleReporter({ stream, isTTY: true, color: false, width: 120 });
  const run = sampleRun();
  r.scenarioStarted('debian12-amd64', 'cis-insmod-rmmod');
  t.true(out.endsWith('… debian12-amd64 cis-insmod-rmmod'));
  r.scenarioStarted('debian12-686', 'cis-insmod-rmmod');
  t.true(out.endsWith('\r\x1b[2K… debian12-amd64 cis-insmod-rmmod · debian12-686 cis-insmod-rmmod'));
  r.scenarioFinished(run.results[0]!);
  // The finished line replaces the status line, and what still runs is shown again below it.
  t.true(out.includes('\r\x1b[2K◆ debian12-amd64  cis-insmod-rmmod [cis-64]: insmod and rmmod as root are logged with key modules  2.3 s  gap (documented)\n'));
  t.true(out.endsWith('[linux-audit/audit-userspace#53]\n… debian12-686 cis-insmod-rmmod'));
  r.scenarioFinished(run.results[5]!);
  r.runFinished(run);
  const last = out.slice(out.lastIndexOf('\n', out.length - 2) + 1);
  t.false(out.slice(-200).includes('…  debian12'));
  t.true(out.endsWith('\n'));
  t.regex(last, /^ {2}\S/);
});

test.serial('console on a TTY with NO_COLOR set: no colours', (t) => {
  const saved = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  try {
    const out = drive(sampleRun(), { isTTY: true, width: 120 });
    t.false(out.replace(/\r\x1b\[2K/g, '').includes('\x1b'));
    t.true(out.includes('◆ debian12-amd64  cis-insmod-rmmod [cis-64]: '));
    t.true(out.includes('✓ debian12-amd64  ssg-loader32 [ssg]: '));
  } finally {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  }
});

test('side by side fits the width it is given and truncates long records with a count', (t) => {
  const big = `type=PROCTITLE msg=audit(1763834405.020:112): proctitle=${'41'.repeat(32 * 1024)}`;
  const many = Array.from({ length: 200 }, (_, i) => `type=PATH msg=audit(1.0:1): item=${i} name="/x"`).join('\n');
  for (const w of [60, 80, 120, 200]) {
    for (const [e, a] of [
      ['short', big],
      [many, 'x'],
    ] as const) {
      const lines = sideBySide(e, a, w);
      for (const l of lines) t.true([...l].length <= w, `${w}: ${l.length} ${l.slice(0, 40)}`);
      t.true(lines.length <= 2 + 24);
    }
  }
  // Output captured from a guest's tty has CRLF line ends: they end lines, they are not shown as \x0d.
  t.deepEqual(sideBySide('a\r\nb', 'c', 60).slice(2), [`      a${' '.repeat(24)} │ c`, `      b${' '.repeat(24)} │`]);
  const cut = sideBySide('x', big, 100).join('\n');
  t.regex(cut, /proctitle=4141.*…\[\+\d+ chars\]/);
  t.regex(sideBySide(many, 'x', 100).join('\n'), /… \(200 lines in all\)/);
});

test('hostile records: no control characters or escape sequences from records reach the terminal', (t) => {
  for (const isTTY of [false, true]) {
    const out = drive(hostileRun(), { isTTY, width: 100 });
    const stripped = out.replace(OWN_ESCAPES, '');
    t.false(/[\x00-\x08\x0b-\x1f\x7f]/.test(stripped), `isTTY=${isTTY}`);
    t.true(stripped.includes('\\x1b[31mRED\\x1b[0m'), 'escapes shown, not obeyed');
    t.true(stripped.includes('\\ud800'), 'lone surrogate shown');
    // 64 KiB of proctitle does not flood the console.
    t.true(out.length < 40_000, `${out.length} chars`);
    t.true(stripped.includes('proctitle=696E736D6F64002F'));
    t.regex(stripped, /…\[\+13\d{4} chars\]/);
  }
});

test('console: the summary ends with a one-line verdict per target (rule sets under which every path was logged)', (t) => {
  const lines = drive(twoTargetRun(), { isTTY: false, width: 120 }).split('\n');
  const at = lines.findIndex((l) => l.startsWith('Verdict: '));
  t.true(at > 0);
  t.deepEqual(lines.slice(at + 1, at + 3), ['  qemu:debian12-amd64  1/2: rfe-mod-load-unload', '  qemu:debian12-i686   0/1']);
});

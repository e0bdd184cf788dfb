// The CLI's failures as a user meets them, each in a child process: commander's usage errors exit 2 like the
// harness's own (search keeps ausearch's), a log search cannot read is named (no stack), and a closed stdout or
// stderr neither hides a run's status nor its reports, while search dies of SIGPIPE as ausearch does.
import test from 'ava';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { assertSame, runBothArgs } from './search-reference.js';

const cli = path.join(repoRoot, 'dist/harness/cli.js');
const harness = (args: string[]) => execa('node', [cli, ...args], { cwd: repoRoot, reject: false, stdin: 'ignore' });
const noStack = /\n\s+at |node:internal|Node\.js v/;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cli-errors-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the CLI with the read ends of its stdout and/or stderr closed before it writes (as `| head` does, early). */
function withClosed(args: string[], closed: { stdout?: boolean; stderr?: boolean }): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  if (closed.stdout) child.stdout.destroy();
  else child.stdout.resume();
  if (closed.stderr) child.stderr.destroy();
  else child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const usageErrors: [args: string[], message: RegExp][] = [
  [['run', '--bogus'], /^error: unknown option '--bogus'\n/],
  [['run', '--target'], /^error: option '-t, --target <specs>' argument missing\n/],
  [['coverage'], /^error: required option '-t, --target <specs>' not specified\n/],
  [['validate'], /^error: required option '--out <dir>' not specified\n/],
  [['report', 'merge'], /^error: missing required argument 'dirs'\n/],
  [['vm', 'exec'], /^error: missing required argument 'target'\n/],
  [['nosuchcmd'], /^error: unknown command 'nosuchcmd'\n/],
  [[], /^Usage: audit-harness \[options\] \[command\]\n/],
];

for (const [args, message] of usageErrors) {
  test(`usage error: audit-harness ${args.join(' ') || '(no command)'} exits 2 naming the option, argument or command`, async (t) => {
    const r = await harness(args);
    t.is(r.exitCode, 2, r.stderr);
    t.regex(r.stderr, message);
    t.is(r.stdout, '');
    t.notRegex(r.stderr, noStack);
  });
}

test('--help and --version exit 0 and print on stdout', async (t) => {
  for (const args of [['--help'], ['run', '--help'], ['help', 'coverage'], ['vm', 'exec', '--help'], ['--version']]) {
    const r = await harness(args);
    t.is(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    t.not(r.stdout, '', args.join(' '));
  }
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  t.is((await harness(['--version'])).stdout, pkg.version);
});

test('search keeps ausearch\'s own usage messages and exit status 1', async (t) => {
  const bogus = await harness(['search', '--bogus']);
  t.is(bogus.exitCode, 1);
  t.is(bogus.stderr, '--bogus is an unsupported option');
  const noValue = await harness(['search', '-k']);
  t.is(noValue.exitCode, 1);
  t.is(noValue.stderr, 'Argument is required for -k');
});

test('search names a log in an -if directory it cannot read (EISDIR), exit 2, and prints what it read before', async (t) => {
  const dir = tempDir(t);
  const logs = path.join(dir, 'd');
  mkdirSync(logs);
  // read oldest first: audit.log.2, then audit.log.1 (a directory) stops the search before audit.log
  const log = path.join(repoRoot, 'test/fixtures/logs/modules-raw.txt');
  copyFileSync(log, path.join(logs, 'audit.log.2'));
  mkdirSync(path.join(logs, 'audit.log.1'));
  copyFileSync(log, path.join(logs, 'audit.log'));
  const r = await harness(['search', '-if', logs, '-k', 'modules']);
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, new RegExp(`^audit-harness: ${logs}/audit\\.log\\.1: cannot read \\(EISDIR: illegal operation on a directory, read\\); search stopped here`, 'm'));
  t.notRegex(r.stderr, noStack);
  t.regex(r.stdout, /^type=SYSCALL .*key="modules"/m);
});

test('search -if DIR takes the rotated logs ausearch takes: audit.log.N while readable, audit.log even when missing', async (t) => {
  const dir = tempDir(t);
  const empty = path.join(dir, 'empty');
  mkdirSync(empty);
  const none = await harness(['search', '-if', empty, '-k', 'modules']);
  t.is(none.exitCode, 1);
  // byte for byte what the real ausearch 3.0.9 says (strerror's text, not Node's)
  const both = await runBothArgs(['-if', empty, '-k', 'modules']);
  assertSame(t, both.ref, both.ours, 'an empty -if directory');
  t.regex(none.stderr, new RegExp(`^Error opening ${empty}/audit\\.log \\(No such file or directory\\)$`, 'm'));
  // a dangling audit.log.1 ends the count (access(R_OK) fails): audit.log.2 is not read, audit.log is
  const logs = path.join(dir, 'd');
  mkdirSync(logs);
  copyFileSync(path.join(repoRoot, 'test/fixtures/logs/modules-raw.txt'), path.join(logs, 'audit.log'));
  symlinkSync(path.join(dir, 'nowhere'), path.join(logs, 'audit.log.1'));
  mkdirSync(path.join(logs, 'audit.log.2')); // were it read: EISDIR, exit 2
  const r = await harness(['search', '-if', logs, '-k', 'modules']);
  t.is(r.exitCode, 0, r.stderr);
  t.notRegex(r.stderr, /audit\.log\.[12]/);
  t.regex(r.stdout, /^type=SYSCALL .*key="modules"/m);
});

test('search names a file that fails to read (EIO), exit 2, no stack trace', async (t) => {
  const r = await harness(['search', '-if', '/proc/self/mem', '-k', 'm']);
  t.is(r.exitCode, 2, r.stderr);
  t.regex(r.stderr, /^audit-harness: \/proc\/self\/mem: cannot read \(EIO: i\/o error, read\); search stopped here/m);
  t.notRegex(r.stderr, noStack);
});

test('a closed stdout: run finishes, writes its reports and exits 1 for its failing scenario', async (t) => {
  const dir = tempDir(t);
  const scenario = path.join(dir, 'failing.yaml');
  // root's insmod is logged by the watch with comm "insmod": expecting "rmmod" fails on the model
  writeFileSync(scenario, [
    'id: cli-errors-failing', 'title: an expectation the model contradicts', 'source: cli-errors.test.ts',
    'applies: { archs: [x86_64] }', 'rules: { ruleset: cis-64 }', 'apply: augenrules', 'rulesFile: 50-modules.rules',
    'steps:', "  - { id: insmod, path: 'insmod (.ko)', do: insmod, module: ko }",
    'expect:', '  - step: insmod', '    key: modules', `    fields: { SYSCALL.syscall:i: execve, SYSCALL.comm: '"rmmod"' }`, '',
  ].join('\n'));
  const args = (out: string) => ['run', scenario, '--target', 'sim:debian12-amd64', '--out', path.join(dir, out)];
  const open = await harness(args('open'));
  t.is(open.exitCode, 1, `the scenario should fail on the model: ${open.stdout}\n${open.stderr}`);
  for (const closed of [{ stdout: true }, { stdout: true, stderr: true }]) {
    const out = closed.stderr ? 'both-closed' : 'stdout-closed';
    const r = await withClosed(args(out), closed);
    t.is(r.signal, null, out);
    t.is(r.code, 1, `${out}: ${r.stderr}`);
    const results = JSON.parse(readFileSync(path.join(dir, out, 'results.json'), 'utf8')) as { run: { results: { outcome: string }[] } };
    t.deepEqual(results.run.results.map((x) => x.outcome), ['fail'], out);
    t.true(existsSync(path.join(dir, out, 'junit.xml')), out);
  }
});

test('a closed stderr: coverage finishes, writes coverage.json and exits 0', async (t) => {
  const dir = tempDir(t);
  const rules = path.join(dir, 'r.rules');
  writeFileSync(rules, '-w /sbin/insmod -p x -k modules\n');
  const out = path.join(dir, 'cov');
  const r = await withClosed(['coverage', rules, '-t', 'sim:debian12-amd64', '--out', out], { stderr: true });
  t.is(r.signal, null);
  t.is(r.code, 0);
  t.true(existsSync(path.join(out, 'coverage.json')));
});

test('a closed stdout: search dies of SIGPIPE, as ausearch does', async (t) => {
  const r = await withClosed(['search', '-if', path.join(repoRoot, 'test/fixtures/logs/modules-raw.txt'), '-k', 'modules'], { stdout: true });
  t.is(r.signal, 'SIGPIPE', `exit ${r.code}: ${r.stderr}`);
  t.notRegex(r.stderr, noStack);
});

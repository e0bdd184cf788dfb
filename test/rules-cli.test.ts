// The CLI as a user runs it: node dist/harness/cli.js rules ...
import test from 'ava';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../harness/paths.js';

const cli = path.join(repoRoot, 'dist/harness/cli.js');
const fx = (p: string) => path.join('test/fixtures/rules', p);
const run = (args: string[]) => execa('node', [cli, 'rules', ...args], { cwd: repoRoot, reject: false });

test('rules lint: clean file exits 0 with a one-line summary', async (t) => {
  const r = await run(['lint', fx('cis-64.rules')]);
  t.is(r.exitCode, 0);
  t.is(r.stdout, '1 file, 4 rule lines, no errors (x86_64)');
});

test('rules lint: every problem as FILE:LINE:COL: error: message, exit 1', async (t) => {
  const r = await run(['lint', fx('errors/bad.rules')]);
  t.is(r.exitCode, 1);
  t.is(r.stdout + '\n', readFileSync(path.join(repoRoot, fx('errors/bad.lint.golden')), 'utf8'));
  t.notRegex(r.stderr, /at .*\.js:\d+/);
});

test('rules lint --arch i686 rejects b64 rules', async (t) => {
  const r = await run(['lint', '--arch', 'i686', fx('cis-64.rules')]);
  t.is(r.exitCode, 1);
  t.is(r.stdout, `${fx('cis-64.rules')}:5:19: error: arch elf mapping not found (b64 on a 32-bit i686 kernel)`);
  const ok = await run(['lint', '--arch', 'i686', fx('cis-32.rules'), fx('rfe-mod-load.rules')]);
  t.is(ok.exitCode, 0);
  t.is(ok.stdout, '2 files, 6 rule lines, no errors (i686)');
});

test('rules print: canonical auditctl -l form of one file', async (t) => {
  const r = await run(['print', fx('forms.rules')]);
  t.is(r.exitCode, 0);
  t.is(r.stdout + '\n', readFileSync(path.join(repoRoot, fx('forms.golden')), 'utf8'));
});

test('rules print: a rules.d directory is merged as augenrules does', async (t) => {
  const r = await run(['print', fx('augenrules/rules.d')]);
  t.is(r.exitCode, 1); // the fixture's no-newline file breaks a line, as it would with augenrules
  t.is(r.stdout + '\n', readFileSync(path.join(repoRoot, fx('augenrules/listing.golden')), 'utf8'));
  t.regex(r.stderr, /60-no-newline\.rules:1:\d+: error: parameter passed without an option given/);
});

test('rules print: several files merge in ls -v order', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rules-cli-'));
  try {
    await writeFile(path.join(dir, '10-late.rules'), '-w /late -p x\n');
    await writeFile(path.join(dir, '9-early.rules'), '-w /early -p x\n-e 2\n');
    const r = await run(['print', path.join(dir, '10-late.rules'), path.join(dir, '9-early.rules')]);
    t.is(r.exitCode, 0);
    t.is(r.stdout, '-w /early -p x\n-w /late -p x');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('rules lint: a rule repeated across rules.d files is the EEXIST auditctl -R stops at', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rules-dup-'));
  try {
    await writeFile(path.join(dir, '50-ssg.rules'), '-a always,exit -F arch=b64 -S init_module,delete_module -F key=modules\n');
    await writeFile(path.join(dir, '60-cis.rules'), '-w /sbin/insmod -p x -k modules\n-a always,exit -F arch=b64 -S init_module -S delete_module -k modules\n');
    const r = await run(['lint', dir]);
    t.is(r.exitCode, 1);
    t.is(r.stdout, `${path.join(dir, '60-cis.rules')}:2:1: error: Error sending add rule data request (Rule exists) (when loaded after augenrules: auditctl -R stops here)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('rules: a missing file is a one-line error, no stack trace', async (t) => {
  const r = await run(['print', '/nonexistent/x.rules']);
  t.is(r.exitCode, 2);
  t.is(r.stderr, 'audit-harness rules: cannot read /nonexistent/x.rules: ENOENT: no such file or directory');
  const bad = await run(['lint', '--arch', 'sparc', fx('cis-64.rules')]);
  t.not(bad.exitCode, 0);
  t.notRegex(bad.stderr, /\n\s+at /);
});

/** A temporary directory for one test, removed after it. */
async function scratch(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rules-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// A hang must fail the test, not stall the run.
const runBounded = (args: string[]) => execa('node', [cli, 'rules', ...args], { cwd: repoRoot, reject: false, timeout: 30_000 });

test('rules.d: a directory or a dangling symlink named *.rules is skipped as augenrules\' cat skips it, with a warning naming it', async (t) => {
  const dir = await scratch(t);
  const d = path.join(dir, 'rules.d');
  await mkdir(path.join(d, 'sub.rules'), { recursive: true });
  await writeFile(path.join(d, 'sub.rules', 'inner.rules'), '-w /inner -p x -k k\n');
  await writeFile(path.join(d, '10-a.rules'), '-w /x -p x -k k\n');
  await symlink(path.join(dir, 'nothing'), path.join(d, '20-gone.rules'));
  await symlink('30-loop.rules', path.join(d, '30-loop.rules'));
  const lint = await runBounded(['lint', d]);
  t.is(lint.exitCode, 0, lint.stderr);
  t.is(lint.stdout, '1 file, 1 rule line, no errors (x86_64)');
  t.regex(lint.stderr, new RegExp(`^${path.join(d, 'sub.rules')}: warning: skipped: a directory`, 'm'));
  t.regex(lint.stderr, new RegExp(`^${path.join(d, '20-gone.rules')}: warning: skipped: a dangling symbolic link`, 'm'));
  t.regex(lint.stderr, new RegExp(`^${path.join(d, '30-loop.rules')}: warning: skipped: a symbolic link loop`, 'm'));
  t.notRegex(lint.stderr, /EISDIR|audit-harness rules:/);
  const print = await runBounded(['print', d]);
  t.is(print.exitCode, 0, print.stderr);
  t.is(print.stdout, '-w /x -p x -k k');
});

test('a FIFO is refused with its path, as a file and inside a rules.d, without waiting on it', async (t) => {
  const dir = await scratch(t);
  const d = path.join(dir, 'rules.d');
  await mkdir(d);
  await writeFile(path.join(d, '10-a.rules'), '-w /x -p x -k k\n');
  await execa('mkfifo', [path.join(d, '20-pipe.rules'), path.join(dir, 'pipe.rules')]);
  for (const [input, why] of [[d, "augenrules' cat would read it"], [path.join(dir, 'pipe.rules'), 'auditctl -R refuses it']] as const) {
    for (const cmd of ['lint', 'print', 'merge']) {
      const r = await runBounded([cmd, input]);
      t.false(r.timedOut, `${cmd} ${input} hung`);
      t.is(r.exitCode, 2, `${cmd} ${input}`);
      const fifo = input === d ? path.join(d, '20-pipe.rules') : input;
      t.is(r.stderr, `audit-harness rules: ${fifo} is not a regular file (a FIFO, whose read waits for a writer): ${why}, audit-harness reads only regular files`.replace('refuses it,', 'refuses it, and'));
    }
  }
});

test('rules lint: a UTF-8 byte order mark is named; auditctl\'s own outcome (the first word is no option) is kept', async (t) => {
  const dir = await scratch(t);
  const f = path.join(dir, 'bom.rules');
  await writeFile(f, '\uFEFF-w /lib/modules -p x -k m\n-w /sbin/insmod -p x -k m\n');
  const r = await runBounded(['lint', f]);
  t.is(r.exitCode, 1);
  t.deepEqual(r.stdout.split('\n'), [
    `${f}:1:1: warning: byte order mark (U+FEFF, bytes EF BB BF) at the start of the line: auditctl reads it as part of the first word, so "-w" is neither an option nor a comment to it; save the file as UTF-8 without a BOM`,
    `${f}:1:18: error: permission option needs a watch given prior to it`,
  ]);
  // A BOM before a comment makes it a line auditctl runs.
  await writeFile(f, '\uFEFF# rules\n-w /sbin/insmod -p x -k m\n');
  const c = await runBounded(['lint', f]);
  t.is(c.exitCode, 1);
  t.regex(c.stdout, /:1:1: warning: byte order mark .* so "#" is neither an option nor a comment/);
  t.regex(c.stdout, /:1:\d+: error: parameter passed without an option given/);
});

test('rules lint/print: a NUL byte is a warning, and auditctl\'s line ends there', async (t) => {
  const dir = await scratch(t);
  const f = path.join(dir, 'nul.rules');
  await writeFile(f, '-w /x -p x -k a\0 -k b\n\0-w /y -p x -k c\n# a comment\0 is not warned about\n-w /z -p x\n');
  const lint = await runBounded(['lint', f]);
  t.is(lint.exitCode, 0);
  t.deepEqual(lint.stdout.split('\n'), [
    `${f}:1:16: warning: NUL byte: auditctl ends the line here and ignores the rest of it (a UTF-16 file, or binary data?)`,
    `${f}:2:1: warning: NUL byte: auditctl ends the line here and ignores the rest of it (a UTF-16 file, or binary data?)`,
    '1 file, 2 rule lines, no errors, 2 warnings (x86_64)',
  ]);
  const print = await runBounded(['print', f]);
  t.is(print.stdout, '-w /x -p x -k a\n-w /z -p x');
});

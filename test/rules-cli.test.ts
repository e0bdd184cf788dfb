// The CLI as a user runs it: node dist/harness/cli.js rules ...
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
  t.is(r.stderr, 'audit-harness rules: cannot read /nonexistent/x.rules: ENOENT');
  const bad = await run(['lint', '--arch', 'sparc', fx('cis-64.rules')]);
  t.not(bad.exitCode, 0);
  t.notRegex(bad.stderr, /\n\s+at /);
});

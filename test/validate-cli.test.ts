// `audit-harness validate` as a user runs it: usage errors named without a stack trace, and one real run
// (--tool cis,elastic on qemu:debian12-i686, one boot) writing Markdown, HTML and JSON with each tool's verdict
// beside what the kernel logged.
import test from 'ava';
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';

const cli = path.join(repoRoot, 'dist/harness/cli.js');
const validate = (args: string[]) => execa('node', [cli, 'validate', ...args], { cwd: repoRoot, reject: false });

test('an unknown tool or target is a usage error (exit 2) naming it, without a stack trace', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'audit-harness-validate-'));
  try {
    const badTool = await validate(['--tool', 'nessus', '--out', dir]);
    t.is(badTool.exitCode, 2);
    t.is(badTool.stderr.trim(), 'audit-harness: --tool: unknown nessus; known: ssg, cis, elastic');
    const badTarget = await validate(['--tool', 'cis', '--target', 'qemu:plan9', '--out', dir]);
    t.is(badTarget.exitCode, 2);
    t.regex(badTarget.stderr, /^audit-harness: --target: unknown qemu:plan9; known: qemu:debian12-amd64/);
    t.notRegex(badTool.stderr + badTarget.stderr, /\n\s+at /);
    t.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('validate --tool cis,elastic --target qemu:debian12-i686 writes the tools\' verdicts beside the kernel\'s, an unprivileged autoload among the paths', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'audit-harness-validate-'));
  try {
    const r = await validate(['--tool', 'cis,elastic', '--target', 'qemu:debian12-i686', '--out', dir]);
    t.is(r.exitCode, 0, r.stderr);
    t.deepEqual((await readdir(dir)).sort(), ['validate.html', 'validate.json', 'validate.md']);
    const md = await readFile(path.join(dir, 'validate.md'), 'utf8');
    t.regex(md, /^## qemu:debian12-i686 \(i686, kernel 6\.1\.\S+\)$/m);
    t.regex(md, /^Before: \*\*not compliant\*\* \(i686/m);
    t.regex(md, /^After augenrules --load: \*\*compliant\*\* \(i686/m);
    t.regex(md, /^CIS compliant · insmod \(\.ko\): execve logged · the Elastic rule did not fire/m);
    t.regex(md, /^\| sudo rmmod \(sudo\) \| execve \| fired \| fired \|$/m);
    t.regex(md, /^\| rmmod \| execve \| did not fire \| did not fire \|$/m);
    // An unprivileged user's autoload: the audit the CIS check calls compliant logs nothing of it, yet the module was
    // loaded (the rmmod after it unloads it: delete_module logged).
    t.regex(md, /^CIS compliant · autoload \(socket 13\) \(user\): not logged · /m);
    t.regex(md, /^\| rmmod \(the autoloaded module\) \| execve, delete_module \|/m);
    const html = await readFile(path.join(dir, 'validate.html'), 'utf8');
    t.regex(html, /^<!doctype html>/);
    t.notRegex(html, /<script|<link /);
    t.regex(html, /<b>compliant<\/b>/);
    const json = JSON.parse(await readFile(path.join(dir, 'validate.json'), 'utf8'));
    t.is(json[0].target, 'qemu:debian12-i686');
    t.true(json[0].cis.after.compliant);
    t.deepEqual(json[0].ssg, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Parse + render against golden files written from auditctl 3.0.9's source, and rule errors as values.
import test from 'ava';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { auditctlLoad, formatError, parseRulesText, renderListing, renderRule, rulesApplyTo, rulesErrorsForArch } from '../harness/audit/rules/index.js';
import type { AuditRule, KernelArch } from '../harness/audit/rules/index.js';
import { ruleFixtures } from './rules-fixtures.js';
import { SYSCALL_ARCHS, syscallTableFile, syscallTableJson } from '../scripts/gen-syscalls.js';

const dir = path.join(repoRoot, 'test/fixtures/rules');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.rules'));

test('ruleFixtures() gives every fixture with both goldens', (t) => {
  const all = ruleFixtures();
  t.is(all.length, fixtures.length);
  for (const f of all) t.true(f.expected.x86_64.length > 0 && f.expected.i686.length > 0, f.name);
});

test('the fixture list holds the seed rule sets', (t) => {
  for (const name of ['cis-32.rules', 'cis-64.rules', 'ssg-modules.rules', 'ssg-fix.rules', 'rfe-mod-load.rules']) t.true(fixtures.includes(name), name);
  t.true(readFileSync(path.join(dir, 'rfe-mod-load.rules'), 'utf8').includes('-a always,exit -F arch=x86_64 -S init_module -S finit_module -F key=mod-load'));
});

for (const name of fixtures) {
  for (const arch of ['x86_64', 'i686'] as KernelArch[]) {
    const golden = path.join(dir, name.replace(/\.rules$/, arch === 'x86_64' ? '.golden' : '.i686.golden'));
    test(`auditctl -l listing of ${name} on ${arch} matches ${path.basename(golden)}`, (t) => {
      t.true(existsSync(golden), `missing ${golden}`);
      const text = readFileSync(path.join(dir, name), 'utf8');
      const load = auditctlLoad(text, name, arch);
      t.is(renderListing(load.rules), readFileSync(golden, 'utf8'));
    });
  }
}

test('CIS 64-bit rules print as auditctl -l does', (t) => {
  const r = parseRulesText('-a always,exit -F arch=b64 -S init_module -S delete_module -k modules\n-w /sbin/insmod -p x -k modules\n', 'x.rules');
  t.deepEqual(r.errors, []);
  t.deepEqual(r.rules.map((x) => renderRule(x as AuditRule)), [
    '-a always,exit -F arch=b64 -S init_module,delete_module -F key=modules',
    '-w /sbin/insmod -p x -k modules',
  ]);
});

test('syscalls print in syscall-number order of the rule arch', (t) => {
  const r = parseRulesText('-a always,exit -F arch=b64 -S finit_module,delete_module,init_module\n-a always,exit -F arch=b32 -S finit_module,delete_module,init_module\n', 'x');
  t.deepEqual(r.rules.map((x) => renderRule(x as AuditRule)), [
    '-a always,exit -F arch=b64 -S init_module,delete_module,finit_module',
    '-a always,exit -F arch=b32 -S init_module,delete_module,finit_module',
  ]);
  const rule = r.rules[0] as AuditRule;
  t.deepEqual(rule.syscalls, [175, 176, 313]);
});

test('lint of a file with many bad lines reports each with file, line and column', (t) => {
  const file = 'test/fixtures/rules/errors/bad.rules';
  const r = parseRulesText(readFileSync(path.join(repoRoot, file), 'utf8'), file);
  const expected = readFileSync(path.join(repoRoot, 'test/fixtures/rules/errors/bad.lint.golden'), 'utf8');
  t.is(r.errors.map(formatError).join('\n') + '\n', expected);
  t.is(r.rules.length, 0);
});

test('errors are values: garbage never throws', (t) => {
  const junk = ['-', '--', '-a', '-F', '-S ,,,', '-a ,', '-a always,exit -F =', '-a always,exit -F a0=', '-w', '\t-w /x', '-a always,exit -C =', '-a always,exit -C uid=gid', '\u0000', '-D -D', '-k'];
  for (const line of junk) {
    const r = t.notThrows(() => parseRulesText(line, 'junk.rules'));
    void r;
  }
  const r = parseRulesText(junk.join('\n'), 'junk.rules');
  t.true(r.errors.filter((e) => e.severity === 'error').length >= junk.length - 2);
  for (const e of r.errors) {
    t.is(e.file, 'junk.rules');
    t.true(e.line >= 1 && e.column >= 1);
  }
});

test('b64 on an i686 kernel is an error, b32 and arch=x86_64 are accepted', (t) => {
  const b64 = '-a always,exit -F arch=b64 -S init_module -k modules\n';
  t.true(rulesApplyTo(b64, 'x', 'x86_64'));
  t.false(rulesApplyTo(b64, 'x', 'i686'));
  const [err] = rulesErrorsForArch(b64, 'x.rules', 'i686');
  t.is(formatError(err!), 'x.rules:1:19: error: arch elf mapping not found (b64 on a 32-bit i686 kernel)');
  t.true(rulesApplyTo('-a always,exit -F arch=b32 -S init_module -k modules\n', 'x', 'i686'));
  t.true(rulesApplyTo('-a always,exit -F arch=x86_64 -S init_module -S finit_module -F key=mod-load\n', 'x', 'i686'));
});

test('an unknown syscall for the rule arch is an error like auditctl\'s', (t) => {
  // finit_module exists in both tables; a name only x86_64 has (e.g. arch_prctl is in both; kexec_file_load only on x86_64).
  const r = parseRulesText('-a always,exit -F arch=b32 -S kexec_file_load\n', 'k.rules');
  t.is(r.errors.length, 1);
  t.regex(r.errors[0]!.message, /^Syscall name unknown: kexec_file_load/);
  t.is(r.errors[0]!.column, 31);
  t.is(parseRulesText('-a always,exit -F arch=b64 -S kexec_file_load\n', 'k.rules').errors.length, 0);
});

test('-S without an arch warns about the 32/64 bit mismatch on x86_64, not on i686', (t) => {
  const line = '-a always,exit -S init_module -k modules\n';
  const x = parseRulesText(line, 'w', { kernelArch: 'x86_64' });
  t.deepEqual(x.errors.map((e) => e.severity), ['warning']);
  t.regex(x.errors[0]!.message, /32\/64 bit syscall mismatch/);
  t.deepEqual(parseRulesText(line, 'w', { kernelArch: 'i686' }).errors, []);
  // The same name in both tables with the same number gives no warning (auditctl compares the masks).
  t.deepEqual(parseRulesText('-a always,exit -S all -k x\n', 'w').errors, []);
});

test('comments, blank lines and escaped spaces', (t) => {
  const r = parseRulesText('\n   \n# c\n   # indented\n-w /tmp/a\\ b -p x -k k\n', 'c');
  t.deepEqual(r.errors, []);
  t.is(renderRule(r.rules[0] as AuditRule), '-w /tmp/a b -p x -k k');
});

test('duplicates stop auditctl -R, -D clears, -e 2 locks the rest', (t) => {
  const dup = auditctlLoad('-w /a -p x\n-w /a -p x\n-w /b -p x\n', 'd.rules');
  t.is(renderListing(dup.rules), '-w /a -p x\n');
  t.deepEqual(dup.stoppedAt, { file: 'd.rules', line: 2 });
  t.regex(dup.errors[0]!.message, /Rule exists/);
  const cleared = auditctlLoad('-w /a -p x\n-D\n-w /b -p x\n', 'd.rules');
  t.is(renderListing(cleared.rules), '-w /b -p x\n');
  const locked = auditctlLoad('-w /a -p x\n-e 2\n-w /b -p x\n', 'd.rules');
  t.is(renderListing(locked.rules), '-w /a -p x\n');
  t.is(locked.stoppedAt?.line, 3);
  const ignoring = auditctlLoad('-i\n-w /a -p x\n-w /a -p x\n-w /b -p x\n', 'd.rules');
  t.is(renderListing(ignoring.rules), '-w /a -p x\n-w /b -p x\n');
  t.is(renderListing([]), 'No rules\n');
});

test('-d and -W delete what -a and -w added', (t) => {
  const r = auditctlLoad('-w /a -p x -k k\n-a always,exit -F arch=b64 -S open\n-W /a -p x -k k\n-d exit,always -F arch=b64 -S open\n-w /c -p w\n', 'x');
  t.is(renderListing(r.rules), '-w /c -p w\n');
  const missing = auditctlLoad('-W /nothere -p x\n', 'x');
  t.regex(missing.errors[0]!.message, /No such file or directory/);
});

test('-A: head of the list, listed as -a; a later -a of the same rule is a duplicate, an -A is not', (t) => {
  const r = auditctlLoad('-a always,exit -F arch=b64 -S open\n-A always,exit -F arch=b64 -S close\n', 'p');
  t.is(renderListing(r.rules), '-a always,exit -F arch=b64 -S close\n-a always,exit -F arch=b64 -S open\n');
  const dup = auditctlLoad('-A always,exit -F arch=b64 -S close\n-a always,exit -F arch=b64 -S close\n', 'p');
  t.regex(dup.errors[0]!.message, /Rule exists/);
  const twice = auditctlLoad('-a always,exit -F arch=b64 -S close\n-A always,exit -F arch=b64 -S close\n', 'p');
  t.deepEqual(twice.errors, []);
  t.is(twice.rules.length, 2);
});

test('names fold case as libaudit\'s generated lookups do; list and action names do not', (t) => {
  const r = parseRulesText('-a always,exit -F Arch=I686 -S INIT_MODULE -F EXIT=-eperm -k k\n', 'c');
  t.deepEqual(r.errors, []);
  t.is(renderRule(r.rules[0] as AuditRule), '-a always,exit -F arch=b32 -S init_module -F exit=-EPERM -F key=k');
  t.regex(parseRulesText('-a ALWAYS,EXIT -S all\n', 'c').errors[0]!.message, /bad keyword/);
  t.regex(parseRulesText('-a always,exit -F arch=b64 -S ALL\n', 'c').errors[0]!.message, /Syscall name unknown: ALL/);
  // -F KEY= is a field in place, not the key collected for the end: with -k too the kernel gets two keys.
  t.regex(parseRulesText('-a always,exit -F arch=b64 -S open -F KEY=a -k b\n', 'c').errors[0]!.message, /Invalid argument/);
});

test('auditctl -l names the syscalls of a rule without arch= by the arch of the rule listed before it (its _audit_elf carries over)', (t) => {
  const text = '-a always,exit -F arch=b32 -S madvise -k madv\n-a always,exit -S init_module -k nometa\n';
  // Measured on qemu:debian12-amd64 (auditctl 3.0.9): 175 is init_module on x86_64, rt_sigprocmask on i386.
  t.is(renderListing(auditctlLoad(text, 'x.rules', 'x86_64').rules),
    '-a always,exit -F arch=b32 -S madvise -F key=madv\n-a always,exit -S rt_sigprocmask -F key=nometa\n');
  t.is(renderListing(auditctlLoad(text.split('\n').reverse().join('\n'), 'x.rules', 'x86_64').rules),
    '-a always,exit -S init_module -F key=nometa\n-a always,exit -F arch=b32 -S madvise -F key=madv\n');
});

test('the syscall tables are what scripts/gen-syscalls.ts writes from the reference ausyscall, byte for byte', async (t) => {
  for (const arch of SYSCALL_ARCHS) t.is(readFileSync(syscallTableFile(arch), 'utf8'), await syscallTableJson(arch), `${arch}: npx tsx scripts/gen-syscalls.ts`);
});

test('each generated table says first that it is generated, by which script and command, and that script exists', (t) => {
  const tables = {
    'harness/audit/syscalls/x86_64.json': 'scripts/gen-syscalls.ts',
    'harness/audit/syscalls/i386.json': 'scripts/gen-syscalls.ts',
    'harness/audit/records/interpret/lookup-tables.json': 'harness/audit/records/interpret/gen-tables.ts',
    'harness/audit/rules/names.json': 'scripts/gen-rule-names.ts',
  };
  for (const [file, script] of Object.entries(tables)) {
    const data = JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as Record<string, unknown>;
    t.is(Object.keys(data)[0], 'generatedBy', file);
    t.true(String(data.generatedBy).startsWith(`${script} (npx tsx ${script}`), `${file}: ${String(data.generatedBy)}`);
    t.true(existsSync(path.join(repoRoot, script)), script);
  }
});

test('names.json and lookup-tables.json, both from libaudit 3.0.9\'s errtab.h, name the same errno values in the same order', (t) => {
  const names = JSON.parse(readFileSync(path.join(repoRoot, 'harness/audit/rules/names.json'), 'utf8')) as { errno: Record<string, number> };
  const lookup = JSON.parse(readFileSync(path.join(repoRoot, 'harness/audit/records/interpret/lookup-tables.json'), 'utf8')) as { tables: { err: Array<[number, string]> } };
  t.deepEqual(Object.entries(names.errno), lookup.tables.err.map(([n, name]) => [name, n]));
});

// The CIS 4.1.3.7 check on texts: which spellings of the benchmark's lines it accepts (as compliance plugins do),
// what it refuses, and that it needs the lines both on disk and in auditctl -l.
import test from 'ava';
import { cisCheck, cisExpected, type RulesFile } from '../harness/tools/cis/check.js';

const WATCHES = '-w /sbin/insmod -p x -k modules\n-w /sbin/rmmod -p x -k modules\n-w /sbin/modprobe -p x -k modules\n';
/** What `auditctl -l` prints for the benchmark's 64-bit lines (3.0.9: -S joined, -F key=). */
const LISTING_64 = `${WATCHES}-a always,exit -F arch=b64 -S init_module,delete_module -F key=modules\n`;
const disk = (text: string): RulesFile[] => [{ file: '/etc/audit/rules.d/50-modules.rules', text }];

async function check(onDisk: string, listing = LISTING_64, arch: 'x86_64' | 'i686' = 'x86_64') {
  return cisCheck(await cisExpected(arch), disk(onDisk), listing, arch, 'rules.d');
}

test('the benchmark\'s own lines, on disk and loaded: compliant', async (t) => {
  const v = await check(`${WATCHES}-a always,exit -F arch=b64 -S init_module -S delete_module -k modules\n`);
  t.true(v.compliant);
  t.is(v.lines.length, 4);
  t.true(v.lines.every((l) => l.onDisk?.startsWith('/etc/audit/rules.d/50-modules.rules:') && l.loaded !== undefined));
});

test('-F key=modules is the same line as -k modules', async (t) => {
  const v = await check(`${WATCHES.replace(/-k modules/g, '-F key=modules')}-a always,exit -F arch=b64 -S init_module -S delete_module -F key=modules\n`);
  t.true(v.compliant);
});

test('-S init_module,delete_module is the same line as -S init_module -S delete_module, in either order', async (t) => {
  t.true((await check(`${WATCHES}-a always,exit -F arch=b64 -S init_module,delete_module -k modules\n`)).compliant);
  t.true((await check(`${WATCHES}-a always,exit -F arch=b64 -S delete_module -S init_module -k modules\n`)).compliant);
});

test('a line naming more syscalls (SSG\'s init_module,finit_module,delete_module) also carries the expected ones', async (t) => {
  t.true((await check(`${WATCHES}-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -F key=modules\n`)).compliant);
});

test('a missing syscall, another key, another arch or an extra filter is not the line', async (t) => {
  for (const line of [
    '-a always,exit -F arch=b64 -S init_module -k modules',
    '-a always,exit -F arch=b64 -S init_module -S delete_module -k kernel_modules',
    '-a always,exit -F arch=b32 -S init_module -S delete_module -k modules',
    '-a always,exit -F arch=b64 -S init_module -S delete_module -F auid>=1000 -F auid!=unset -k modules',
    '-a never,exit -F arch=b64 -S init_module -S delete_module -k modules',
  ]) {
    const v = await check(`${WATCHES}${line}\n`);
    t.false(v.compliant, line);
    t.is(v.lines[3]!.onDisk, undefined, line);
  }
});

test('a watch needs its path, -p x and the key', async (t) => {
  const v = await check(`-w /usr/sbin/insmod -p x -k modules\n-w /sbin/rmmod -p wa -k modules\n-w /sbin/modprobe -p x\n-a always,exit -F arch=b64 -S init_module -S delete_module -k modules\n`);
  t.false(v.compliant);
  t.deepEqual(v.lines.map((l) => l.onDisk !== undefined), [false, false, false, true]);
});

test('on disk but not loaded (or loaded but not on disk) is not compliant', async (t) => {
  const lines = `${WATCHES}-a always,exit -F arch=b64 -S init_module -S delete_module -k modules\n`;
  const notLoaded = await check(lines, 'No rules\n');
  t.false(notLoaded.compliant);
  t.true(notLoaded.lines.every((l) => l.onDisk !== undefined && l.loaded === undefined));
  const notOnDisk = await check('', LISTING_64);
  t.false(notOnDisk.compliant);
  t.true(notOnDisk.lines.every((l) => l.onDisk === undefined && l.loaded !== undefined));
});

test('on i686 the 32-bit variant is expected', async (t) => {
  const listing32 = `${WATCHES}-a always,exit -F arch=b32 -S init_module,delete_module -F key=modules\n`;
  const v = await check(`${WATCHES}-a always,exit -F arch=b32 -S init_module -S delete_module -k modules\n`, listing32, 'i686');
  t.true(v.compliant);
  t.is(v.arch, 'i686');
  t.regex(v.lines[3]!.expected, /arch=b32/);
});

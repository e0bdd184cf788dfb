// Module autoloading on the model (do: autoload): the loader's socket(13, ...) fails with EAFNOSUPPORT (exit 97) and
// the kernel runs its own modprobe, which loads the test module as the release ships it: one module event of a task
// with no login session (auid and ses unset), comm modprobe, exe /usr/bin/kmod, PROCTITLE "/sbin/modprobe -q --
// net-pf-13", and no execve event for it, neither from an execve rule nor from a watch on modprobe ([S25], [S26],
// [R11] in docs/SOURCES.md). A second socket() with the module loaded makes no load at all.
import test from 'ava';
import { decodeValue } from '../harness/audit/records/index.js';
import type { AuditEvent } from '../harness/audit/records/types.js';
import { syscallName, type SyscallArch } from '../harness/audit/syscalls/index.js';
import { AUTOLOAD } from '../harness/images/guest-layout.js';
import { stepCommand, type StepSpec } from '../harness/scenarios/steps.js';
import { openSimSession } from '../harness/sim/session.js';

// Every module syscall, every execve and socket() of both ABIs, and watches on modprobe and kmod, each with a key.
const RULES = `-a always,exit -F arch=b64 -S init_module,finit_module,delete_module -k modules
-a always,exit -F arch=b32 -S init_module,finit_module,delete_module -k modules
-a always,exit -F arch=b64 -S execve -k exec
-a always,exit -F arch=b32 -S execve -k exec
-a always,exit -F arch=b64 -S socket -k sock
-a always,exit -F arch=b32 -S socket,socketcall -k sock
-w /usr/sbin/modprobe -p x -k modprobe-watch
-w /usr/bin/kmod -p x -k kmod-watch
`;
const RULES_I686 = RULES.split('\n').filter((l) => !l.includes('arch=b64')).join('\n');

const UNSET = '4294967295';
const KEYS = ['modules', 'exec', 'sock', 'modprobe-watch', 'kmod-watch'];

const field = (e: AuditEvent, type: string, name: string) => e.records.find((r) => r.type === type)?.fields.find((f) => f.name === name)?.value;
const ARCH: Record<string, SyscallArch> = { c000003e: 'x86_64', '40000003': 'i386' };
const syscallOf = (e: AuditEvent) => syscallName(ARCH[field(e, 'SYSCALL', 'arch')!]!, Number(field(e, 'SYSCALL', 'syscall')));
const keyOf = (e: AuditEvent) => decodeValue(field(e, 'SYSCALL', 'key') ?? '(null)');

/** Runs steps in order on a fresh model of `target` with RULES; each step's exit status and its events under any key. */
async function runSteps(target: string, steps: StepSpec[]): Promise<{ code: number; events: AuditEvent[] }[]> {
  const session = openSimSession(target);
  await session.reset();
  const applied = await session.applyRules({ name: 'autoload', file: 'autoload.rules', text: session.info.arch === 'i686' ? RULES_I686 : RULES });
  if (!applied.ok) throw new Error(applied.transcript);
  const run = session.steps();
  const codes: number[] = [];
  for (const s of steps) codes.push((await run.run(s.id, stepCommand(s, session.fixtures))).code);
  const rec = await run.records(KEYS.map((key) => ({ key, exact: true })));
  return steps.map((s, i) => {
    const seen = new Map<string, AuditEvent>();
    for (const key of KEYS) for (const e of rec.events(s.id, { key, exact: true })) seen.set(String(e.serial), e);
    return { code: codes[i]!, events: [...seen.values()] };
  });
}

const autoload = (id: string, over: { as?: 'root' | 'sudo' | 'user'; loader?: '64' | '32' } = {}): StepSpec =>
  ({ id, path: 'autoload', do: 'autoload', module: 'distro', as: over.as ?? 'root', ...(over.loader ? { loader: over.loader } : {}) });

for (const [profile, syscall] of [['debian12-amd64', 'finit_module'], ['debian12bpo-amd64', 'init_module'], ['debian13-amd64', 'finit_module']] as const) {
  test(`autoload on sim:${profile}: socket() exits 97 and the kernel's modprobe makes one ${syscall} with auid and ses unset, and no execve of modprobe is logged`, async (t) => {
    for (const as of ['root', 'sudo', 'user'] as const) {
      const [first, again] = await runSteps(`sim:${profile}`, [autoload('first', { as, loader: '64' }), autoload('again', { as, loader: '64' })]);
      t.is(first!.code, 97, `${as}: the loader exits with EAFNOSUPPORT`);
      const loads = first!.events.filter((e) => field(e, 'KERN_MODULE', 'name') !== undefined);
      t.is(loads.length, 1, `${as}: one module event`);
      const e = loads[0]!;
      t.is(syscallOf(e), syscall, `${as}: the release's syscall for its own module`);
      t.is(field(e, 'SYSCALL', 'arch'), 'c000003e');
      t.is(field(e, 'SYSCALL', 'success'), 'yes');
      t.is(field(e, 'SYSCALL', 'auid'), UNSET, `${as}: the kernel's modprobe has no login session, whoever triggered it`);
      t.is(field(e, 'SYSCALL', 'ses'), UNSET);
      t.is(field(e, 'SYSCALL', 'uid'), '0');
      t.is(field(e, 'SYSCALL', 'euid'), '0');
      t.is(field(e, 'SYSCALL', 'tty'), '(none)');
      t.is(field(e, 'SYSCALL', 'comm'), '"modprobe"');
      t.is(field(e, 'SYSCALL', 'exe'), '"/usr/bin/kmod"');
      t.is(field(e, 'KERN_MODULE', 'name'), '"audit_test_mod"');
      t.is(decodeValue(field(e, 'PROCTITLE', 'proctitle')!)!.split('\0').join(' '), `/sbin/modprobe -q -- ${AUTOLOAD.alias}`);
      t.is(keyOf(e), 'modules');
      // The kernel executes modprobe with kernel_execve: neither the execve rule nor either watch sees it.
      const execs = first!.events.filter((x) => syscallOf(x) === 'execve');
      t.true(execs.length > 0, `${as}: the step's own execs are logged (the rule works)`);
      t.false(execs.some((x) => /kmod|modprobe/.test(`${field(x, 'SYSCALL', 'exe')} ${field(x, 'SYSCALL', 'comm')}`)), `${as}: no execve of modprobe`);
      t.false(first!.events.some((x) => ['modprobe-watch', 'kmod-watch'].includes(keyOf(x) ?? '')), `${as}: no watch fired`);
      // The trigger's own call, by the caller (its auid: unset for root's shell, 1000 through sudo and as the user).
      const sock = first!.events.filter((x) => keyOf(x) === 'sock');
      t.is(sock.length, 1);
      t.is(syscallOf(sock[0]!), 'socket');
      t.is(field(sock[0]!, 'SYSCALL', 'exit'), '-97');
      t.is(field(sock[0]!, 'SYSCALL', 'auid'), as === 'root' ? UNSET : '1000');
      // The module is loaded now: the kernel's modprobe finds it so and makes no load syscall.
      t.is(again!.code, 97);
      t.deepEqual(again!.events.filter((x) => field(x, 'KERN_MODULE', 'name') !== undefined || syscallOf(x)!.endsWith('init_module')), [], `${as}: no second load`);
      t.is(again!.events.filter((x) => keyOf(x) === 'sock').length, 1, `${as}: the second socket() is logged as the first`);
    }
  });
}

test('autoload by the 32-bit loader: its socket() is i386 socketcall (glibc\'s), the kernel\'s modprobe is still x86_64 on a 64-bit kernel, i386 on an i686 kernel', async (t) => {
  const [x86] = await runSteps('sim:debian12-amd64', [autoload('a32', { loader: '32' })]);
  t.is(x86!.code, 97);
  const sock = x86!.events.find((e) => keyOf(e) === 'sock')!;
  t.is(field(sock, 'SYSCALL', 'arch'), '40000003');
  t.is(syscallOf(sock), 'socketcall');
  t.deepEqual(sock.records.map((r) => r.type), ['SYSCALL', 'SOCKETCALL', 'PROCTITLE']);
  t.is(field(sock, 'SOCKETCALL', 'a0'), AUTOLOAD.family.toString(16), 'socketcall\'s a0 is the family, in hex as the kernel logs it');
  const load = x86!.events.find((e) => keyOf(e) === 'modules')!;
  t.is(field(load, 'SYSCALL', 'arch'), 'c000003e', 'the kernel\'s own arch, not the trigger\'s');
  t.is(syscallOf(load), 'finit_module');
  const [i686] = await runSteps('sim:debian12-i686', [autoload('a', { loader: '32', as: 'user' })]);
  const load32 = i686!.events.find((e) => keyOf(e) === 'modules')!;
  t.is(field(load32, 'SYSCALL', 'arch'), '40000003');
  t.is(syscallOf(load32), 'finit_module');
  t.is(field(load32, 'SYSCALL', 'auid'), UNSET);
});

test('the kernel\'s modprobe is the profile\'s modprobe_path: RHEL 9\'s /usr/sbin/modprobe, loading its .ko.xz with init_module', async (t) => {
  const [r] = await runSteps('sim:rhel9-x86_64', [autoload('a', { as: 'user', loader: '64' })]);
  const load = r!.events.find((e) => keyOf(e) === 'modules')!;
  t.is(decodeValue(field(load, 'PROCTITLE', 'proctitle')!)!.split('\0').join(' '), `/usr/sbin/modprobe -q -- ${AUTOLOAD.alias}`);
  t.is(field(load, 'SYSCALL', 'comm'), '"modprobe"');
  t.is(field(load, 'SYSCALL', 'exe'), '"/usr/bin/kmod"');
  t.is(syscallOf(load), 'init_module');
  t.is(field(load, 'SYSCALL', 'auid'), UNSET);
});

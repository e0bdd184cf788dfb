// Property-based differential test: fast-check generates logs of module load/unload, execve,
// sudo, CONFIG_CHANGE, DAEMON_START, AVC and SOCKADDR events, and records each with its own parser in
// ausearch (SECCOMP, ANOM_ABEND, TTY, USER_AVC, USER_LOGIN, FEATURE_CHANGE, NETFILTER_CFG, INTEGRITY_DATA) (interleaved, out of order, with
// nodes and ENRICHED parts) plus corruptions (truncated lines, NUL bytes, bad hex, junk, over-long
// lines, missing final newline), and the real ausearch and `audit-harness search` must print the
// same bytes. Runs are bounded to keep the file well under a minute on 2 cores.
import test from 'ava';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { firstDifference, runBoth } from './search-reference.js';

const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex').toUpperCase();
const BASE = 1763834400;

interface GenEvent {
  kind: 'load' | 'load32' | 'unload' | 'execve' | 'sudo' | 'config' | 'daemon' | 'avc' | 'connect' | 'seccomp' | 'abend' | 'tty'
    | 'useravc' | 'userlogin' | 'feature' | 'nfcfg' | 'integrity';
  dt: number;
  ms: number;
  pid: number;
  uid: number;
  auid: number;
  success: boolean;
  key: string;
  module: string;
  node: string | undefined;
  enriched: boolean;
}

const arbEvent: fc.Arbitrary<GenEvent> = fc.record({
  kind: fc.constantFrom('load', 'load32', 'unload', 'execve', 'sudo', 'config', 'daemon', 'avc', 'connect', 'seccomp', 'abend', 'tty',
    'useravc', 'userlogin', 'feature', 'nfcfg', 'integrity'),
  // Mostly forward in time, sometimes the same second, sometimes backwards or far ahead (EOE timeout).
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 }), fc.integer({ min: -3, max: 10 })),
  ms: fc.integer({ min: 0, max: 999 }),
  pid: fc.constantFrom(1001, 1002, 1100, 4242),
  uid: fc.constantFrom(0, 1000),
  auid: fc.constantFrom(0, 1000, 4294967295),
  success: fc.boolean(),
  key: fc.constantFrom('"modules"', '"kernel_modules"', '"module_chng"', '(null)', hex('modules\x01exec'), '"mod"'),
  module: fc.constantFrom('hello', 'dummy', 'my mod'),
  node: fc.option(fc.constantFrom('guest1', 'guest2'), { freq: 6 }),
  enriched: fc.boolean(),
});

function records(e: GenEvent, sec: number, serial: number): string[] {
  const stamp = `msg=audit(${sec}.${String(e.ms).padStart(3, '0')}:${serial}):`;
  const node = e.node ? `node=${e.node} ` : '';
  const ses = e.auid === 4294967295 ? 4294967295 : 3;
  const task = (comm: string, exe: string) =>
    `ppid=1 pid=${e.pid} auid=${e.auid} uid=${e.uid} gid=0 euid=${e.uid} suid=${e.uid} fsuid=${e.uid} egid=0 sgid=0 fsgid=0 tty=pts0 ses=${ses} comm="${comm}" exe="${exe}" subj=unconfined key=${e.key}`;
  const res = e.success ? 'success=yes exit=0' : 'success=no exit=-1';
  const enrich = (arch: string, sc: string) => (e.enriched ? `\x1dARCH=${arch} SYSCALL=${sc} AUID="${e.auid === 4294967295 ? 'unset' : 'root'}" UID="root"` : '');
  const modName = /^[a-z]+$/.test(e.module) ? `"${e.module}"` : hex(e.module);
  const out: string[] = [];
  const r = (type: string, body: string) => out.push(`${node}type=${type} ${stamp} ${body}`);
  switch (e.kind) {
    case 'load':
      r('SYSCALL', `arch=c000003e syscall=313 ${res} a0=3 a1=0 a2=0 a3=0 items=0 ${task('insmod', '/usr/bin/kmod')}${enrich('x86_64', 'finit_module')}`);
      r('KERN_MODULE', `name=${modName}`);
      r('PROCTITLE', `proctitle=${hex(`insmod\0${e.module}.ko`)}`);
      r('EOE', '');
      break;
    case 'load32':
      r('SYSCALL', `arch=40000003 syscall=128 ${res} a0=8000 a1=1f00 a2=0 a3=0 items=0 ${task('loader32', '/tmp/loader32')}${enrich('i386', 'init_module')}`);
      r('KERN_MODULE', `name=${modName}`);
      r('PROCTITLE', `proctitle=${hex('/tmp/loader32')}`);
      break;
    case 'unload':
      r('SYSCALL', `arch=c000003e syscall=176 ${res} a0=55fd a1=800 a2=0 a3=0 items=0 ${task('rmmod', '/usr/bin/kmod')}${enrich('x86_64', 'delete_module')}`);
      r('KERN_MODULE', `name=${modName}`);
      r('PROCTITLE', `proctitle=${hex(`rmmod\0${e.module}`)}`);
      r('EOE', '');
      break;
    case 'execve':
      r('SYSCALL', `arch=c000003e syscall=59 ${res} a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ${task('insmod', '/usr/bin/kmod')}${enrich('x86_64', 'execve')}`);
      r('EXECVE', `argc=2 a0="insmod" a1=${hex(`${e.module}.ko`)}`);
      r('CWD', 'cwd="/root"');
      r('PATH', 'item=0 name="/sbin/insmod" inode=12 dev=fe:01 mode=0120777 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0');
      r('PROCTITLE', `proctitle=${hex(`insmod\0${e.module}.ko`)}`);
      r('EOE', '');
      break;
    case 'sudo':
      r('USER_CMD', `pid=${e.pid} uid=${e.uid} auid=${e.auid} ses=${ses} subj=unconfined msg='cwd="/home/user" cmd=${hex(`rmmod ${e.module}`)} exe="/usr/bin/sudo" terminal=pts/0 res=${e.success ? 'success' : 'failed'}'${e.enriched ? '\x1dUID="root" AUID="root"' : ''}`);
      break;
    case 'config':
      r('CONFIG_CHANGE', `auid=${e.auid} ses=${ses} subj=unconfined op=add_rule key=${e.key} list=4 res=${e.success ? 1 : 0}`);
      break;
    case 'daemon':
      r('DAEMON_START', `op=start ver=3.0.9 format=raw kernel=6.1.0 auid=${e.auid} pid=${e.pid} uid=0 ses=${ses} subj=unconfined res=${e.success ? 'success' : 'failed'}`);
      break;
    case 'avc':
      r('AVC', `avc:  denied  { module_load } for  pid=${e.pid} comm="insmod" path="/root/x.ko" dev="vda1" ino=12 scontext=u:r:t:s0 tcontext=u:object_r:t:s0 tclass=system permissive=0`);
      r('SYSCALL', `arch=c000003e syscall=313 success=no exit=-13 a0=3 a1=0 a2=0 a3=0 items=0 ${task('insmod', '/usr/bin/kmod')}`);
      r('EOE', '');
      break;
    case 'connect':
      r('SYSCALL', `${e.pid === 1002 ? 'arch=40000003 syscall=102' : 'arch=c000003e syscall=42'} ${res} a0=${e.pid === 1100 ? 2 : 3} a1=7ffd a2=10 a3=0 items=0 ${task('curl', '/usr/bin/curl')}`);
      r('SOCKADDR', `saddr=020000500A000202${'0'.repeat(16)}`);
      r('PROCTITLE', 'proctitle=6375726C');
      break;
    // One record each, read by its own parser in ausearch (parse_kernel_anom, parse_tty, parse_avc + parse_user,
    // parse_task_info, parse_kernel, parse_integrity): truncations make them skip the event for some options.
    case 'seccomp':
      // An i386 socketcall/ipc is named by the a0 of the last SYSCALL record ausearch printed (any event).
      r('SECCOMP', `auid=${e.auid} uid=${e.uid} gid=0 ses=${ses} subj=unconfined pid=${e.pid} comm="x" exe="/usr/bin/x" sig=31 ${e.pid === 1002 ? 'arch=40000003 syscall=102' : e.pid === 1100 ? 'arch=40000003 syscall=117' : 'arch=c000003e syscall=313'} compat=0 ip=0x7f code=0x0`);
      break;
    case 'abend':
      r('ANOM_ABEND', `auid=${e.auid} uid=${e.uid} gid=0 ses=${ses} subj=unconfined pid=${e.pid} comm="y" exe="/usr/bin/y" sig=11 res=${e.success ? 1 : 0}`);
      break;
    case 'tty':
      r('TTY', `tty pid=${e.pid} uid=${e.uid} auid=${e.auid} ses=${ses} major=136 minor=0 comm="bash" data=${hex(`insmod ${e.module}\r`)}`);
      break;
    case 'useravc':
      r('USER_AVC', `pid=${e.pid} uid=${e.uid} auid=${e.auid} ses=${ses} subj=unconfined msg='avc:  ${e.success ? 'granted' : 'denied'}  { module_request } for auid=1000 uid=0 gid=0 scontext=u:r:t:s0 tcontext=u:r:t:s0 tclass=system exe="/usr/lib/systemd/systemd" sauid=0 hostname=? addr=? terminal=?'`);
      break;
    case 'userlogin':
      r('USER_LOGIN', `pid=${e.pid} uid=0 auid=${e.auid} ses=${ses} subj=unconfined msg='op=login uid=${e.uid} exe="/usr/sbin/sshd" hostname=? addr=10.0.0.1 terminal=/dev/pts/0 res=${e.success ? 'success' : 'failed'}'`);
      break;
    case 'feature':
      r('FEATURE_CHANGE', `pid=${e.pid} uid=${e.uid} auid=${e.auid} ses=${ses} subj=unconfined comm="auditctl" exe="/usr/sbin/auditctl" feature=loginuid_immutable old=0 new=1 old_lock=0 new_lock=1 res=${e.success ? 1 : 0}`);
      break;
    case 'nfcfg':
      r('NETFILTER_CFG', `table=filter family=2 entries=4 op=xt_replace pid=${e.pid} subj=unconfined comm="iptables"`);
      break;
    case 'integrity':
      r('INTEGRITY_DATA', `pid=${e.pid} uid=${e.uid} auid=${e.auid} ses=${ses} subj=unconfined op=appraise_data cause=invalid-hash comm="insmod" name="/root/${e.module}.ko" dev="vda1" ino=12 res=${e.success ? 1 : 0}`);
      break;
  }
  return out;
}

type Corruption =
  | { kind: 'truncate'; at: number; line: number }
  | { kind: 'nul'; at: number; line: number }
  | { kind: 'badhex'; line: number }
  | { kind: 'junk'; text: string; line: number }
  | { kind: 'long'; line: number }
  | { kind: 'blank'; line: number };

const arbCorruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(200), line: fc.nat() }),
  fc.record({ kind: fc.constant('nul' as const), at: fc.nat(200), line: fc.nat() }),
  fc.record({ kind: fc.constant('badhex' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('junk' as const), text: fc.string({ maxLength: 60 }).map((s) => s.replace(/[\n\x00]/g, ' ')), line: fc.nat() }),
  fc.record({ kind: fc.constant('long' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('blank' as const), line: fc.nat() }),
);

interface GenLog {
  events: GenEvent[];
  interleave: number[];
  corruptions: Corruption[];
  finalNewline: boolean;
}

const arbLog: fc.Arbitrary<GenLog> = fc.record({
  events: fc.array(arbEvent, { minLength: 1, maxLength: 14 }),
  interleave: fc.array(fc.nat(), { maxLength: 30 }),
  corruptions: fc.array(arbCorruption, { maxLength: 3 }),
  finalNewline: fc.boolean(),
});

function render(g: GenLog): string {
  let sec = BASE;
  const perEvent = g.events.map((e, i) => {
    sec += e.dt;
    return records(e, sec, 100 + i);
  });
  // Interleave: repeatedly take the next record of a chosen event (order inside an event is kept).
  const lines: string[] = [];
  const cursors = perEvent.map(() => 0);
  let pick = 0;
  for (;;) {
    const open = perEvent.map((_, i) => i).filter((i) => cursors[i]! < perEvent[i]!.length);
    if (open.length === 0) break;
    const choice = g.interleave[pick++] ?? 0;
    // Mostly finish the oldest open event first, as the kernel does; sometimes jump ahead.
    const i = choice % 4 === 0 ? open[choice % open.length]! : open[0]!;
    lines.push(perEvent[i]![cursors[i]!++]!);
  }
  for (const c of g.corruptions) {
    const i = c.line % (lines.length + 1);
    const l = lines[i] ?? '';
    switch (c.kind) {
      case 'truncate': lines[i] = l.slice(0, c.at % (l.length + 1)); break;
      case 'nul': { const at = c.at % (l.length + 1); lines[i] = `${l.slice(0, at)}\0${l.slice(at)}`; break; }
      case 'badhex': lines[i] = l.replace(/proctitle=[0-9A-F]+/, 'proctitle=4G6F'); break;
      case 'junk': lines.splice(i, 0, c.text); break;
      case 'long': lines.splice(i, 0, `type=PROCTITLE msg=audit(${BASE}.500:99): proctitle=${'41'.repeat(5000)}`); break;
      case 'blank': lines.splice(i, 0, ''); break;
    }
  }
  const text = lines.join('\n');
  // Without a final newline, ausearch --raw on an ENRICHED log reads past the end of its buffer
  // (output_raw writes 0x1d over the string's terminator): undefined behaviour, not compared.
  return text + (g.finalNewline || text.includes('\x1d') ? '\n' : '');
}

/**
 * ausearch's raw output (the default, or --raw) of an ENRICHED log writes 0x1d over each record's terminator and
 * prints on to the next NUL; a record with a NUL inside was copied only up to that NUL, so what follows its 0x1d is
 * whatever the heap holds (seed -704168529, path 122: `a0="ins\x1droot"\x1d`, the `root"` left from an earlier line).
 * Undefined behaviour, not compared; -i and --format read the record as a string and are compared.
 */
function rawOutputUndefined(text: string, args: readonly string[]): boolean {
  if (!text.includes('\x1d') || args.some((a) => a === '-i' || a === '--interpret' || a === '--format')) return false;
  return text.split('\n').some((line) => line.includes('\0') && line.includes('msg=audit('));
}

const OPTIONS: string[][] = [
  [], ['-i'], ['--raw'], ['-k', 'modules'], ['-k', 'modules', '-w', '-i'], ['-sc', 'init_module'], ['-sc', 'finit_module', '-i'],
  ['-m', 'KERN_MODULE'], ['-m', 'USER_CMD,CONFIG_CHANGE', '-i'], ['-p', '1001'], ['-ui', '1000'], ['-ua', '0', '-i'],
  ['--success', 'no'], ['--success', 'yes', '-i'], ['-ts', '11/22/25', '18:00:05'], ['-te', '11/22/25', '18:00:08', '-i'],
  ['--format', 'csv'], ['--format', 'text'], ['--format', 'csv', '--extra-keys', '--extra-labels', '--extra-obj2', '--extra-time'],
  ['--format', 'text', '-k', 'modules'], ['-ul', '1000'], ['-ue', '0', '-i'], ['-pp', '1'], ['-ui', '0', '-ul', '4294967295'],
  ['-ui', 'root'], ['-ua', 'root', '-i'], ['-c', 'insmod'], ['-x', 'kmod', '-i'], ['--session', '3'], ['-e', '-1'], ['--arch', 'b32'],
  ['-gi', '0'], ['-ga', 'root', '-i'], ['-tm', 'pts'], ['-hn', '10.0'], ['-hn', '?', '-i'], ['-su', 'unconfined'], ['-o', 'object_r', '-i'],
  ['-se', 't:s0'], ['-n', 'guest1'],
  ['-f', '/root'], ['-f', 'insmod', '-i'], ['-f', '/sbin/insmod', '-w'], ['--file', '/root/', '--format', 'csv'],
];

test('search and ausearch agree on generated logs with corruptions (fast-check)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'search-property-'));
  try {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(arbLog, fc.subarray(OPTIONS, { minLength: 2, maxLength: 2 }), async (g, optionSets) => {
        const file = path.join(dir, `log-${n++}.txt`);
        const text = render(g);
        await writeFile(file, text, 'latin1');
        for (const args of optionSets) {
          if (rawOutputUndefined(text, args)) continue;
          const { ref, ours } = await runBoth(file, args);
          const same = ref.status === ours.status && ref.stdout.equals(ours.stdout) && ref.stderr.equals(ours.stderr);
          if (!same) {
            const which = !ref.stdout.equals(ours.stdout) ? firstDifference(ref.stdout, ours.stdout)
              : !ref.stderr.equals(ours.stderr) ? `stderr ${firstDifference(ref.stderr, ours.stderr)}` : `status ${ref.status} vs ${ours.status}`;
            throw new Error(`[${args.join(' ')}] on ${JSON.stringify(render(g))}\n${which}\nstatus ${ref.status}/${ours.status}, stderr ${JSON.stringify(ref.stderr.toString('latin1').slice(0, 300))} / ${JSON.stringify(ours.stderr.toString('latin1').slice(0, 300))}`);
          }
        }
      }),
      {
        numRuns: Number(process.env.SEARCH_PROPERTY_RUNS) || 30,
        endOnFailure: true,
        includeErrorInReport: true,
        // Replay a failure: SEARCH_PROPERTY_SEED=... SEARCH_PROPERTY_PATH=... (printed by fast-check).
        ...(process.env.SEARCH_PROPERTY_SEED ? { seed: Number(process.env.SEARCH_PROPERTY_SEED) } : {}),
        ...(process.env.SEARCH_PROPERTY_PATH ? { path: process.env.SEARCH_PROPERTY_PATH } : {}),
      },
    );
    t.pass();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('search and ausearch agree on logs spliced from record fragments and arbitrary bytes (fast-check)', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'search-fragments-'));
  try {
    const piece = fc.oneof(
      { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          'type=SYSCALL msg=audit(1763834400.123:45): ', 'type=KERN_MODULE msg=audit(1763834400.123:45): name="x"',
          'node=n1 ', 'type=EOE msg=audit(1763834400.123:45): ', 'type=PROCTITLE msg=audit(1763834401.000:46): proctitle=',
          'type=USER_CMD msg=audit(1763834402.5:47): ', "msg='cmd=41 res=success'", 'arch=c000003e syscall=313 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 ',
          'pid=1001 auid=1000 uid=0 euid=0 ', 'key="modules"', 'key=(null)', 'type=DAEMON_START msg=audit(1763834399.001:1): res=success',
          '\n', '\n', '\n', ' ', '=', '"', "'", ',', '(', ')', ':', '\x1dAUID="root"', '\0', '\t', 'type=1300 msg=audit(1763834403.1:50): ',
          'msg=audit(99999999999999999999.1:2): ', 'msg=audit(1763834400.1234:3): ', 'type=UNKNOWN[1334] msg=audit(1763834404.000:51): a=b',
          'type=SECCOMP msg=audit(1763834405.000:52): ', 'type=TTY msg=audit(1763834405.000:53): tty ', 'type=ANOM_ABEND msg=audit(1763834405.000:54): ',
          'type=NETFILTER_CFG msg=audit(1763834405.000:55): ', 'type=USER_AVC msg=audit(1763834405.000:56): ', 'avc:  denied  { x } ',
          'auid=1000 ', 'uid=1000', ' res=1', "res=failed'", 'tclass=system', 'data=6C73',
        ),
      },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 60 }), fc.constantFrom(['-i'], [], ['--raw'], ['-k', 'modules', '-i'], ['-p', '1001'], ['-ua', '1000', '-i'], ['-ul', '1000'], ['--success', 'yes'],
        ['-gi', '0'], ['-tm', 'pts'], ['-hn', '1'], ['-n', 'n1'], ['-su', 'u'], ['-o', 'object_r']), async (parts, args) => {
        // A final newline keeps ausearch clear of reading past its buffer (see above).
        const text = `${parts.join('')}\n`;
        if (rawOutputUndefined(text, args)) return;
        const file = path.join(dir, `f${n++}.txt`);
        await writeFile(file, text, 'latin1');
        const { ref, ours } = await runBoth(file, [...args]);
        if (ref.status === ours.status && ref.stdout.equals(ours.stdout) && ref.stderr.equals(ours.stderr)) return;
        const which = !ref.stdout.equals(ours.stdout) ? firstDifference(ref.stdout, ours.stdout) : `stderr ${firstDifference(ref.stderr, ours.stderr)}`;
        throw new Error(`[${args.join(' ')}] on ${JSON.stringify(text)}\n${which}\nstatus ${ref.status}/${ours.status}`);
      }),
      {
        numRuns: Number(process.env.SEARCH_PROPERTY_RUNS) || 40,
        endOnFailure: true,
        includeErrorInReport: true,
        ...(process.env.SEARCH_PROPERTY_SEED ? { seed: Number(process.env.SEARCH_PROPERTY_SEED) } : {}),
      },
    );
    t.pass();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// parseLog / readEvents: formats (RAW, ENRICHED, kernel log), grouping, hex, and corrupt input
// reported with file and line while the good events around it survive.
import test from 'ava';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { decodeValue, parseLog, readEvents, type AuditEvent } from '../harness/audit/records/index.js';
import { repoRoot } from '../harness/paths.js';

const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex').toUpperCase();
const field = (e: AuditEvent, type: string, name: string) =>
  e.records.find((r) => r.type === type)?.fields.find((f) => f.name === name);

const LOAD = [
  'type=SYSCALL msg=audit(1700000000.123:45): arch=c000003e syscall=313 success=yes exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=ttyS0 ses=4294967295 comm="insmod" exe="/usr/bin/kmod" key="modules"',
  'type=KERN_MODULE msg=audit(1700000000.123:45): name="hello"',
  `type=PROCTITLE msg=audit(1700000000.123:45): proctitle=${hex('insmod\0hello.ko')}`,
  'type=EOE msg=audit(1700000000.123:45): ',
];

test('a module load groups SYSCALL, KERN_MODULE, PROCTITLE (and EOE) into one event', (t) => {
  const { events, problems } = parseLog(`${LOAD.join('\n')}\n`, 'a.log');
  t.deepEqual(problems, []);
  t.is(events.length, 1);
  const e = events[0]!;
  t.deepEqual([e.sec, e.msec, e.serial], [1700000000, 123, 45]);
  t.deepEqual(e.records.map((r) => r.type), ['SYSCALL', 'KERN_MODULE', 'PROCTITLE', 'EOE']);
  t.deepEqual(e.records.map((r) => r.line), [1, 2, 3, 4]);
  t.is(field(e, 'SYSCALL', 'syscall')?.value, '313');
  t.is(field(e, 'SYSCALL', 'key')?.value, '"modules"');
  t.is(field(e, 'KERN_MODULE', 'name')?.value, '"hello"');
  t.is(decodeValue(field(e, 'PROCTITLE', 'proctitle')!.value), 'insmod\0hello.ko');
  t.is(e.records[0]!.typeNum, 1300);
  t.is(e.records[0]!.raw, LOAD[0]);
});

test('interleaved events are separated by serial and node', (t) => {
  const a = (serial: number, type: string, body: string, node?: string) =>
    `${node ? `node=${node} ` : ''}type=${type} msg=audit(1700000001.000:${serial}): ${body}`;
  const text = [
    a(1, 'SYSCALL', 'arch=c000003e syscall=313 key="modules"'),
    a(2, 'SYSCALL', 'arch=40000003 syscall=128 key="modules"'),
    a(1, 'SYSCALL', 'arch=c000003e syscall=176 key="modules"', 'guest'),
    a(2, 'KERN_MODULE', 'name="two"'),
    a(1, 'KERN_MODULE', 'name="one"'),
    a(1, 'KERN_MODULE', 'name="other-node"', 'guest'),
  ].join('\n');
  const { events, problems } = parseLog(text);
  t.deepEqual(problems, []);
  t.is(events.length, 3);
  const byKey = new Map(events.map((e) => [`${e.serial}@${e.node ?? ''}`, e]));
  t.is(decodeValue(field(byKey.get('1@')!, 'KERN_MODULE', 'name')!.value), 'one');
  t.is(decodeValue(field(byKey.get('2@')!, 'KERN_MODULE', 'name')!.value), 'two');
  t.is(decodeValue(field(byKey.get('1@guest')!, 'KERN_MODULE', 'name')!.value), 'other-node');
  t.is(byKey.get('1@guest')!.node, 'guest');
});

test('ENRICHED lines: the fields after 0x1d are attached to the fields they interpret', (t) => {
  const line = `${LOAD[0]}\x1dARCH=x86_64 SYSCALL=finit_module AUID="unset" UID="root" GID="root"`;
  const { events } = parseLog(`${line}\n${LOAD[1]}\n`);
  const e = events[0]!;
  t.is(field(e, 'SYSCALL', 'arch')?.enriched, 'x86_64');
  t.is(field(e, 'SYSCALL', 'syscall')?.enriched, 'finit_module');
  t.is(field(e, 'SYSCALL', 'auid')?.enriched, 'unset');
  t.is(field(e, 'SYSCALL', 'uid')?.enriched, 'root');
  t.is(field(e, 'SYSCALL', 'key')?.value, '"modules"');
  t.is(e.records[0]!.raw, line);
});

test('ENRICHED SADDR keeps its braces', (t) => {
  const { events } = parseLog('type=SOCKADDR msg=audit(1700000000.1:2): saddr=0200005000000000\x1dSADDR={ saddr_fam=inet laddr=10.0.2.2 lport=80 }\n');
  t.is(field(events[0]!, 'SOCKADDR', 'saddr')?.enriched, '{ saddr_fam=inet laddr=10.0.2.2 lport=80 }');
});

test('kernel log lines, with and without the dmesg time prefix', (t) => {
  const text = [
    '[   12.345678] audit: type=1300 audit(1700000000.123:45): arch=c000003e syscall=313 success=yes exit=0 key="modules"',
    'audit: type=1330 audit(1700000000.123:45): name="hello"',
    '<5>[   12.345999] audit: type=1327 audit(1700000000.123:45): proctitle=696E736D6F64',
  ].join('\n');
  const { events, problems } = parseLog(text, 'dmesg.txt');
  t.deepEqual(problems, []);
  t.is(events.length, 1);
  t.deepEqual(events[0]!.records.map((r) => r.type), ['SYSCALL', 'KERN_MODULE', 'PROCTITLE']);
  t.is(decodeValue(field(events[0]!, 'PROCTITLE', 'proctitle')!.value), 'insmod');
});

test('user-space msg=\'...\' is opened into its fields; hex cmd decodes', (t) => {
  const { events } = parseLog(`type=USER_CMD msg=audit(1700000002.000:47): pid=1 uid=1000 auid=1000 ses=1 msg='cwd="/root" cmd=${hex('rmmod hello')} terminal=pts/0 res=success'\n`);
  const r = events[0]!.records[0]!;
  t.deepEqual(r.fields.map((f) => f.name), ['pid', 'uid', 'auid', 'ses', 'cwd', 'cmd', 'terminal', 'res']);
  t.is(decodeValue(r.fields.find((f) => f.name === 'cmd')!.value), 'rmmod hello');
});

test('corrupt lines are problems with file and line; the good events around them are kept', (t) => {
  const text = [
    LOAD[0],
    'type=SYSCALL msg=audit(1700000000.2',
    'garbage',
    'type=PROCTITLE msg=audit(1700000000.300:46): proctitle=6G6F',
    `bad\0line`,
    ...LOAD.slice(1),
    `type=PROCTITLE msg=audit(1700000000.400:47): proctitle=${'41'.repeat(33000)}`,
    'type=SYSCALL msg=audit(1700000001.000:48): arch=c000003e syscall=176 key="modules"',
  ].join('\n');
  const { events, problems } = parseLog(text, 'bad.log');
  const lines = problems.map((p) => p.line);
  t.true(problems.every((p) => p.file === 'bad.log'));
  t.true(lines.includes(2), 'truncated line');
  t.true(lines.includes(3), 'garbage');
  t.true(lines.includes(4), 'bad hex');
  t.true(lines.includes(5), 'NUL byte');
  t.true(lines.includes(9), '64 KiB proctitle');
  const load = events.find((e) => e.serial === 45)!;
  t.deepEqual(load.records.map((r) => r.type), ['SYSCALL', 'KERN_MODULE', 'PROCTITLE', 'EOE']);
  t.truthy(events.find((e) => e.serial === 48));
  t.truthy(events.find((e) => e.serial === 46));
});

test('readEvents streams a file and an event split across two files is reported', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'records-'));
  try {
    const a = path.join(dir, 'audit.log.1');
    const b = path.join(dir, 'audit.log');
    await writeFile(a, `${LOAD.slice(0, 2).join('\n')}\n`);
    await writeFile(b, `${LOAD.slice(2).join('\n')}\n`);
    const problems: string[] = [];
    const events: AuditEvent[] = [];
    for await (const e of readEvents([a, b], { onProblem: (p) => problems.push(`${p.file}:${p.line}: ${p.reason}`) })) events.push(e);
    t.is(events.length, 1);
    t.is(events[0]!.records.length, 4);
    t.is(problems.length, 1);
    t.regex(problems[0]!, /audit\.log\.1:1: event 1700000000\.123:45 is split across files/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readEvents reads a stream in odd-sized chunks the same as parseLog', async (t) => {
  const text = await import('node:fs').then((fs) => fs.readFileSync(path.join(repoRoot, 'test/fixtures/logs/modules-raw.txt'), 'latin1'));
  const whole = parseLog(text).events;
  const chunks: Buffer[] = [];
  const buf = Buffer.from(text, 'latin1');
  for (let i = 0; i < buf.length; i += 37) chunks.push(buf.subarray(i, i + 37));
  const streamed: AuditEvent[] = [];
  for await (const e of readEvents(Readable.from(chunks))) streamed.push(e);
  t.deepEqual(streamed.map((e) => e.records.map((r) => r.raw)), whole.map((e) => e.records.map((r) => r.raw)));
  t.true(whole.length > 10);
});

test('parseLog never throws and keeps every good event, whatever junk is mixed in (fast-check)', (t) => {
  const good = (serial: number) => [
    `type=SYSCALL msg=audit(1700000100.000:${serial}): arch=c000003e syscall=313 success=yes exit=0 key="modules"`,
    `type=KERN_MODULE msg=audit(1700000100.000:${serial}): name="m${serial}"`,
  ];
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { maxLength: 20 }), (junk) => {
      const lines: string[] = [];
      for (let i = 0; i < 5; i++) {
        lines.push(...good(1000 + i));
        // Junk lines never start with "type=", so they cannot belong to an event.
        if (junk[i] !== undefined) lines.push(`x${junk[i]!.replace(/\n/g, ' ')}`);
      }
      const { events } = parseLog(lines.join('\n'));
      for (let i = 0; i < 5; i++) {
        const e = events.find((ev) => ev.serial === 1000 + i);
        if (!e || e.records.length !== 2) return false;
      }
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('a search in the same process does not see the SYSCALL record an earlier search printed', async (t) => {
  const { runSearch } = await import('../harness/audit/search/run.js');
  const { openSync, closeSync, readFileSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'search-twice-'));
  try {
    // ausearch names a SECCOMP record's socketcall by the a0 of the last SYSCALL record it printed: none yet here.
    const log = path.join(dir, 'a.log');
    writeFileSync(log, [
      'type=SYSCALL msg=audit(1763834400.000:1): arch=40000003 syscall=102 success=yes exit=0 a0=3 a1=7ffd a2=0 a3=0 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="x" exe="/x" key=(null)',
      'type=SECCOMP msg=audit(1763834401.000:2): auid=0 uid=0 gid=0 ses=3 pid=1 comm="x" exe="/x" sig=0 arch=40000003 syscall=102 compat=0 ip=0x7f code=0x7ffc0000',
      '',
    ].join('\n'));
    const seccompOnly = () => {
      const out = path.join(dir, 'out');
      const fd = openSync(out, 'w');
      const devnull = openSync('/dev/null', 'w');
      runSearch(['-i', '-m', 'SECCOMP', '-if', log], { stdout: fd, stderr: devnull, stdin: devnull });
      closeSync(fd);
      closeSync(devnull);
      return readFileSync(out, 'latin1');
    };
    const alone = seccompOnly();
    t.regex(alone, / syscall=socketcall /);
    const devnull = openSync('/dev/null', 'w');
    runSearch(['-i', '-if', log], { stdout: devnull, stderr: devnull, stdin: devnull });
    closeSync(devnull);
    t.is(seccompOnly(), alone);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseLog and the search pipeline never throw on arbitrary bytes (fast-check)', async (t) => {
  const { runSearch } = await import('../harness/audit/search/run.js');
  const { openSync, closeSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'records-fuzz-'));
  const devnull = openSync('/dev/null', 'w');
  try {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constantFrom('type=', 'node=x ', 'msg=audit(', '1700000000.123:45): ', 'type=SYSCALL msg=audit(', ')', '\x1d', '\0', '\n', '"', "'", 'msg=\'', 'key=', '=', ' '),
    );
    let n = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const { events, problems } = parseLog(text, 'fuzz.log');
        if (!Array.isArray(events) || !Array.isArray(problems)) return false;
        const file = path.join(dir, `f${n++}.log`);
        writeFileSync(file, text, 'latin1');
        for (const args of [['-i'], ['-k', 'a'], ['--raw']]) {
          const status = runSearch([...args, '-if', file], { stdout: devnull, stderr: devnull, stdin: devnull });
          if (status !== 0 && status !== 1) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
    t.pass();
  } finally {
    closeSync(devnull);
    rmSync(dir, { recursive: true, force: true });
  }
});

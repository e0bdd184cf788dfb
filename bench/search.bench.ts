// Speed and memory of `audit-harness search -i -k modules` against the real ausearch on generated
// logs of >= 160 MB in the guests' ENRICHED format (module load/unload pairs, each with the execve of
// insmod/modprobe/rmmod, CWD, PATH and PROCTITLE, some through sudo) and on their RAW twins, at the
// guests' pace and at a busy host's (see Pace), kept in the cache between runs. Targets (issue 16): >= 2x faster than ausearch on both (aim 3x), peak RSS < 256 MB,
// ENRICHED at most 25% slower than its RAW twin.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir, repoRoot } from '../harness/paths.js';
import { referenceTool } from '../harness/reference/tools.js';

const TARGET_BYTES = 160 * 1024 * 1024;
const GENERATOR_VERSION = 3;

function hex(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex').toUpperCase();
}

/** A deterministic pseudo-random sequence (xorshift32), so the log is the same on every machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const MODULES = ['audit_test_mod', 'audit_test_mod_xz', 'dummy', 'nf_tables', 'xfs', 'vfat', 'loop', 'br_netfilter', 'overlay'];
const KERNEL = '6.1.0-56-cloud-amd64';

/** Names the guests' auditd writes in the ENRICHED part (uid/gid 1000 is the guests' `tester`). */
function userName(id: number): string {
  return id === 0 ? 'root' : id === 1000 ? 'tester' : id === 4294967295 ? 'unset' : String(id);
}

/**
 * Appends one event's lines for serial `n` at time `sec.ms`, as the harness's Debian 12 guests log
 * it with `log_format = ENRICHED` (test/fixtures/logs/real-modules-debian12-amd64.txt): no EOE, the
 * interpreted part after a 0x1d on SYSCALL, PATH, LOGIN, CONFIG_CHANGE, SOCKADDR and user records.
 */
function event(r: () => number, stamp: () => string, lines: string[]): void {
  // the shell's child for the load, the next one for the unload
  const shell = 1000 + Math.floor(r() * 30000);
  let pid = shell + 1;
  const viaSudo = r() < 0.3;
  const auid = viaSudo ? 1000 : 4294967295;
  const ses = viaSudo ? 1 : 4294967295;
  const mod = MODULES[Math.floor(r() * MODULES.length)]!;
  const b32 = r() < 0.1;
  const arch = b32 ? '40000003' : 'c000003e';
  const archName = b32 ? 'i386' : 'x86_64';
  const ptr = () => (0x550000000000 + Math.floor(r() * 0xffffffff)).toString(16);
  const syscall = (st: string, nr: number, name: string, rest: string, comm: string, exe: string, key: string, uid = 0) =>
    `type=SYSCALL ${st} arch=${arch} syscall=${nr} ${rest} ppid=${shell} pid=${pid} auid=${auid} uid=${uid} gid=${uid} euid=${uid} suid=${uid} fsuid=${uid} egid=${uid} sgid=${uid} fsgid=${uid} tty=${viaSudo ? 'pts0' : '(none)'} ses=${ses} comm="${comm}" exe="${exe}" subj=unconfined key=${key}` +
    `\x1dARCH=${archName} SYSCALL=${name} AUID="${userName(auid)}" UID="${userName(uid)}" GID="${userName(uid)}" EUID="${userName(uid)}" SUID="${userName(uid)}" FSUID="${userName(uid)}" EGID="${userName(uid)}" SGID="${userName(uid)}" FSGID="${userName(uid)}"`;
  const path = (st: string, item: number, name: string, inode: number, mode: string, type = 'NORMAL') =>
    `type=PATH ${st} item=${item} name="${name}" inode=${inode} dev=fe:01 mode=${mode} ouid=0 ogid=0 rdev=00:00 nametype=${type} cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\x1dOUID="root" OGID="root"`;
  const execve = (comm: string, argv: string[]) => {
    const st = stamp();
    lines.push(syscall(st, b32 ? 11 : 59, 'execve', `success=yes exit=0 a0=${ptr()} a1=${ptr()} a2=${ptr()} a3=8 items=3`, comm, '/usr/bin/kmod', '"exec"'));
    lines.push(`type=EXECVE ${st} argc=${argv.length} ${argv.map((a, i) => `a${i}="${a}"`).join(' ')}`);
    lines.push(`type=CWD ${st} cwd="/root"`);
    lines.push(path(st, 0, `/usr/sbin/${comm}`, 200, '0100755'));
    lines.push(path(st, 1, `/usr/sbin/${comm}`, 891, '0120777'));
    lines.push(path(st, 2, '/lib64/ld-linux-x86-64.so.2', 675, '0100755'));
    lines.push(`type=PROCTITLE ${st} proctitle=${hex(argv.join('\0'))}`);
  };
  const user = (st: string, type: string, msg: string) =>
    `type=${type} ${st} pid=${pid} uid=1000 auid=1000 ses=1 subj=unconfined msg='${msg}'\x1dUID="tester" AUID="tester"`;
  const sudo = (cmd: string) => {
    lines.push(user(stamp(), 'USER_ACCT', 'op=PAM:accounting grantors=pam_permit acct="tester" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/0 res=success'));
    lines.push(user(stamp(), 'USER_CMD', `cwd="/root" cmd=${hex(cmd)} exe="/usr/bin/sudo" terminal=pts/0 res=success`));
    lines.push(user(stamp(), 'CRED_REFR', 'op=PAM:setcred grantors=pam_permit acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/0 res=success'));
    lines.push(user(stamp(), 'USER_START', 'op=PAM:session_open grantors=pam_limits,pam_permit,pam_unix acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/0 res=success'));
  };
  const sudoEnd = () => {
    lines.push(user(stamp(), 'USER_END', 'op=PAM:session_close grantors=pam_limits,pam_permit,pam_unix acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/0 res=success'));
    lines.push(user(stamp(), 'CRED_DISP', 'op=PAM:setcred grantors=pam_permit acct="root" exe="/usr/bin/sudo" hostname=? addr=? terminal=/dev/pts/0 res=success'));
  };
  // a load
  const ko = `/lib/modules/${KERNEL}/extra/${mod}.ko`;
  const load = r() < 0.5 ? ['insmod', ko] : ['modprobe', mod];
  if (viaSudo) sudo(load.join(' '));
  execve(load[0]!, load);
  let st = stamp();
  const finit = r() < 0.8;
  lines.push(syscall(st, finit ? (b32 ? 350 : 313) : (b32 ? 128 : 175), finit ? 'finit_module' : 'init_module',
    `success=yes exit=0 a0=${finit ? 3 : ptr()} a1=${ptr()} a2=0 a3=${finit ? 3 : 0} items=0`, load[0]!, '/usr/bin/kmod', '"modules"'));
  lines.push(`type=KERN_MODULE ${st} name="${mod}"`);
  lines.push(`type=PROCTITLE ${st} proctitle=${hex(load.join('\0'))}`);
  if (viaSudo) sudoEnd();
  // its unload
  pid++;
  const unload = r() < 0.5 ? ['rmmod', mod] : ['modprobe', '-r', mod];
  if (viaSudo) sudo(unload.join(' '));
  execve(unload[0]!, unload);
  st = stamp();
  const ok = r() < 0.95;
  lines.push(syscall(st, b32 ? 129 : 176, 'delete_module', `success=${ok ? 'yes exit=0' : 'no exit=-2'} a0=${ptr()} a1=800 a2=0 a3=${ptr()} items=0`, unload[0]!, '/usr/bin/kmod', '"modules"'));
  lines.push(`type=KERN_MODULE ${st} name="${mod}"`);
  lines.push(`type=PROCTITLE ${st} proctitle=${hex(unload.join('\0'))}`);
  if (viaSudo) sudoEnd();
}

/**
 * How far apart records are: `guest`, 1-40 ms (the guests' scripted loads and unloads), or `busy`, 0-1 ms
 * (a host logging thousands of events a second: some 4000 events are open at once within the 2 s
 * end_of_event_timeout, as the guests' logs have no EOE, and ausearch compares each record with every one).
 */
export type Pace = 'guest' | 'busy';

/**
 * Writes (once) and returns the paths of a generated ENRICHED log of at least `bytes` bytes and of
 * its RAW twin: the same lines with everything from each line's 0x1d cut.
 */
export function benchLogs(bytes = TARGET_BYTES, pace: Pace = 'guest'): { enriched: string; raw: string } {
  const dir = path.join(cacheDir(), 'bench');
  mkdirSync(dir, { recursive: true });
  const id = createHash('sha256').update(`${GENERATOR_VERSION}:${bytes}:${pace}`).digest('hex').slice(0, 12);
  const enriched = path.join(dir, `search-enriched-${pace}-${Math.round(bytes / 1048576)}MB-${id}.log`);
  const raw = path.join(dir, `search-raw-twin-${pace}-${Math.round(bytes / 1048576)}MB-${id}.log`);
  if (existsSync(enriched) && existsSync(raw)) return { enriched, raw };
  const tmpE = `${enriched}.partial-${process.pid}`;
  const tmpR = `${raw}.partial-${process.pid}`;
  const fdE = openSync(tmpE, 'w');
  const fdR = openSync(tmpR, 'w');
  try {
    const r = rng(0x5eed);
    let written = 0;
    let sec = 1795391234;
    let ms = 0;
    let serial = 100;
    const stamp = () => {
      ms += pace === 'guest' ? 1 + Math.floor(r() * 40) : Math.floor(r() * 2);
      if (ms > 999) { sec += Math.floor(ms / 1000); ms %= 1000; }
      return `msg=audit(${sec}.${String(ms).padStart(3, '0')}:${serial++}):`;
    };
    while (written < bytes) {
      const lines: string[] = [];
      for (let i = 0; i < 500; i++) event(r, stamp, lines);
      const text = `${lines.join('\n')}\n`;
      const buf = Buffer.from(text, 'latin1');
      writeSync(fdE, buf);
      writeSync(fdR, Buffer.from(text.replace(/\x1d[^\n]*/g, ''), 'latin1'));
      written += buf.length;
    }
  } finally {
    closeSync(fdE);
    closeSync(fdR);
  }
  renameSync(tmpE, enriched);
  renameSync(tmpR, raw);
  return { enriched, raw };
}

interface Measured {
  seconds: number;
  /** user + system CPU seconds (NaN without /usr/bin/time): steadier than wall time on a shared machine */
  cpuSeconds: number;
  maxRssMb: number;
  stdout: Buffer;
  status: number | null;
}

/**
 * Runs a command under /usr/bin/time -v (or without it) with stdout to a file, as `ausearch … > file`
 * would be (collecting 100+ MB through a pipe into this process cost each tool 0.7-0.9 s more, and
 * that cost is this process's, not theirs); returns wall time, peak RSS and the output.
 */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv): Measured {
  const useTime = existsSync('/usr/bin/time');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'search-bench-'));
  try {
    const outFile = path.join(dir, 'stdout');
    const fd = openSync(outFile, 'w');
    let res;
    const t0 = process.hrtime.bigint();
    try {
      res = useTime
        ? spawnSync('/usr/bin/time', ['-v', cmd, ...args], { env, stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 26 })
        : spawnSync(cmd, args, { env, stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 26 });
    } finally {
      closeSync(fd);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const err = res.stderr.toString();
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
    const user = /User time \(seconds\): ([\d.]+)/.exec(err);
    const sys = /System time \(seconds\): ([\d.]+)/.exec(err);
    const cpuSeconds = user && sys ? Number(user[1]) + Number(sys[1]) : Number.NaN;
    return { seconds, cpuSeconds, maxRssMb: m ? Number(m[1]) / 1024 : Number.NaN, stdout: readFileSync(outFile), status: res.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface LogResult {
  name: string;
  ref: Measured;
  ours: Measured;
  /** best CPU seconds of each tool over the rounds */
  refCpu: number;
  oursCpu: number;
  identical: boolean;
}

/** Best of `rounds` for both tools on one log, each round running both back to back. */
function compare(name: string, log: string, rounds: number, ref: { path: string; env: NodeJS.ProcessEnv }, env: NodeJS.ProcessEnv): LogResult {
  const args = ['-i', '-k', 'modules', '-if', log];
  const cli = path.join(repoRoot, 'dist/harness/cli.js');
  let bestRef: Measured | undefined;
  let bestOurs: Measured | undefined;
  let identical = true;
  let refCpu = Number.POSITIVE_INFINITY;
  let oursCpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const a = measure(ref.path, args, { ...env, ...ref.env });
    const b = measure(process.execPath, [cli, 'search', ...args], env);
    const same = a.stdout.equals(b.stdout) && a.status === b.status;
    if (!same) identical = false;
    console.log(`${name} round ${i + 1}: ausearch ${a.seconds.toFixed(2)} s (CPU ${a.cpuSeconds.toFixed(2)} s) ${a.maxRssMb.toFixed(0)} MB, audit-harness ${b.seconds.toFixed(2)} s (CPU ${b.cpuSeconds.toFixed(2)} s) ${b.maxRssMb.toFixed(0)} MB, output ${same ? 'identical' : 'DIFFERENT'} (${(a.stdout.length / 1048576).toFixed(1)} MB)`);
    refCpu = Math.min(refCpu, a.cpuSeconds);
    oursCpu = Math.min(oursCpu, b.cpuSeconds);
    // peak RSS: the worst of all rounds; time: the best
    if (!bestRef || a.seconds < bestRef.seconds) bestRef = { ...a, maxRssMb: Math.max(a.maxRssMb, bestRef?.maxRssMb ?? 0) };
    else bestRef.maxRssMb = Math.max(bestRef.maxRssMb, a.maxRssMb);
    if (!bestOurs || b.seconds < bestOurs.seconds) bestOurs = { ...b, maxRssMb: Math.max(b.maxRssMb, bestOurs?.maxRssMb ?? 0) };
    else bestOurs.maxRssMb = Math.max(bestOurs.maxRssMb, b.maxRssMb);
  }
  return { name, ref: bestRef!, ours: bestOurs!, refCpu, oursCpu, identical };
}

export async function run(): Promise<void> {
  const sizeArg = Number(process.env.SEARCH_BENCH_MB);
  const bytes = sizeArg > 0 ? sizeArg * 1048576 : TARGET_BYTES;
  // SEARCH_BENCH_PACE=guest|busy: one pace only (default: both)
  const paces = (process.env.SEARCH_BENCH_PACE ? [process.env.SEARCH_BENCH_PACE] : ['guest', 'busy']) as Pace[];
  const ref = await referenceTool('ausearch');
  const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
  const rounds = Math.max(1, Number(process.env.SEARCH_BENCH_ROUNDS) || 3);
  const results: LogResult[] = [];
  const costs: string[] = [];
  let tooCostly = false;
  for (const pace of paces) {
    const logs = benchLogs(bytes, pace);
    const pair: LogResult[] = [];
    for (const [name, log] of [[`ENRICHED, ${pace} pace`, logs.enriched], [`RAW twin, ${pace} pace`, logs.raw]] as const) {
      console.log(`${name} log: ${log} (${(statSync(log).size / 1048576).toFixed(0)} MB)`);
      pair.push(compare(name, log, rounds, ref, env));
    }
    const [enr, raw] = pair as [LogResult, LogResult];
    const cost = enr.ours.seconds / raw.ours.seconds - 1;
    if (cost > 0.25) tooCostly = true;
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    costs.push(`enrichment's cost, ${pace} pace (audit-harness ENRICHED / RAW twin): ${pct(cost)} wall, ${pct(enr.oursCpu / raw.oursCpu - 1)} CPU (ausearch: ${pct(enr.ref.seconds / raw.ref.seconds - 1)} wall, ${pct(enr.refCpu / raw.refCpu - 1)} CPU)`);
    results.push(...pair);
  }
  console.log(`\n\`search -i -k modules -if LOG\`, best of ${rounds} (CPU: user+sys, best of ${rounds}; peak RSS: worst of ${rounds}):`);
  console.log('| log | ausearch | audit-harness | ratio | CPU ausearch | CPU audit-harness | CPU ratio | identical bytes | peak RSS ausearch | peak RSS audit-harness |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const x of results) {
    console.log(`| ${x.name} | ${x.ref.seconds.toFixed(2)} s | ${x.ours.seconds.toFixed(2)} s | ${(x.ref.seconds / x.ours.seconds).toFixed(2)}x | ${x.refCpu.toFixed(2)} s | ${x.oursCpu.toFixed(2)} s | ${(x.refCpu / x.oursCpu).toFixed(2)}x | ${x.identical ? 'yes' : 'NO'} | ${x.ref.maxRssMb.toFixed(0)} MB | ${x.ours.maxRssMb.toFixed(0)} MB |`);
  }
  for (const c of costs) console.log(c);
  for (const x of results) {
    if (!x.identical) {
      process.exitCode = 1;
      console.log(`FAIL: ${x.name}: outputs differ`);
    }
    if (x.ref.seconds / x.ours.seconds < 2) console.log(`below target: ${x.name} under 2x (aim 3x)`);
    if (!(x.ours.maxRssMb < 256)) console.log(`below target: ${x.name} peak RSS`);
  }
  if (tooCostly) console.log('below target: enrichment costs more than 25% over the RAW twin');
  if (process.env.SEARCH_BENCH_FLOOR) floor(benchLogs(bytes, paces[0]).enriched, rounds, ref, env);
}

/**
 * SEARCH_BENCH_FLOOR=1: what any Node search pays (reading and writing every line back,
 * bench/line-copy.ts) and what both tools pay printing nothing (-k nomatch), on one log.
 */
function floor(log: string, rounds: number, ref: { path: string; env: NodeJS.ProcessEnv }, env: NodeJS.ProcessEnv): void {
  const cli = path.join(repoRoot, 'dist/harness/cli.js');
  let copy = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) copy = Math.min(copy, measure(process.execPath, [path.join(repoRoot, 'dist/bench/line-copy.js'), log], env).seconds);
  console.log(`yardstick: Node reading the ENRICHED log and writing every line back, no search: ${copy.toFixed(2)} s`);
  const quiet = ['-k', 'nomatch', '-if', log];
  let quietRef = Number.POSITIVE_INFINITY;
  let quietOurs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    quietRef = Math.min(quietRef, measure(ref.path, quiet, { ...env, ...ref.env }).seconds);
    quietOurs = Math.min(quietOurs, measure(process.execPath, [cli, 'search', ...quiet], env).seconds);
  }
  console.log(`printing nothing (-k nomatch, ENRICHED): ausearch ${quietRef.toFixed(2)} s, audit-harness ${quietOurs.toFixed(2)} s`);
}

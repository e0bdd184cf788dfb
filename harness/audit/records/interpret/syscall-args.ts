// a0..a3 of SYSCALL records: ausearch interprets a few arguments of a few syscalls,
// everything else is shown as 0x<hex as logged>.
import { conversionError, ERANGE, strtoul } from './cnum.js';
import {
  printAccess,
  printCloneFlags,
  printMmap,
  printMount,
  printOpenFlags,
  printProt,
  printRecv,
  printShmFlags,
  printUmount,
} from './flags.js';
import { printGid, printUid } from './ids.js';
import { printMode, printModeShort } from './mode.js';
import * as S from './scalars.js';
import { remember } from '../../memo.js';

export interface ArgContext {
  /** Syscall name for the record's arch, undefined when unknown. */
  sys: string | undefined;
  a0: bigint;
  a1: bigint;
}

type Printer = (val: string, ctx: ArgContext) => string;

const hex: Printer = (val) => `0x${val}`;
const clone: Printer = (val) => printCloneFlags(val, S.signalName);
const uid16: Printer = (val) => printUid(val, 16);
const gid16: Printer = (val) => printGid(val, 16);
const signal16: Printer = (val) => S.printSignal(val, 16);
const modeShort16: Printer = (val) => printModeShort(val, 16);
const dirfd: Printer = (val) => S.printDirfd(val);

function a0For(sys: string): Printer {
  switch (sys[0]) {
    case 'r':
      if (sys === 'rt_sigaction') return signal16;
      if (sys.startsWith('renameat') || sys === 'readlinkat') return dirfd;
      return hex;
    case 'c':
      return sys === 'clock_settime' ? (v) => S.printClockId(v) : hex;
    case 'p':
      if (sys === 'personality') return (v) => S.printPersonality(v);
      if (sys === 'ptrace') return (v) => S.printPtrace(v);
      if (sys === 'prctl') return (v) => S.printPrctlOpt(v);
      return hex;
    case 'm':
      return sys === 'mkdirat' || sys === 'mknodat' ? dirfd : hex;
    case 'f':
      if (['fchownat', 'futimesat', 'fchmodat', 'futimensat'].includes(sys) || sys.startsWith('faccessat')) return dirfd;
      return hex;
    case 'u':
      if (sys === 'unshare') return clone;
      return sys === 'unlinkat' || sys === 'utimensat' ? dirfd : hex;
  }
  if (sys.slice(1) === 'etrlimit') return (v) => S.printRlimit(v);
  if (sys[0] === 's') {
    if (['setuid', 'setreuid', 'setresuid', 'setfsuid'].includes(sys)) return uid16;
    if (['setgid', 'setregid', 'setresgid', 'setfsgid'].includes(sys)) return gid16;
    if (sys === 'socket') return (v) => S.printSocketDomain(v);
    if (sys === 'socketcall') return (v) => S.printSocketcall(v, 16);
    return hex;
  }
  if (sys === 'linkat' || sys === 'newfstatat' || sys.startsWith('openat') || sys === 'name_to_handle_at') return dirfd;
  if (sys === 'ipccall') return (v) => S.printIpccall(v, 16);
  if (sys.startsWith('exit')) return (v) => S.printExitSyscall(v);
  if (sys === 'bpf') return (v) => S.printBpf(v);
  return hex;
}

function a1For(sys: string): Printer {
  if (sys[0] === 'f') {
    if (sys === 'fchmod') return modeShort16;
    if (sys.startsWith('fcntl')) return (v) => S.printFcntlCmd(v);
  } else if (sys[0] === 'c') {
    if (sys === 'chmod' || sys === 'creat') return modeShort16;
    if (sys.includes('chown')) return uid16;
  }
  if (sys.slice(1) === 'etsockopt') return (v) => S.printSockOptLevel(v);
  switch (sys[0]) {
    case 's':
      if (sys === 'setreuid' || sys === 'setresuid') return uid16;
      if (sys === 'setregid' || sys === 'setresgid') return gid16;
      if (sys === 'socket') return (v) => S.printSocketType(v);
      if (sys === 'setns') return clone;
      if (sys === 'sched_setscheduler') return (v) => S.printSched(v);
      return hex;
    case 'm':
      if (sys === 'mkdir') return modeShort16;
      if (sys === 'mknod') return (v) => printMode(v, 16);
      if (sys === 'mq_open') return (v) => printOpenFlags(v);
      return hex;
  }
  switch (sys) {
    case 'open':
      return (v) => printOpenFlags(v);
    case 'access':
      return (v) => printAccess(v);
    case 'epoll_ctl':
      return (v) => S.printEpollCtl(v);
    case 'kill':
    case 'tkill':
      return signal16;
    case 'prctl':
      return (v, c) => {
        if (c.a0 === 23n || c.a0 === 24n) return S.printCapability(v, 16); // PR_CAPBSET_READ/DROP
        if (c.a0 === 1n) return S.printSignal(v, 16); // PR_SET_PDEATHSIG
        return hex(v, c);
      };
    case 'umount2':
      return (v) => printUmount(v);
    case 'ioctl':
      return (v) => S.printIoctlReq(v);
  }
  return hex;
}

const O_CREAT = 0o100n;

function a2For(sys: string): Printer {
  if (sys.startsWith('fcntl')) {
    return (v, c) => {
      const n = strtoul(v, 16);
      if (n === ERANGE) return conversionError(v);
      if (c.a1 === 8n) return printUid(v, 16); // F_SETOWN
      if (c.a1 === 2n && BigInt.asIntN(32, n) === 1n) return 'FD_CLOEXEC'; // F_SETFD
      return hex(v, c);
    };
  }
  if (sys.slice(1) === 'etsockopt') {
    return (v, c) => {
      switch (c.a1) {
        case 0n:
          return S.printIpOptName(v);
        case 1n:
          return S.printSockOptName(v);
        case 6n:
          return S.printTcpOptName(v);
        case 17n:
          return S.printUdpOptName(v);
        case 41n:
          return S.printIp6OptName(v);
        case 263n:
          return S.printPktOptName(v);
      }
      return hex(v, c);
    };
  }
  switch (sys[0]) {
    case 'o':
      if (sys === 'openat' || sys === 'open_by_handle_at') return (v) => printOpenFlags(v);
      if (sys === 'open') return (v, c) => (c.a1 & O_CREAT ? printModeShort(v, 16) : hex(v, c));
      return hex;
    case 'f':
      if (sys === 'fchmodat') return modeShort16;
      if (sys.startsWith('faccessat')) return (v) => printAccess(v);
      return hex;
    case 's':
      if (sys === 'setresuid') return uid16;
      if (sys === 'setresgid') return gid16;
      if (sys === 'socket') return (v) => S.printSocketProto(v);
      if (sys === 'sendmsg') return (v) => printRecv(v);
      if (sys === 'shmget') return (v) => printShmFlags(v);
      return hex;
    case 'm':
      if (sys === 'mmap') return (v) => printProt(v, true);
      if (sys === 'mkdirat' || sys === 'mknodat') return modeShort16;
      if (sys === 'mprotect') return (v) => printProt(v, false);
      if (sys === 'mq_open') return (v, c) => (c.a1 & O_CREAT ? printModeShort(v, 16) : hex(v, c));
      return hex;
    case 'r':
      if (sys === 'recvmsg') return (v) => printRecv(v);
      if (sys === 'readlinkat' || sys.startsWith('renameat')) return dirfd;
      return hex;
    case 'l':
      if (sys === 'linkat') return dirfd;
      if (sys === 'lseek') return (v) => S.printSeek(v);
      return hex;
    case 'c':
      return sys === 'clone' || sys === 'clone2' ? clone : hex;
  }
  if (sys.includes('chown')) return gid16;
  if (sys === 'tgkill') return signal16;
  return hex;
}

function a3For(sys: string): Printer {
  switch (sys) {
    case 'mmap':
      return (v) => printMmap(v);
    case 'mount':
      return (v) => printMount(v);
    case 'recv':
    case 'recvfrom':
    case 'recvmmsg':
    case 'send':
    case 'sendto':
    case 'sendmmsg':
      return (v) => printRecv(v);
  }
  return hex;
}

const resolvers = [a0For, a1For, a2For, a3For];

interface Resolved {
  print: Printer;
  /** Texts by value, for printers that read only the value (not a0/a1 of the record). */
  memo: Map<string, string> | undefined;
}
const resolved = [new Map<string, Resolved>(), new Map<string, Resolved>(), new Map<string, Resolved>(), new Map<string, Resolved>()];
const MEMO_LIMIT = 1024;

function resolve(index: number, sys: string): Resolved {
  let r = resolved[index].get(sys);
  if (!r) {
    const print = resolvers[index](sys);
    r = { print, memo: print.length < 2 ? new Map() : undefined };
    resolved[index].set(sys, r);
  }
  return r;
}

/** Is argument `index` of `sys` printed as 0x<value as logged>? */
export function argIsHex(index: number, sys: string): boolean {
  return resolve(index, sys).print === hex;
}

/** Is argument `index` of `sys` printed from its own value alone (not from a0/a1 of the record)? */
export function argReadsOnlyValue(index: number, sys: string): boolean {
  return resolve(index, sys).memo !== undefined;
}

/** Interprets argument `index` (0..3) logged as hex `val`. */
export function printArg(index: number, val: string, ctx: ArgContext): string {
  if (ctx.sys === undefined) return `0x${val}`;
  const r = resolve(index, ctx.sys);
  // 0x<value> costs less than a lookup, and keeping pointers that never repeat costs the GC most
  if (r.print === hex) return `0x${val}`;
  if (!r.memo) return r.print(val, ctx);
  return r.memo.get(val) ?? remember(r.memo, val, r.print(val, ctx), MEMO_LIMIT);
}

/** Forgets remembered texts (uid and gid names change with the account files). */
export function clearArgMemo(): void {
  for (const m of resolved) m.clear();
}

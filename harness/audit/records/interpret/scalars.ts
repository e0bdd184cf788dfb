// Single-value lookups: signals, capabilities, families, protocols and the like.
import { readFileSync } from 'node:fs';
import { conversionError, ERANGE, i32, i32l, strtoul, u32 } from './cnum.js';
import { T } from './tables.js';

function int(val: string, base: number): number | undefined {
  const v = i32(val, base);
  return v === ERANGE ? undefined : v;
}

function lookup(table: Map<number, string>, val: string, base: number, unknown: (val: string, n: number) => string): string {
  const n = int(val, base);
  if (n === undefined) return conversionError(val);
  return table.get(n) ?? unknown(val, n);
}

export function signalName(n: number): string | undefined {
  return n < 32 ? T.signal.get(n) : undefined;
}

export function printSignal(val: string, base: number): string {
  const n = int(val, base);
  if (n === undefined) return conversionError(val);
  return signalName(n) ?? `unknown-signal(${base === 16 ? '0x' : ''}${val})`;
}

export function printCapability(val: string, base: number): string {
  return lookup(T.cap, val, base, () => `unknown-capability(${base === 16 ? '0x' : ''}${val})`);
}

export function printSuccess(val: string): string {
  const c = val.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return val;
  const n = int(val, 10);
  if (n === undefined) return conversionError(val);
  return n === 0 ? 'no' : n === 1 ? 'yes' : 'unset';
}

export function printPromisc(val: string): string {
  const v = i32l(val, 10);
  if (v === ERANGE) return conversionError(val);
  return v === 0 ? 'no' : 'yes';
}

export function printSession(val: string): string {
  return val === '4294967295' ? 'unset' : val;
}

export function printList(val: string): string {
  return lookup(T.list, val, 10, () => `unknown-list(${val})`);
}

export const printNfProto = (val: string): string =>
  lookup(T.nfProto, val, 10, () => `unknown-netfilter-protocol(${val})`);
export const printIcmpType = (val: string): string => lookup(T.icmpType, val, 10, () => `unknown-icmp-type(${val})`);
export const printHook = (val: string): string => lookup(T.inetHook, val, 16, () => `unknown-hook(${val})`);
export const printNetAction = (val: string): string => lookup(T.netAction, val, 16, () => `unknown-action(${val})`);
export const printPtrace = (val: string): string => lookup(T.ptrace, val, 16, () => `unknown-ptrace(0x${val})`);
export const printPrctlOpt = (val: string): string =>
  lookup(T.prctlOpt, val, 16, () => `unknown-prctl-option(0x${val})`);
export const printEpollCtl = (val: string): string =>
  lookup(T.epollCtl, val, 16, (_v, n) => `unknown-epoll_ctl-operation(${n})`);
export const printFcntlCmd = (val: string): string =>
  lookup(T.fcntlCmd, val, 16, (_v, n) => `unknown-fcntl-command(${n})`);
export const printSocketDomain = (val: string): string => lookup(T.fam, val, 16, () => `unknown-family(0x${val})`);
export const printBpf = (val: string): string => lookup(T.bpf, val, 16, () => `unknown-bpf-cmd(${val})`);
export const printIpOptName = (val: string): string => lookup(T.ipOptName, val, 16, () => `unknown-ipopt-name(0x${val})`);
export const printIp6OptName = (val: string): string =>
  lookup(T.ip6OptName, val, 16, () => `unknown-ip6opt-name(0x${val})`);
export const printTcpOptName = (val: string): string =>
  lookup(T.tcpOptName, val, 16, () => `unknown-tcpopt-name(0x${val})`);
export const printPktOptName = (val: string): string =>
  lookup(T.pktOptName, val, 16, () => `unknown-pktopt-name(0x${val})`);
export const printSockOptName = (val: string): string =>
  lookup(T.sockOptName, val, 16, () => `unknown-sockopt-name(0x${val})`);

export function printUdpOptName(val: string): string {
  const n = int(val, 16);
  if (n === undefined) return conversionError(val);
  return n === 1 ? 'UDP_CORK' : n === 100 ? 'UDP_ENCAP' : `unknown-udpopt-name(0x${val})`;
}

export function printSocketType(val: string): string {
  const v = u32(val, 16);
  if (v === ERANGE) return conversionError(val);
  return T.sockType.get(v & 0xff) ?? `unknown-type(${val})`;
}

export function printSeek(val: string): string {
  const v = u32(val, 16);
  if (v === ERANGE) return conversionError(val);
  return T.seek.get(v & 0xff) ?? `unknown-whence(${val})`;
}

export function printClockId(val: string): string {
  const n = int(val, 16);
  if (n === undefined) return conversionError(val);
  return (n < 7 ? T.clock.get(n) : undefined) ?? `unknown-clk_id(0x${val})`;
}

export function printRlimit(val: string): string {
  const n = int(val, 16);
  if (n === undefined) return conversionError(val);
  return (n < 17 ? T.rlimit.get(n) : undefined) ?? `unknown-rlimit(0x${val})`;
}

export function printPersonality(val: string): string {
  const n = int(val, 16);
  if (n === undefined) return conversionError(val);
  const s = T.person.get(n & 0xff);
  if (s === undefined) return `unknown-personality(0x${val})`;
  return n & 0x0040000 ? `${s}|~ADDR_NO_RANDOMIZE` : s;
}

export function printSched(val: string): string {
  const p = u32(val, 16);
  if (p === ERANGE) return conversionError(val);
  const s = T.sched.get(p & 0xf);
  if (s === undefined) return `unknown-scheduler-policy(0x${val})`;
  return p & 0x40000000 ? `${s}|SCHED_RESET_ON_FORK` : s;
}

export function printSeccompCode(val: string): string {
  const v = strtoul(val, 16);
  if (v === ERANGE) return conversionError(val);
  return T.seccomp.get(Number(v & 0x7fff0000n)) ?? `unknown-seccomp-code(${val})`;
}

export function printDirfd(val: string): string {
  const v = u32(val, 16);
  if (v === ERANGE) return conversionError(val);
  return v === 0xffffff9c ? 'AT_FDCWD' : `0x${val}`;
}

export function printExitSyscall(val: string): string {
  return val === '0' ? 'EXIT_SUCCESS' : val === '1' ? 'EXIT_FAILURE' : 'UNKNOWN';
}

export function printMacProto(val: string): string {
  const n = int(val, 16);
  if (n === undefined) return conversionError(val);
  return n === 0x800 ? 'IP' : n === 0x806 ? 'ARP' : 'UNKNOWN';
}

export function printIoctlReq(val: string): string {
  const n = int(val, 16);
  if (n === undefined) return conversionError(val);
  return T.ioctlReq.get(n) ?? `0x${(n >>> 0).toString(16)}`;
}

export function printFanotify(val: string): string {
  const c = val.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return val;
  const n = int(val, 10);
  if (n === undefined) return conversionError(val);
  return n === 1 ? 'allow' : n === 2 ? 'deny' : 'unknown';
}

export function printNlMcgrp(val: string): string {
  const v = strtoul(val, 16);
  if (v === ERANGE) return conversionError(val);
  return v === 1n ? 'audit-netlink-multicast' : 'audit-none';
}

export function printSocketcall(val: string, base: number): string {
  const v = i32l(val, base);
  if (v === ERANGE) return conversionError(val);
  return T.sock.get(v) ?? `unknown-socketcall(${val})`;
}

export function printIpccall(val: string, base: number): string {
  const v = i32l(val, base);
  if (v === ERANGE) return conversionError(val);
  return T.ipc.get(v) ?? `unknown-ipccall(${val})`;
}

// getprotobynumber on the host running ausearch reads /etc/protocols.
let protocols: Map<number, string> | undefined;
export function protocolName(n: number): string | undefined {
  if (!protocols) {
    protocols = new Map();
    let text = '';
    try {
      text = readFileSync('/etc/protocols', 'utf8');
    } catch {
      /* no names */
    }
    for (const line of text.split('\n')) {
      const f = line.replace(/#.*/, '').trim().split(/\s+/);
      if (f.length >= 2 && /^\d+$/.test(f[1]) && !protocols.has(Number(f[1]))) protocols.set(Number(f[1]), f[0]);
    }
  }
  return protocols.get(n);
}

export function printProtocol(val: string): string {
  const n = int(val, 10);
  if (n === undefined) return conversionError(val);
  return protocolName(n) ?? 'undefined protocol';
}

export function printSocketProto(val: string): string {
  const n = int(val, 16);
  if (n === undefined) return conversionError(val);
  return protocolName(n >>> 0) ?? `unknown-proto(${val})`;
}

export function printSockOptLevel(val: string): string {
  const n = int(val, 16);
  if (n === undefined) return conversionError(val);
  if (n === 1) return 'SOL_SOCKET';
  return protocolName(n) ?? T.sockLevel.get(n) ?? `unknown-sockopt-level(0x${val})`;
}

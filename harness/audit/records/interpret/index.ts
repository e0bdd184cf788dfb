// Per-field interpretation as `ausearch -i` (audit-userspace 3.0.9, auparse) prints it.
import type { AuditEvent, AuditField, AuditRecord } from '../types.js';
import { HOST_MACHINE, machineOf, printArch, printSyscall, syscallNameFor } from './arch.js';
import { ERANGE, strtoul } from './cnum.js';
import { printExit } from './errno.js';
import { kindOf } from './field-types.js';
import { printCapBitmap, printMmap, printOpenFlags, printOpenat2Resolve, printPathFlags } from './flags.js';
import { printEnrichedId, printGid, printUid } from './ids.js';
import { printMode, printModeShort, printPerm } from './mode.js';
import * as S from './scalars.js';
import { printSockaddr } from './sockaddr.js';
import { printArg, type ArgContext } from './syscall-args.js';
import { printEscaped, printKey, printProctitle, ttyEscape } from './text.js';
import { printTtyData } from './tty-data.js';

export { setAccountFiles } from './ids.js';
/**
 * How auparse classifies a field (for output formatting: ausearch prints TTY_DATA values without
 * the trailing space, and cuts UNCLASSIFIED values at a comma, printing ',' instead of ' ').
 */
export { kindOf as fieldKind, type FieldKind } from './field-types.js';

export interface InterpretContext {
  record: AuditRecord;
  event: AuditEvent;
}

/** What ausearch remembers while it walks the fields of one record. */
interface RecordState {
  machine: string;
  syscall: number;
  args: ArgContext;
  /** ENRICHED values by field name, when the line had any. */
  enriched: Map<string, string> | undefined;
  /**
   * The last field inside a user-space msg='…' when the parser dropped the closing quote:
   * ausearch reads that quote as part of the value (res=1' prints yes, res=success' prints success').
   */
  closing: AuditField | undefined;
}

const states = new WeakMap<AuditRecord, RecordState>();
const NO_SYSCALL: ArgContext = { sys: undefined, a0: 0n, a1: 0n };

function hexArg(v: string | undefined): bigint {
  if (v === undefined) return 0n;
  const n = strtoul(v, 16);
  return n === ERANGE ? (1n << 64n) - 1n : n;
}

let lastRecord: AuditRecord | undefined;
let lastState: RecordState | undefined;

function enrichedMap(record: AuditRecord): Map<string, string> | undefined {
  let m: Map<string, string> | undefined;
  for (const f of record.fields) {
    if (f.enriched === undefined) continue;
    m ??= new Map();
    // auparse finds the first entry of that name
    if (!m.has(f.name)) m.set(f.name, f.enriched);
  }
  return m;
}

function stateOf(record: AuditRecord): RecordState {
  if (record === lastRecord) return lastState!;
  let s = states.get(record);
  if (!s) {
    s = computeState(record);
    states.set(record, s);
  }
  lastRecord = record;
  lastState = s;
  return s;
}

function closingField(record: AuditRecord): AuditField | undefined {
  const raw = record.raw;
  if (!raw) return undefined;
  const sep = raw.indexOf('\x1d');
  let end = sep < 0 ? raw.length : sep;
  while (end > 0 && raw.charCodeAt(end - 1) === 32) end--;
  if (raw.charCodeAt(end - 1) !== 39 /* ' */) return undefined;
  const fields = record.fields;
  for (let i = fields.length - 1; i >= 0; i--) {
    const f = fields[i];
    const v = f.value;
    if (v.charCodeAt(0) === 34 || v.charCodeAt(v.length - 1) === 39) continue;
    const text = `${f.name}=${v}'`;
    if (end >= text.length && raw.startsWith(text, end - text.length)) return f;
  }
  return undefined;
}

function computeState(record: AuditRecord): RecordState {
  let s: RecordState;
  const enriched = enrichedMap(record);
  const closing = closingField(record);
  const isSyscall = record.type === 'SYSCALL' || record.type === 'SECCOMP';
  if (!isSyscall) {
    // Other records: syscall 0 of the host machine, no argument interpretation.
    s = { machine: HOST_MACHINE, syscall: 0, args: NO_SYSCALL, enriched, closing };
  } else {
    let arch: string | undefined;
    let nr: string | undefined;
    let a0: string | undefined;
    let a1: string | undefined;
    for (const f of record.fields) {
      if (f.name === 'arch' && arch === undefined) arch = f.value;
      else if (f.name === 'syscall' && nr === undefined) nr = f.value;
      else if (f.name === 'a0' && a0 === undefined) a0 = f.value;
      else if (f.name === 'a1' && a1 === undefined) a1 = f.value;
    }
    const machine = (arch !== undefined && machineOf(arch)) || HOST_MACHINE;
    const n = nr === undefined ? ERANGE : strtoul(nr, 10);
    const syscall = n === ERANGE ? -1 : Number(BigInt.asIntN(32, n));
    s = {
      machine,
      syscall,
      args: {
        sys: record.type === 'SYSCALL' ? syscallNameFor(machine, syscall) : undefined,
        a0: record.type === 'SYSCALL' ? hexArg(a0) : 0n,
        a1: record.type === 'SYSCALL' ? hexArg(a1) : 0n,
      },
      enriched,
      closing,
    };
  }
  return s;
}

/**
 * The text `ausearch -i` prints for field `name` whose raw logged value is `value` (quotes kept,
 * hex as logged) in `ctx.record`. For the last field inside a user-space msg='…', ausearch's value
 * includes the closing quote; when the parser dropped it (value without it) it is put back here.
 */
export function interpretField(ctx: InterpretContext, name: string, value: string): string {
  const record = ctx.record;
  const closing = stateOf(record).closing;
  if (closing !== undefined && closing.name === name && closing.value === value) value += "'";
  return interpretValue(record, name, value);
}

function interpretValue(record: AuditRecord, name: string, value: string): string {
  // ausearch never interprets a msg= value: it echoes it (or drops it when nothing follows)
  if (name === 'msg') return value;
  // acct values may carry a trailing ':' that ausearch drops
  if (name === 'acct' && value.endsWith(':')) value = value.slice(0, -1);
  const kind = kindOf(record.type, name, value);
  if (kind === 'UNCLASSIFIED') return value;

  const enriched = stateOf(record).enriched?.get(name);
  // A SADDR={ … } cut at its first space by a field splitter is no use: compute it instead.
  if (enriched !== undefined && !enriched.startsWith('unknown-') && (kind !== 'SOCKADDR' || enriched.endsWith('}'))) {
    return ttyEscape(kind === 'UID' || kind === 'GID' ? printEnrichedId(enriched) : enriched);
  }

  switch (kind) {
    case 'ESCAPED_KEY':
      return printKey(value);
    case 'TTY_DATA':
      return printTtyData(value);
  }
  return ttyEscape(interpretKind(kind, record, value));
}

function interpretKind(kind: string, record: AuditRecord, value: string): string {
  switch (kind) {
    case 'UID':
      return printUid(value, 10);
    case 'GID':
      return printGid(value, 10);
    case 'SYSCALL': {
      const s = stateOf(record);
      return printSyscall(s.machine, s.syscall, s.args.a0);
    }
    case 'ARCH':
      return printArch(value);
    case 'EXIT':
      return printExit(value);
    case 'ESCAPED':
    case 'ESCAPED_FILE':
      return printEscaped(value);
    case 'PERM':
      return printPerm(value);
    case 'MODE':
      return printMode(value, 8);
    case 'MODE_SHORT':
      return printModeShort(value, 8);
    case 'SOCKADDR':
      return printSockaddr(value);
    case 'FLAGS':
      return printPathFlags(value);
    case 'PROMISC':
      return S.printPromisc(value);
    case 'CAPABILITY':
      return S.printCapability(value, 10);
    case 'SUCCESS':
      return S.printSuccess(value);
    case 'A0':
      return printArg(0, value, stateOf(record).args);
    case 'A1':
      return printArg(1, value, stateOf(record).args);
    case 'A2':
      return printArg(2, value, stateOf(record).args);
    case 'A3':
      return printArg(3, value, stateOf(record).args);
    case 'SIGNAL':
      return S.printSignal(value, 10);
    case 'LIST':
      return S.printList(value);
    case 'SESSION':
      return S.printSession(value);
    case 'CAP_BITMAP':
      return printCapBitmap(value);
    case 'NFPROTO':
      return S.printNfProto(value);
    case 'ICMPTYPE':
      return S.printIcmpType(value);
    case 'PROTOCOL':
      return S.printProtocol(value);
    case 'PERSONALITY':
      return S.printPersonality(value);
    case 'SECCOMP':
      return S.printSeccompCode(value);
    case 'OFLAG':
      return printOpenFlags(value);
    case 'MMAP':
      return printMmap(value);
    case 'PROCTITLE':
      return printProctitle(value);
    case 'HOOK':
      return S.printHook(value);
    case 'NETACTION':
      return S.printNetAction(value);
    case 'MACPROTO':
      return S.printMacProto(value);
    case 'IOCTL_REQ':
      return S.printIoctlReq(value);
    case 'FANOTIFY':
      return S.printFanotify(value);
    case 'NLMCGRP':
      return S.printNlMcgrp(value);
    case 'RESOLVE':
      return printOpenat2Resolve(value);
    default: // ADDR, MAC_LABEL
      return value;
  }
}

/** Every field of `record` with its interpreted value, in logged order. */
export function interpretRecord(record: AuditRecord, event: AuditEvent): Array<{ name: string; value: string }> {
  void event;
  const closing = stateOf(record).closing;
  return record.fields.map((f) => ({
    name: f.name,
    value: interpretValue(record, f.name, f === closing ? `${f.value}'` : f.value),
  }));
}

// Per-field interpretation as `ausearch -i` (audit-userspace 3.0.9, auparse) prints it.
import type { AuditEvent, AuditField, AuditRecord } from '../types.js';
import { HOST_MACHINE, machineOf, printArch, printSyscall, syscallNameFor } from './arch.js';
import { ERANGE, strtoul } from './cnum.js';
import { printExit } from './errno.js';
import { kindOf, type FieldKind } from './field-types.js';
import { printCapBitmap, printMmap, printOpenFlags, printOpenat2Resolve, printPathFlags } from './flags.js';
import { enrichedText, interpretationList } from './enriched.js';
import { printGid, printUid, setAccountFiles as setIdFiles } from './ids.js';
import { printMode, printModeShort, printPerm } from './mode.js';
import * as S from './scalars.js';
import { printSockaddr } from './sockaddr.js';
import { argIsHex, argReadsOnlyValue, clearArgMemo, printArg, type ArgContext } from './syscall-args.js';
import { printEscaped, printKey, printProctitle, ttyEscape } from './text.js';
import { printTtyData } from './tty-data.js';
import { mapFor, remember } from '../../memo.js';

/**
 * How auparse classifies a field (for output formatting: ausearch prints TTY_DATA values without
 * the trailing space, and cuts UNCLASSIFIED values at a comma, printing ',' instead of ' ').
 */
export { kindOf as fieldKind, type FieldKind } from './field-types.js';

/**
 * auparse (--format csv|text) reads a record's arch and syscall only at fixed places (parse_up_record in
 * auparse/ellist.c: 2nd/3rd or 11th/12th field): a SECCOMP record without subj= has neither, and its
 * syscall prints as unknown-syscall(-1). ausearch -i finds them by name.
 */
export interface AuparsePositions {
  arch?: string;
  syscall?: string;
}

/** A record interpreted with the ENRICHED part `interp` instead of the one in its raw text. */
export interface RecordWithInterp extends AuditRecord {
  interp: string | undefined;
}

/** A record as auparse's interpreter sees it (its raw text is not kept, its ENRICHED part is). */
export interface AuparseRecord extends RecordWithInterp {
  auparseAt: AuparsePositions;
}

export interface InterpretContext {
  record: AuditRecord;
  event: AuditEvent;
}

/** What ausearch remembers while it walks the fields of one record. */
interface RecordState {
  machine: string;
  syscall: number;
  args: ArgContext;
  /** ENRICHED values (as logged) by field name, when the line had any. */
  enriched: Map<string, string> | undefined;
  /**
   * The last field inside a user-space msg='…' when the parser dropped the closing quote:
   * ausearch reads that quote as part of the value (res=1' prints yes, res=success' prints success').
   */
  closing: AuditField | undefined;
}

const NO_SYSCALL: ArgContext = { sys: undefined, a0: 0n, a1: 0n };

function hexArg(v: string | undefined): bigint {
  if (v === undefined) return 0n;
  const n = strtoul(v, 16);
  return n === ERANGE ? (1n << 64n) - 1n : n;
}

/** a0/a1 as numbers only when a printer asks (BigInt parsing of every record's pointers is costly). */
class LazyArgs implements ArgContext {
  private a0v: bigint | undefined;
  private a1v: bigint | undefined;
  constructor(readonly sys: string | undefined, private readonly a0Text: string | undefined, private readonly a1Text: string | undefined) {}
  get a0(): bigint {
    return (this.a0v ??= hexArg(this.a0Text));
  }
  get a1(): bigint {
    return (this.a1v ??= hexArg(this.a1Text));
  }
}

/**
 * ausearch keeps a0 and a1 in globals set by each SYSCALL record it prints (output_interpreted_record
 * in src/ausearch-report.c): a SECCOMP record's syscall=socketcall is named by the a0 of the last
 * SYSCALL record printed before it, in any event. Zero before the first.
 */
let lastSyscall: AuditRecord | undefined;

/** ausearch -i printed `record`, a SYSCALL record: its a0 and a1 are now the ones others see. */
export function syscallRecordPrinted(record: AuditRecord): void {
  lastSyscall = record;
}

/** A new search starts as ausearch does, with no SYSCALL record printed (a0 and a1 zero). */
export function forgetPrintedSyscall(): void {
  lastSyscall = undefined;
}

function lastSyscallArgs(sys: string | undefined): ArgContext {
  if (lastSyscall === undefined) return { ...NO_SYSCALL, sys };
  // Read as that SYSCALL record's own interpretation reads them.
  const args = computeState(lastSyscall).args;
  return { sys, a0: args.a0, a1: args.a1 };
}

// ausearch walks the fields of one record at a time: the state of the last record is kept.
let lastRecord: AuditRecord | undefined;
let lastState: RecordState | undefined;

function enrichedMap(record: AuditRecord): Map<string, string> | undefined {
  const text = 'interp' in record ? (record as RecordWithInterp).interp : enrichedText(record.raw);
  if (text === undefined) return undefined;
  // ENRICHED parts repeat on every event (a handful of users and syscalls): each list is read only.
  let list = enrichedLists.get(text);
  if (list === undefined) list = remember(enrichedLists, text, interpretationList(text) ?? null, ENRICHED_LIST_LIMIT);
  return list ?? undefined;
}
const enrichedLists = new Map<string, Map<string, string> | null>();
const ENRICHED_LIST_LIMIT = 256;

function stateOf(record: AuditRecord): RecordState {
  if (record !== lastRecord) {
    lastState = computeState(record);
    lastRecord = record;
  }
  return lastState!;
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

const SYSCALL_HEAD = 'type=SYSCALL msg=audit(';

/**
 * arch, syscall, a0 and a1 of a SYSCALL line as the kernel writes it (`): arch=… syscall=… … a1=…`,
 * unquoted, no closing quote, with or without an ENRICHED part), read without splitting every field;
 * undefined for anything else, which takes the general path.
 */
function kernelSyscallState(record: AuditRecord): RecordState | undefined {
  const raw = record.raw;
  if (!raw.startsWith(SYSCALL_HEAD)) return undefined;
  const sep = raw.indexOf('\x1d');
  let end = sep < 0 ? raw.length : sep;
  const fieldsEnd = end;
  while (end > 0 && raw.charCodeAt(end - 1) === 32) end--;
  if (raw.charCodeAt(end - 1) === 39 /* ' */) return undefined;
  const close = raw.indexOf(')', SYSCALL_HEAD.length);
  if (close < 0 || raw.charCodeAt(close + 1) !== 58 || raw.charCodeAt(close + 2) !== 32) return undefined;
  let arch: string | undefined;
  let nr: string | undefined;
  let a0: string | undefined;
  let i = close + 3;
  for (;;) {
    const eq = raw.indexOf('=', i);
    const sp = raw.indexOf(' ', i);
    if (eq < 0 || sp < 0 || sp < eq || eq === i || sp >= fieldsEnd) return undefined;
    const q = raw.charCodeAt(eq + 1);
    if (q === 34 || q === 39) return undefined;
    const name = raw.slice(i, eq);
    const value = raw.slice(eq + 1, sp);
    if (name === 'arch') arch ??= value;
    else if (name === 'syscall') nr ??= value;
    else if (name === 'a0') a0 ??= value;
    else if (name === 'a1') {
      if (arch === undefined || nr === undefined) return undefined;
      const machine = machineOf(arch) || HOST_MACHINE;
      const n = strtoul(nr, 10);
      const syscall = n === ERANGE ? -1 : Number(BigInt.asIntN(32, n));
      return { machine, syscall, args: new LazyArgs(syscallNameFor(machine, syscall), a0, value), enriched: sep < 0 ? undefined : enrichedMap(record), closing: undefined };
    }
    i = sp + 1;
  }
}

function computeState(record: AuditRecord): RecordState {
  let s: RecordState;
  if (record.type === 'SYSCALL') {
    const fast = kernelSyscallState(record);
    if (fast) return fast;
  }
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
    const at = (record as Partial<AuparseRecord>).auparseAt;
    if (at !== undefined) {
      arch = at.arch;
      nr = at.syscall;
    }
    const machine = (arch !== undefined && machineOf(arch)) || HOST_MACHINE;
    const n = nr === undefined ? ERANGE : strtoul(nr, 10);
    const syscall = n === ERANGE ? -1 : Number(BigInt.asIntN(32, n));
    s = {
      machine,
      syscall,
      args: record.type === 'SYSCALL' ? new LazyArgs(syscallNameFor(machine, syscall), a0, a1) : lastSyscallArgs(syscallNameFor(machine, syscall)),
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
  // auparse gives the logged value itself, not tty-escaped; auditd's unknown-… is interpreted again.
  if (enriched !== undefined && !enriched.startsWith('unknown-')) {
    if (kind !== 'UID' && kind !== 'GID') return enriched;
    // print_escaped: AUID="root" is root, a name auditd hex-encoded is decoded (printed up to a NUL).
    const name = printEscaped(enriched);
    const nul = name.indexOf('\0');
    return nul < 0 ? name : name.slice(0, nul);
  }

  switch (kind) {
    case 'SYSCALL':
    case 'A0':
    case 'A1':
    case 'A2':
    case 'A3':
      // These depend on the record (arch, syscall, a0, a1): syscall-args memoizes what it can.
      return ttyEscape(interpretKind(kind, record, value));
  }
  const m = mapFor(memo, kind, newTextMap);
  return m.get(value) ?? remember(m, value, kind === 'ESCAPED_KEY' ? printKey(value) : kind === 'TTY_DATA' ? ttyEscape(printTtyData(value)) : ttyEscape(interpretKind(kind, record, value)), MEMO_LIMIT);
}

/**
 * Interpretations that depend only on the kind and the logged value (names of ids, decoded
 * paths, modes...), remembered per kind: logs repeat them on every event. Bounded.
 */
const memo = new Map<FieldKind, Map<string, string>>();
const MEMO_LIMIT = 4096;
const newTextMap = () => new Map<string, string>();

/** Where names of uids and gids come from (see ids.ts); forgets interpretations made with the old ones. */
export function setAccountFiles(files: { passwd?: string; group?: string }): void {
  setIdFiles(files);
  memo.clear();
  clearArgMemo();
}

function interpretKind(kind: string, record: AuditRecord, value: string): string {
  switch (kind) {
    case 'UID':
      return printUid(value, 10);
    case 'GID':
      return printGid(value, 10);
    case 'SYSCALL': {
      const s = stateOf(record);
      return printSyscall(s.machine, s.syscall, s.args);
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

/**
 * Is the text of field `name` (syscall, a0..a3) of this SYSCALL record decided by the record's
 * arch, its syscall and the field's own value alone? Not for socketcall/ipc, whose name shows the
 * call in a0, nor for arguments read together with a0/a1 (open's mode, fcntl's argument...).
 */
export function readsOnlyArchAndSyscall(record: AuditRecord, name: string): boolean {
  const sys = stateOf(record).args.sys;
  if (name === 'syscall') return sys !== 'socketcall' && sys !== 'ipc';
  const index = name.charCodeAt(1) - 48;
  return sys === undefined || argReadsOnlyValue(index, sys);
}

/** The ENRICHED values `record` is interpreted with, by lower-cased name (undefined: none); read only. */
export function enrichedListOf(record: AuditRecord): ReadonlyMap<string, string> | undefined {
  return stateOf(record).enriched;
}

/** Is field `name` (a0..a3) of this SYSCALL record printed as 0x<value as logged>? */
export function argPrintedAsHex(record: AuditRecord, name: string): boolean {
  const sys = stateOf(record).args.sys;
  return sys === undefined || argIsHex(name.charCodeAt(1) - 48, sys);
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

// A rule in the form `auditctl -l` (3.0.9, no -i) prints it, following print_rule() in auditctl-listing.c:
// a watch (only path/dir, perm and key fields, every syscall) prints as -w/-p/-k; anything else prints
// "-a action,list", the arch fields, the syscalls by number order, then the other fields in kernel order.
import { syscallName, type SyscallArch } from '../syscalls/index.js';
import { elfTable, is64bit } from './arch.js';
import { errnoName, msgTypeName } from './names.js';
import { FS_TYPES, fieldInfo } from './fields.js';
import type { AuditRule, RuleField, RuleLine } from './types.js';

const WATCH_FIELDS = new Set(['path', 'dir', 'perm', 'key']);
const NO_SYSCALL_LISTS = new Set(['user', 'task', 'exclude', 'filesystem']);

export function isWatch(rule: AuditRule): boolean {
  if (!rule.fields.some((f) => f.name === 'perm')) return false;
  if (!rule.fields.every((f) => WATCH_FIELDS.has(f.name))) return false;
  return NO_SYSCALL_LISTS.has(rule.list) || rule.syscalls === 'all';
}

const signed = (v: number) => v | 0;

function permString(v: number): string {
  return (v & 8 ? 'r' : '') + (v & 2 ? 'w' : '') + (v & 1 ? 'x' : '') + (v & 4 ? 'a' : '');
}

function renderArch(f: RuleField): string {
  const elf = f.value as number;
  if (!elfTable(elf)) return ` -F arch${f.op}0x${elf.toString(16).toUpperCase()}`;
  return ` -F arch${f.op}${is64bit(elf) ? 'b64' : 'b32'}`;
}

function renderField(f: RuleField, watch: boolean): string {
  const op = f.op;
  if (f.compare) return ` -C ${f.compare.left}${op}${f.compare.right}`;
  const info = fieldInfo(f.name);
  const v = f.value;
  if (!info) return ` -F ${f.name}${op}${String(v)}`;
  switch (info.kind) {
    case 'string':
      if (watch && (f.name === 'path' || f.name === 'dir')) return `-w ${String(v)}`;
      // auditctl prints path, dir and exe with "=" whatever the operator.
      if (f.name === 'path' || f.name === 'dir' || f.name === 'exe') return ` -F ${f.name}=${String(v)}`;
      return ` -F ${f.name}${op}${String(v)}`;
    case 'key':
      return String(v)
        .split('\x01')
        .filter((k) => k !== '')
        .map((k) => (watch ? ` -k ${k}` : ` -F key=${k}`))
        .join('');
    case 'perm':
      return watch ? ` -p ${permString(v as number)}` : ` -F perm=${permString(v as number)}`;
    case 'msgtype': {
      const name = msgTypeName(v as number);
      return ` -F ${f.name}${op}${name ?? signed(v as number)}`;
    }
    case 'unsigned':
      return ` -F ${f.name}${op}${(v as number) >>> 0}`;
    case 'arg':
      return ` -F ${f.name}${op}0x${((v as number) >>> 0).toString(16).toUpperCase()}`;
    case 'exit': {
      const n = signed(v as number);
      const name = errnoName(Math.abs(n));
      return n < 0 && name ? ` -F ${f.name}${op}-${name}` : ` -F ${f.name}${op}${n}`;
    }
    case 'fstype': {
      const name = Object.entries(FS_TYPES).find(([, x]) => x === v)?.[0];
      return ` -F ${f.name}${op}${name ?? signed(v as number)}`;
    }
    default:
      return ` -F ${f.name}${op}${signed(v as number)}`;
  }
}

function renderSyscalls(rule: AuditRule, table: SyscallArch | null): string {
  if (NO_SYSCALL_LISTS.has(rule.list) || rule.syscalls === undefined) return '';
  if (rule.syscalls === 'all') return ' -S all';
  if (rule.syscalls.length === 0) return '';
  return ' -S ' + rule.syscalls.map((nr) => (table ? syscallName(table, nr) : undefined) ?? String(nr)).join(',');
}

/**
 * One rule exactly as `auditctl -l` prints it (without the newline). `carriedElf`: the arch of an earlier rule of
 * the same listing, which auditctl keeps (a global) and uses to name the syscalls of a rule without arch=.
 */
export function renderRule(rule: AuditRule, carriedElf?: number): string {
  const watch = isWatch(rule);
  let out = '';
  if (!watch) {
    // -A only decides the place in the list: the kernel clears the prepend flag once the rule is in.
    out += `-a ${rule.action},${rule.list}`;
    const own = rule.fields.some((f) => f.name === 'arch');
    for (const f of rule.fields) if (f.name === 'arch') out += renderArch(f);
    // An unknown machine prints numbers (audit_elf_to_machine < 0).
    const table = own || carriedElf === undefined ? rule.syscallTable : (elfTable(carriedElf) ?? null);
    out += renderSyscalls(rule, table);
  }
  for (const f of rule.fields) if (f.name !== 'arch') out += renderField(f, watch);
  // auditctl -l never shows deletions; for them the same form with the deleting options.
  if (rule.op === 'delete') out = out.replace(/^-a /, '-d ').replace(/^-w /, '-W ');
  return out;
}

/** A rules-file line for anything parsed: rules as auditctl -l prints them, commands as written canonically. */
export function renderLine(line: RuleLine): string {
  switch (line.kind) {
    case 'rule':
      return renderRule(line);
    case 'delete-all':
      return line.key === undefined ? '-D' : `-D -k ${line.key}`;
    case 'backlog':
      return `-b ${line.value}`;
    case 'failure':
      return `-f ${line.value}`;
    case 'enable':
      return `-e ${line.value}`;
    case 'rate':
      return `-r ${line.value}`;
    case 'backlog-wait-time':
      return `--backlog_wait_time ${line.value}`;
    case 'loginuid-immutable':
      return '--loginuid-immutable';
    case 'ignore-errors':
      return line.continueOnError ? '-c' : '-i';
  }
}

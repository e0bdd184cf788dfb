// Reading one `-F name<op>value` the way libaudit's audit_rule_fieldpair_data does, then the checks the
// kernel adds when the rule arrives (audit_field_valid and friends). Returns the field or an auditctl-like message.
import type { FieldOp, FilterList, KernelArch, RuleField } from './types.js';
import { EXCLUDE_FIELDS, FILE_TYPES, FS_TYPES, PERM_BITS, fieldInfo } from './fields.js';
import { cNumber, resolveArch, elfTable } from './arch.js';
import { errnoNumber, msgTypeNumber } from './names.js';
import type { SyscallArch } from '../syscalls/index.js';

const OPS: FieldOp[] = ['!=', '>=', '<=', '&=', '=', '>', '<', '&'];
const PATH_MAX = 4096;
const AF_MAX = 46;
export const UNSET = 0xffffffff;

/** Split at the first operator, trying two-character operators first (libaudit's strstr order). */
export function splitPair(pair: string): { name: string; op: FieldOp; value: string } | undefined {
  for (const op of OPS) {
    const i = pair.indexOf(op);
    if (i >= 0) return { name: pair.slice(0, i), op, value: pair.slice(i + op.length) };
  }
  return undefined;
}

export interface FieldContext {
  /** List of the rule (add or delete), undefined when none was given. */
  list: FilterList | undefined;
  syscallAdded: boolean;
  kernel: KernelArch;
  /** A key may follow (a syscall, watch, exe or fstype came first): only -F KEY= in another case reaches here. */
  keyAllowed?: boolean;
}

export type FieldResult =
  | { ok: true; field: RuleField; effects: { arch?: { elf: number; table: SyscallArch }; perm?: boolean; exe?: boolean; fs?: boolean } }
  | { ok: false; message: string };

const isDigit = (s: string, i = 0): boolean => s.length > i && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;
const fail = (message: string): FieldResult => ({ ok: false, message });

export function readField(pair: string, ctx: FieldContext): FieldResult {
  const split = splitPair(pair);
  if (!split) return fail(`-F missing operation for ${pair}`);
  const { name, op, value: v } = split;
  if (name === '') return fail(`-F missing field name before operator for ${pair}`);
  if (v === '') return fail(`-F missing value after operation for ${name}`);
  const info = fieldInfo(name);
  if (!info) return fail(`-F unknown field: ${name}`);
  const list = ctx.list;
  if (list === 'exclude' && !EXCLUDE_FIELDS.has(info.name))
    return fail('Only msgtype, *uid, *gid, pid, and subj* fields can be used with exclude filter');
  const exitOnly = () => fail(`${name} can only be used with exit filter list`);
  // libaudit checks the operator inside each field's case, after the list checks.
  const badOp = (): FieldResult | undefined =>
    info.auditctlOps && !info.auditctlOps.includes(op)
      ? fail(info.auditctlOps.length === 1 ? `${name} only takes = operator` : `${name} only takes = or != operators`)
      : undefined;
  const effects: Extract<FieldResult, { ok: true }>['effects'] = {};
  let value: number | string;
  switch (info.kind) {
    case 'uid':
      if (isDigit(v) || (v.length >= 2 && v[0] === '-' && isDigit(v, 1))) value = cNumber(v);
      else if (v === 'unset') value = UNSET;
      else if (v === 'root') value = 0;
      else return fail(`Unknown user: ${v} (only numbers, unset and root resolve without the target's passwd)`);
      break;
    case 'gid':
      if (isDigit(v)) value = cNumber(v);
      else if (v === 'root') value = 0;
      else return fail(`Unknown group: ${v} (only numbers and root resolve without the target's group file)`);
      break;
    case 'exit':
      if (list !== 'exit') return exitOnly();
      if (isDigit(v) || (v.length >= 2 && v[0] === '-' && isDigit(v, 1))) value = cNumber(v);
      else {
        const neg = v.startsWith('-');
        const n = errnoNumber(neg ? v.slice(1) : v);
        if (!n) return fail(`-F unknown errno - ${name} (${v})`);
        value = (neg ? -n : n) >>> 0;
      }
      break;
    case 'msgtype':
      if (list !== 'exclude' && list !== 'user') return fail('msgtype field can only be used with exclude or user filter list');
      if (isDigit(v)) value = cNumber(v);
      else {
        const n = msgTypeNumber(v);
        if (!n) return fail(`-F unknown message type - ${name} (${v})`);
        value = n;
      }
      break;
    case 'string':
      if (info.exitOnly && list !== 'exit') return exitOnly();
      if (info.name === 'path' || info.name === 'dir') effects.perm = true;
      if (info.name === 'exe') {
        const b = badOp();
        if (b) return b;
        effects.exe = true;
      }
      if (v.length > PATH_MAX) return fail('String value too long');
      value = v;
      break;
    case 'key':
      if (!ctx.keyAllowed) return fail('Key field needs a watch, syscall or exe path given prior to it');
      if (v.length > 256) return fail('String value too long');
      value = v;
      break;
    case 'arch': {
      if (ctx.syscallAdded) return fail(`${name} must be before -S`);
      const b = badOp();
      if (b) return b;
      const r = resolveArch(v, ctx.kernel);
      if (!r.ok) return fail(`${name} ${r.message}`);
      effects.arch = { elf: r.elf, table: r.table };
      value = r.elf;
      break;
    }
    case 'perm': {
      if (list !== 'exit') return exitOnly();
      const b = badOp();
      if (b) return b;
      if (v.length > 4) return fail('String value too long');
      let bits = 0;
      for (const c of v.toLowerCase()) {
        if (!Object.hasOwn(PERM_BITS, c)) return fail("Permission can only contain  'rwxa'");
        bits |= PERM_BITS[c as keyof typeof PERM_BITS];
      }
      value = bits;
      effects.perm = true;
      break;
    }
    case 'filetype':
      if (list !== 'exit') return exitOnly();
      if (!Object.hasOwn(FILE_TYPES, v.toLowerCase())) return fail(`-F unknown file type -  ${name} (${v})`);
      value = FILE_TYPES[v.toLowerCase()]!;
      break;
    case 'fstype':
      if (list !== 'filesystem') return fail(`${name} field is not valid for the filter`);
      {
        const b = badOp();
        if (b) return b;
      }
      if (isDigit(v)) value = cNumber(v);
      else if (Object.hasOwn(FS_TYPES, v.toLowerCase())) value = FS_TYPES[v.toLowerCase()]!;
      else return fail(`file system type is unknown for field: ${name}`);
      effects.fs = true;
      break;
    case 'arg':
      if (isDigit(v) || (v.length >= 2 && v[0] === '-' && isDigit(v, 1))) value = cNumber(v);
      else return fail(`-F value should be number for ${name}`);
      break;
    case 'sessionid':
      if (list !== 'exclude' && list !== 'user' && list !== 'exit') return fail(`${name} must be used with exclude, user, or exit filter`);
      if (isDigit(v) || (v.length >= 2 && v[0] === '-' && isDigit(v, 1))) value = cNumber(v);
      else if (v === 'unset') value = UNSET;
      else value = 0;
      break;
    default: {
      if (info.exitOnly && list !== 'exit') return exitOnly();
      const b = badOp();
      if (b) return b;
      if (info.name === 'saddr_fam') {
        value = cNumber(v);
        if (value >= AF_MAX) return fail(`value is too large for field: ${name}`);
        break;
      }
      if (!isDigit(v)) return fail(`-F value should be number for ${name}`);
      value = cNumber(v);
    }
  }
  return { ok: true, field: { name: info.name, op, value }, effects };
}

/** What the kernel refuses (EINVAL) although auditctl sent it. Returns a reason or undefined. */
export function kernelRejects(field: RuleField, list: FilterList): string | undefined {
  const info = fieldInfo(field.name);
  if (field.compare) return field.op === '=' || field.op === '!=' ? undefined : `-C takes only = or !=`;
  if (!info) return `unknown field ${field.name}`;
  if (list === 'filesystem' && info.name !== 'fstype' && info.name !== 'key') return `field ${field.name} is not valid on the filesystem list`;
  const bit = field.op === '&' || field.op === '&=';
  const legacyAuidUnset = info.name === 'auid' && field.value === UNSET;
  const ops = legacyAuidUnset ? 'eq-ne' : info.kernelOps;
  if (ops === 'no-bit' && bit) return `operator ${field.op} is only for syscall arguments, not ${field.name}`;
  if (ops === 'eq-ne' && field.op !== '=' && field.op !== '!=') return `field ${field.name} takes only = or !=`;
  if (!legacyAuidUnset && (info.kind === 'uid' || info.kind === 'gid') && field.value === UNSET)
    return `${field.name}=${field.value} is not a valid id`;
  if ((info.name === 'path' || info.name === 'dir' || info.name === 'exe') && typeof field.value === 'string') {
    if (!field.value.startsWith('/')) return `${field.name} must be an absolute path`;
    if (info.name !== 'dir' && field.value.endsWith('/')) return `${field.name} must not end in /`;
    if (info.name !== 'exe' && field.op !== '=') return `${field.name} takes only =`;
  }
  return undefined;
}

export { elfTable };

// The -F field table: names auditctl accepts, how it reads their values, which lists they fit,
// and which operators the kernel takes (audit_field_valid); followed from libaudit's fieldtab and auditfilter.c.
import type { FieldOp } from './types.js';

export type FieldKind =
  | 'uid' // number, "unset", user name
  | 'gid' // number or group name
  | 'number' // signed decimal
  | 'unsigned' // printed %u (inode)
  | 'arg' // a0..a3: printed as hex
  | 'exit' // number or -ERRNO name
  | 'msgtype' // message type name or number
  | 'string' // label, path, exe
  | 'key'
  | 'arch'
  | 'perm'
  | 'filetype'
  | 'fstype'
  | 'sessionid';

export interface FieldInfo {
  /** Canonical name (what auditctl -l prints). */
  name: string;
  kind: FieldKind;
  /** auditctl refuses the field outside the exit list (EAU_EXITONLY). */
  exitOnly?: boolean;
  /** auditctl accepts only these operators (libaudit), message EAU_OPEQNOTEQ / EAU_OPEQ. */
  auditctlOps?: readonly FieldOp[];
  /** Operators the kernel accepts (audit_field_valid): others fail with EINVAL when the rule is sent. */
  kernelOps: 'all' | 'no-bit' | 'eq-ne';
}

const EQ_NE: readonly FieldOp[] = ['=', '!='];

const TABLE: Record<string, FieldInfo> = {};
function def(names: string[], info: Omit<FieldInfo, 'name'>): void {
  for (const n of names) TABLE[n] = { name: names[0]!, ...info };
}

def(['pid'], { kind: 'number', kernelOps: 'no-bit' });
def(['uid'], { kind: 'uid', kernelOps: 'no-bit' });
def(['euid'], { kind: 'uid', kernelOps: 'no-bit' });
def(['suid'], { kind: 'uid', kernelOps: 'no-bit' });
def(['fsuid'], { kind: 'uid', kernelOps: 'no-bit' });
def(['gid'], { kind: 'gid', kernelOps: 'no-bit' });
def(['egid'], { kind: 'gid', kernelOps: 'no-bit' });
def(['sgid'], { kind: 'gid', kernelOps: 'no-bit' });
def(['fsgid'], { kind: 'gid', kernelOps: 'no-bit' });
def(['auid', 'loginuid'], { kind: 'uid', kernelOps: 'no-bit' });
def(['pers'], { kind: 'number', kernelOps: 'all' });
def(['arch'], { kind: 'arch', auditctlOps: EQ_NE, kernelOps: 'eq-ne' });
def(['msgtype'], { kind: 'msgtype', kernelOps: 'no-bit' });
for (const n of ['subj_user', 'subj_role', 'subj_type']) def([n], { kind: 'string', kernelOps: 'eq-ne' });
for (const n of ['subj_sen', 'subj_clr']) def([n], { kind: 'string', kernelOps: 'no-bit' });
def(['ppid'], { kind: 'number', exitOnly: true, kernelOps: 'no-bit' });
for (const n of ['obj_user', 'obj_role', 'obj_type']) def([n], { kind: 'string', exitOnly: true, kernelOps: 'eq-ne' });
for (const n of ['obj_lev_low', 'obj_lev_high']) def([n], { kind: 'string', exitOnly: true, kernelOps: 'no-bit' });
def(['sessionid'], { kind: 'sessionid', kernelOps: 'no-bit' });
def(['devmajor'], { kind: 'number', exitOnly: true, kernelOps: 'no-bit' });
def(['devminor'], { kind: 'number', exitOnly: true, kernelOps: 'all' });
def(['inode'], { kind: 'unsigned', exitOnly: true, auditctlOps: EQ_NE, kernelOps: 'no-bit' });
def(['exit'], { kind: 'exit', exitOnly: true, kernelOps: 'no-bit' });
def(['success'], { kind: 'number', exitOnly: true, kernelOps: 'no-bit' });
def(['path'], { kind: 'string', exitOnly: true, kernelOps: 'eq-ne' });
def(['perm'], { kind: 'perm', exitOnly: true, auditctlOps: ['='], kernelOps: 'eq-ne' });
def(['dir'], { kind: 'string', exitOnly: true, kernelOps: 'eq-ne' });
def(['filetype'], { kind: 'filetype', exitOnly: true, kernelOps: 'eq-ne' });
def(['fstype'], { kind: 'fstype', auditctlOps: EQ_NE, kernelOps: 'eq-ne' });
def(['obj_uid'], { kind: 'uid', kernelOps: 'no-bit' });
def(['obj_gid'], { kind: 'gid', kernelOps: 'no-bit' });
for (const n of ['a0', 'a1', 'a2', 'a3']) def([n], { kind: 'arg', kernelOps: 'all' });
def(['key'], { kind: 'key', kernelOps: 'eq-ne' });
def(['exe'], { kind: 'string', auditctlOps: EQ_NE, kernelOps: 'eq-ne' });
def(['saddr_fam'], { kind: 'number', kernelOps: 'no-bit' });

/** libaudit's generated lookups fold case: -F AUID=0 is -F auid=0. */
export function fieldInfo(name: string): FieldInfo | undefined {
  const n = name.toLowerCase();
  return Object.hasOwn(TABLE, n) ? TABLE[n] : undefined;
}

/** Every name auditctl accepts after -F (for generators and help). */
export function fieldNames(): string[] {
  return Object.keys(TABLE);
}

/** Fields the exclude list takes (kernel with the extended exclude feature, as 6.1 has). */
export const EXCLUDE_FIELDS = new Set(['pid', 'uid', 'gid', 'auid', 'msgtype', 'subj_user', 'subj_role', 'subj_type', 'subj_sen', 'subj_clr', 'exe']);

export const FILE_TYPES: Record<string, number> = {
  socket: 0o140000,
  link: 0o120000,
  file: 0o100000,
  block: 0o060000,
  dir: 0o040000,
  character: 0o020000,
  fifo: 0o010000,
};

export const FS_TYPES: Record<string, number> = { tracefs: 0x74726163, debugfs: 0x64626720 };

export const PERM_BITS = { r: 8, w: 2, x: 1, a: 4 } as const; // AUDIT_PERM_READ/WRITE/EXEC/ATTR

/** `-C` comparisons the kernel knows, as auditctl -l prints them (left, right). */
const COMPARISONS: Array<[string, string]> = [
  ['uid', 'obj_uid'], ['gid', 'obj_gid'], ['euid', 'obj_uid'], ['egid', 'obj_gid'], ['auid', 'obj_uid'],
  ['suid', 'obj_uid'], ['sgid', 'obj_gid'], ['fsuid', 'obj_uid'], ['fsgid', 'obj_gid'], ['uid', 'auid'],
  ['uid', 'euid'], ['uid', 'fsuid'], ['uid', 'suid'], ['auid', 'fsuid'], ['auid', 'suid'], ['auid', 'euid'],
  ['euid', 'suid'], ['euid', 'fsuid'], ['suid', 'fsuid'], ['gid', 'egid'], ['gid', 'fsgid'], ['gid', 'sgid'],
  ['egid', 'fsgid'], ['egid', 'sgid'], ['sgid', 'fsgid'],
];

/** The kernel comparison (AUDIT_COMPARE_*, 1-based) for two field names in either order, as libaudit pairs them. */
export function comparisonFor(a: string, b: string): { value: number; left: string; right: string } | undefined {
  for (let i = 0; i < COMPARISONS.length; i++) {
    const [l, r] = COMPARISONS[i]!;
    if ((l === a && r === b) || (l === b && r === a)) return { value: i + 1, left: l, right: r };
  }
  return undefined;
}

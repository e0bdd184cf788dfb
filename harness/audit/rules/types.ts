// Data model of the auditctl rule language: what one rules-file line means once auditctl has parsed it,
// kept close to the kernel's struct audit_rule_data so rendering can follow auditctl -l.
import type { SyscallArch } from '../syscalls/index.js';

/** The kernel the rules are loaded into (`uname -m`): decides what b32/b64 and syscall names mean. */
export type KernelArch = 'x86_64' | 'i686';

export type FilterList = 'task' | 'exit' | 'user' | 'exclude' | 'filesystem';
export type RuleAction = 'always' | 'never';
export type FieldOp = '=' | '!=' | '<' | '>' | '<=' | '>=' | '&' | '&=';

export interface SourcePos {
  file: string;
  line: number;
  /** 1-based column of the token the problem is about. */
  column: number;
}

export interface RuleError extends SourcePos {
  severity: 'error' | 'warning';
  message: string;
}

/** One field of a rule as the kernel stores it: a number (u32) or a string (path, key, exe, labels). */
export interface RuleField {
  name: string;
  op: FieldOp;
  value: number | string;
  /** For `-C`: the comparison as auditctl prints it, e.g. `uid!=auid` (op included). */
  compare?: { left: string; right: string };
}

/** A syscall rule or a watch (`-w` is an exit-list rule with a path and perm field and every syscall). */
export interface AuditRule {
  kind: 'rule';
  /** -a / -A / -w add a rule, -d / -W delete one. */
  op: 'add' | 'delete';
  /** -A: inserted at the head of its list. */
  prepend: boolean;
  list: FilterList;
  action: RuleAction;
  /** Syscall numbers (sorted) in the table of `syscallTable`, or every syscall. `undefined` on lists without syscalls. */
  syscalls: 'all' | number[] | undefined;
  /** Table the numbers belong to: the rule's arch, else the kernel's own. */
  syscallTable: SyscallArch;
  /** Fields in the order the kernel keeps them; the key (all -k and -F key= joined) is last. */
  fields: RuleField[];
  /** Keys of the rule in order (the kernel keeps them joined by \x01 in one field). */
  keys: string[];
  pos: SourcePos;
  text: string;
}

/** The non-rule commands a rules file may hold. */
export type ControlCommand =
  | { kind: 'delete-all'; key?: string; pos: SourcePos; text: string }
  | { kind: 'backlog'; value: number; pos: SourcePos; text: string }
  | { kind: 'failure'; value: 0 | 1 | 2; pos: SourcePos; text: string }
  | { kind: 'enable'; value: 0 | 1 | 2; pos: SourcePos; text: string }
  | { kind: 'rate'; value: number; pos: SourcePos; text: string }
  | { kind: 'backlog-wait-time'; value: number; pos: SourcePos; text: string }
  | { kind: 'loginuid-immutable'; pos: SourcePos; text: string }
  | { kind: 'ignore-errors'; continueOnError: boolean; pos: SourcePos; text: string };

export type RuleLine = AuditRule | ControlCommand;

export interface ParseResult {
  rules: RuleLine[];
  errors: RuleError[];
}

export interface ParseOptions {
  /** Kernel the rules are meant for; default x86_64. */
  kernelArch?: KernelArch;
}

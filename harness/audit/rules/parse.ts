// One rules-file line -> rules and commands, following auditctl 3.0.9's setopt() and handle_request():
// options are taken in order, the first error ends the line (as auditctl does), keys are joined and
// added last, exit-list rules without -S get every syscall. Errors are values with file, line and column.
import type { SyscallArch } from '../syscalls/index.js';
import { cNumber, kernelTable } from './arch.js';
import { comparisonFor, fieldInfo } from './fields.js';
import { ruleSetup } from './list-action.js';
import { syscallByName } from './syscall-names.js';
import { kernelRejects, readField } from './field-value.js';
import { getopt } from './getopt.js';
import type { Opt } from './getopt.js';
import { splitLines, tokenizeLine } from './tokenize.js';
import type { AuditRule, ControlCommand, FilterList, KernelArch, ParseOptions, ParseResult, RuleAction, RuleError, RuleField, RuleLine } from './types.js';

const MAX_FIELDS = 64;
const KEY_MAX = 256;

interface LineState {
  add?: FilterList;
  del?: FilterList;
  prepend: boolean;
  action?: RuleAction;
  multiple: number;
  elf?: number;
  table?: SyscallArch;
  syscallAdded: boolean;
  permAdded: boolean;
  exeAdded: boolean;
  fsAdded: boolean;
  mask: Set<number> | 'all';
  fields: RuleField[];
  keys: string[];
}

export interface LineResult {
  items: RuleLine[];
  errors: RuleError[];
}

export function parseRuleLine(read: string, file: string, lineNo: number, kernel: KernelArch = 'x86_64'): LineResult {
  const errors: RuleError[] = [];
  const items: RuleLine[] = [];
  const at = (column: number) => ({ file, line: lineNo, column });
  const err = (column: number, message: string) => errors.push({ ...at(column), severity: 'error', message });
  const warn = (column: number, message: string) => errors.push({ ...at(column), severity: 'warning', message });
  // fgets keeps NUL bytes, but auditctl then reads the line as a C string: it ends at the first one.
  const nul = read.indexOf('\0');
  const line = nul < 0 ? read : read.slice(0, nul);
  if (nul >= 0 && !/^ *#/.test(line)) warn(nul + 1, 'NUL byte: auditctl ends the line here and ignores the rest of it (a UTF-16 file, or binary data?)');
  const tok = tokenizeLine(line);
  if (tok.kind === 'skip') return { items, errors };
  const words = tok.tokens;
  const bom = line.indexOf('\uFEFF');
  if (bom === 0) warn(1, `byte order mark (U+FEFF, bytes EF BB BF) at the start of the line: auditctl reads it as part of the first word, so "${words[0]!.text.replace(/\uFEFF/g, '')}" is neither an option nor a comment to it; save the file as UTF-8 without a BOM`);
  else if (bom > 0) warn(bom + 1, 'byte order mark (U+FEFF, bytes EF BB BF) inside the line: auditctl reads its bytes as part of the word');
  if (line.length >= 6143) warn(1, 'line longer than auditctl reads at once (6143 characters): it splits it into several lines');
  if (line.includes('\t')) warn(line.indexOf('\t') + 1, 'tab character: auditctl separates words only by spaces, the tab stays inside a word');
  if (line.includes('\r')) warn(line.indexOf('\r') + 1, 'carriage return in line: auditctl keeps it as part of the last word');

  const g = getopt(words);
  const st: LineState = {
    prepend: false, multiple: 0, syscallAdded: false, permAdded: false, exeAdded: false, fsAdded: false, mask: new Set(), fields: [], keys: [],
  };
  let failed = false;
  let stopped = false; // auditctl's loop ends on retval -2 (no-reply commands)
  let sendRule = false;
  const control = (c: ControlCommand) => items.push(c);
  const pos = (o: Opt) => at(o.column);

  for (const o of g.opts) {
    if (failed || stopped) break;
    const arg = o.arg ?? '';
    const ac = o.argColumn ?? o.column;
    switch (o.name) {
      case 'a':
      case 'A':
      case 'd': {
        const isDel = o.name === 'd';
        if (!isDel && arg.includes('task') && st.syscallAdded) {
          err(ac, o.name === 'a' ? 'Syscall auditing requested for task list' : 'Error: syscall auditing requested for task list');
          failed = true;
          break;
        }
        if (++st.multiple !== 1) {
          err(o.column, 'Multiple rule insert/delete operations are not allowed');
          failed = true;
          break;
        }
        const r = ruleSetup(arg, isDel ? st.del : st.add);
        const what = o.name === 'a' ? 'Append rule' : o.name === 'A' ? 'Add rule' : 'Delete rule';
        if (r === 'bad') {
          err(ac, `${what} - bad keyword ${arg}`);
          failed = true;
        } else if (r === 'possible') {
          warn(ac, `${what === 'Delete rule' ? 'Delete rule' : 'Append rule'} - possible is deprecated (line ignored)`);
          return { items: [], errors };
        } else {
          if (isDel) st.del = r.list;
          else st.add = r.list;
          st.action = r.action;
          if (o.name === 'A') st.prepend = true;
          sendRule = true;
        }
        break;
      }
      case 'S': {
        const list = st.add ?? st.del;
        if (list === 'task') { err(o.column, 'Error: syscall auditing being added to task list'); failed = true; break; }
        if (list === 'user') { err(o.column, 'Error: syscall auditing being added to user list'); failed = true; break; }
        if (list === 'filesystem') { err(o.column, 'Error: syscall auditing being added to filesystem list'); failed = true; break; }
        if (list === 'exclude') { err(o.column, 'Error: syscall auditing cannot be put on exclude list'); failed = true; break; }
        const unknownArch = st.table === undefined;
        if (unknownArch) st.table = kernelTable(kernel);
        const table = st.table!;
        const names = arg.includes(',') ? arg.split(',').filter((n) => n !== '') : [arg];
        let offset = 0;
        for (const n of names) {
          const nr = syscallByName(table, n);
          const col = ac + arg.indexOf(n, offset);
          offset = arg.indexOf(n, offset) + n.length;
          if (nr === undefined) {
            err(col, `Syscall name unknown: ${n} (not in the ${table} table${unknownArch ? ', the kernel\'s own: the rule gives no arch' : ''})`);
            failed = true;
            break;
          }
          if (nr === 'all') st.mask = 'all';
          else if (st.mask !== 'all') st.mask.add(nr);
        }
        if (failed) break;
        st.syscallAdded = true;
        if (unknownArch && st.add !== undefined && kernel === 'x86_64') {
          // auditctl compares the names in the i386 table with what it set (check_rule_mismatch).
          const other = new Set<number>();
          let otherAll = false;
          for (const n of names) {
            const nr = syscallByName('i386', n);
            if (nr === 'all') otherAll = true;
            else if (nr !== undefined) other.add(nr);
          }
          const same = st.mask === 'all' ? otherAll : !otherAll && other.size === st.mask.size && [...other].every((x) => (st.mask as Set<number>).has(x));
          if (!same) warn(o.column, `WARNING - 32/64 bit syscall mismatch in line ${lineNo}, you should specify an arch`);
        }
        break;
      }
      case 'F': {
        const list = st.add ?? st.del;
        if (list === undefined) { err(o.column, 'List must be given before field'); failed = true; break; }
        if (arg.startsWith('key=')) {
          failed = !addKey(arg.slice(4), ac + 4);
          break;
        }
        if (st.fields.length >= MAX_FIELDS - 1) { err(ac, `Too many fields in rule: ${arg}`); failed = true; break; }
        const r = readField(arg, { list, syscallAdded: st.syscallAdded, kernel, keyAllowed: st.syscallAdded || st.permAdded || st.exeAdded || st.fsAdded });
        if (!r.ok) { err(ac, r.message); failed = true; break; }
        st.fields.push(r.field);
        if (r.effects.arch) { st.elf = r.effects.arch.elf; st.table = r.effects.arch.table; }
        if (r.effects.perm) st.permAdded = true;
        if (r.effects.exe) st.exeAdded = true;
        if (r.effects.fs) st.fsAdded = true;
        break;
      }
      case 'C': {
        const list = st.add ?? st.del;
        const m = /^(.*?)(!=|=)(.*)$/s.exec(arg);
        if (!m) { err(ac, `${arg} only takes = or != operators`); failed = true; break; }
        const [, l, op, r] = m as unknown as [string, string, '=' | '!=', string];
        if (l === '') { err(ac, `-C missing field name before operator for ${arg}`); failed = true; break; }
        if (r === '') { err(ac, `-C missing value after operation for ${l}`); failed = true; break; }
        const li = fieldInfo(l);
        const ri = fieldInfo(r);
        if (!li) { err(ac, `-C unknown field: ${l}`); failed = true; break; }
        if (!ri) { err(ac, `-C unknown right hand value for comparison with: ${r}`); failed = true; break; }
        if (list !== 'exit') { err(ac, `${l} can only be used with exit filter list`); failed = true; break; }
        const c = comparisonFor(li.name, ri.name);
        if (!c) { err(ac, `-C incompatible comparison ${l}`); failed = true; break; }
        st.fields.push({ name: 'field_compare', op, value: c.value, compare: { left: c.left, right: c.right } });
        break;
      }
      case 'w':
      case 'W': {
        if (o.name === 'w' && (st.add !== undefined || st.del !== undefined)) { err(o.column, "watch option can't be given with a syscall"); failed = true; break; }
        if (o.name === 'w') st.add = 'exit';
        else st.del = 'exit';
        st.action = 'always';
        st.syscallAdded = true;
        let p = arg;
        if (p.length >= 4096) { err(ac, 'The path passed for the watch is too big'); failed = true; break; }
        if (!p.startsWith('/')) { err(ac, "The path must start with '/'"); failed = true; break; }
        const base = p.replace(/\/+$/, '').split('/').pop() ?? '';
        if (base.length > 255) { err(ac, 'The base name of the path is too big'); failed = true; break; }
        if (p.includes('..')) warn(ac, 'Warning - relative path notation is not supported');
        if (p.includes('*') || p.includes('?')) warn(ac, 'Warning - wildcard notation is not supported');
        if (p.length > 2 && p.endsWith('/')) p = p.replace(/\/+$/, '') || '/';
        if (st.fields.length > 0) { err(o.column, 'Rule is not empty'); failed = true; break; }
        st.mask = 'all';
        st.fields.push({ name: 'path', op: '=', value: p }, { name: 'perm', op: '=', value: 15 });
        st.permAdded = true;
        sendRule = true;
        break;
      }
      case 'k': {
        if (!(st.syscallAdded || st.permAdded || st.exeAdded || st.fsAdded) || (st.add === undefined && st.del === undefined)) {
          err(o.column, 'key option needs a watch or syscall given prior to it');
          failed = true;
          break;
        }
        failed = !addKey(arg, ac);
        break;
      }
      case 'p': {
        if (st.add === undefined && st.del === undefined) { err(o.column, 'permission option needs a watch given prior to it'); failed = true; break; }
        if (arg.length > 4) { err(ac, `permission ${arg} is too long`); failed = true; break; }
        let bits = 0;
        const BITS: Record<string, number> = { r: 8, w: 2, x: 1, a: 4 };
        for (const c of arg) {
          const b = BITS[c.toLowerCase()];
          if (b === undefined) { err(ac, `Permission ${c} isn't supported`); failed = true; break; }
          bits |= b;
        }
        if (failed) break;
        if (st.fields.length < 1) { err(o.column, 'Permissions should be preceeded by other fields'); failed = true; break; }
        let done = false;
        for (const f of st.fields) if (f.name === 'perm') { f.value = bits; done = true; }
        if (!done) st.fields.push({ name: 'perm', op: '=', value: bits });
        st.permAdded = true;
        break;
      }
      case 'D': {
        const rest = words.length - 1;
        if (rest === 0) control({ kind: 'delete-all', pos: pos(o), text: line });
        else if (rest === 2 && words[1]!.text === '-k') control({ kind: 'delete-all', key: words[2]!.text, pos: pos(o), text: line });
        else { err(o.column, rest === 2 ? 'Only the -k option is allowed' : 'Wrong number of options for Delete all request'); failed = true; break; }
        stopped = true;
        break;
      }
      case 'e':
      case 'f': {
        if (arg === '0' || arg === '1' || arg === '2') control({ kind: o.name === 'e' ? 'enable' : 'failure', value: Number(arg) as 0 | 1 | 2, pos: pos(o), text: line });
        else { err(ac, `${o.name === 'e' ? 'Enable' : 'Failure'} must be 0, 1, or 2 was ${arg}`); failed = true; }
        break;
      }
      case 'b':
      case 'r':
      case 'backlog_wait_time': {
        const label = o.name === 'b' ? 'Backlog' : o.name === 'r' ? 'Rate' : 'Backlog_wait_time';
        if (!/^[0-9]/.test(arg)) { err(ac, `${label} must be a numeric value was ${arg}`); failed = true; break; }
        const value = cNumber(arg);
        control({ kind: o.name === 'b' ? 'backlog' : o.name === 'r' ? 'rate' : 'backlog-wait-time', value, pos: pos(o), text: line } as ControlCommand);
        break;
      }
      case 'loginuid-immutable':
        control({ kind: 'loginuid-immutable', pos: pos(o), text: line });
        stopped = true;
        break;
      case 'i':
      case 'c':
        control({ kind: 'ignore-errors', continueOnError: o.name === 'c', pos: pos(o), text: line });
        stopped = true;
        break;
      case 'R':
        err(o.column, 'Error - nested rule files not supported');
        failed = true;
        break;
      case 'h':
        err(o.column, 'Option -h prints the usage and fails');
        failed = true;
        break;
      case 'l':
      case 's':
      case 'v':
      case 'm':
      case 't':
      case 'q':
      case 'signal':
      case 'reset-lost':
      case 'reset_backlog_wait_time_actual':
        warn(o.column, `option ${o.name.length === 1 ? '-' : '--'}${o.name} changes no rules: audit-harness ignores it`);
        stopped = true;
        break;
      default:
        err(o.column, `Option ${o.name} is invalid`);
        failed = true;
    }
  }

  function addKey(k: string, column: number): boolean {
    const joined = st.keys.join('\x01');
    if (k.length + joined.length + (joined ? 1 : 0) > KEY_MAX) { err(column, 'key option exceeds size limit'); return false; }
    if (k.includes('\x01')) warn(column, `key ${k} has illegal character`);
    st.keys.push(k);
    return true;
  }

  if (!failed && g.error) { err(g.error.column, g.error.message); failed = true; }
  if (!failed && !stopped && g.stray.length > 0) { err(g.stray[0]!.column, 'parameter passed without an option given'); failed = true; }
  if (failed) return { items: [], errors };

  // The key goes in last, as one field (auditctl's end-of-setopt step).
  const list = st.add ?? st.del;
  if (st.keys.length > 0 && list !== undefined) {
    const keyCol = words[0]!.column;
    if (!(st.syscallAdded || st.permAdded || st.exeAdded || st.fsAdded)) {
      err(keyCol, 'Key field needs a watch, syscall or exe path given prior to it');
      return { items: [], errors };
    }
    if (list === 'exclude') {
      err(keyCol, 'Only msgtype, *uid, *gid, pid, and subj* fields can be used with exclude filter');
      return { items: [], errors };
    }
    st.fields.push({ name: 'key', op: '=', value: st.keys.join('\x01') });
  }
  if (!sendRule) {
    if (st.syscallAdded && !stopped && items.length === 0) err(words[0]!.column, 'Error - no list specified');
    return { items: errors.some((e) => e.severity === 'error') ? [] : items, errors };
  }

  const table = st.table ?? kernelTable(kernel);
  let syscalls: AuditRule['syscalls'];
  if (list === 'exit') syscalls = !st.syscallAdded || st.mask === 'all' ? 'all' : [...st.mask].sort((a, b) => a - b);
  else syscalls = undefined;
  const rule: AuditRule = {
    kind: 'rule',
    op: st.add !== undefined ? 'add' : 'delete',
    prepend: st.prepend,
    list: list!,
    action: st.action ?? 'always',
    syscalls,
    syscallTable: table,
    fields: st.fields,
    keys: st.keys,
    pos: at(words[0]!.column),
    text: line,
  };
  // What the kernel answers EINVAL to.
  for (const f of rule.fields) {
    const why = kernelRejects(f, rule.list);
    if (why) {
      err(words[0]!.column, `Error sending ${rule.op} rule data request (Invalid argument): ${why}`);
      return { items: [], errors };
    }
  }
  if (rule.fields.filter((f) => f.name === 'key').length > 1) {
    err(words[0]!.column, `Error sending ${rule.op} rule data request (Invalid argument): only one key field per rule (-F KEY= is not -F key=)`);
    return { items: [], errors };
  }
  const watches = rule.fields.filter((f) => f.name === 'path' || f.name === 'dir' || f.name === 'inode');
  if (watches.length > 1) {
    err(words[0]!.column, `Error sending ${rule.op} rule data request (Invalid argument): only one path, dir or inode per rule`);
    return { items: [], errors };
  }
  items.push(rule);
  return { items, errors };
}

/** Parse a whole rules file (auditctl -R format). Every line is checked; errors never throw. */
export function parseRulesText(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const kernel = options.kernelArch ?? 'x86_64';
  const rules: RuleLine[] = [];
  const errors: RuleError[] = [];
  splitLines(text).forEach((line, i) => {
    const r = parseRuleLine(line, file, i + 1, kernel);
    rules.push(...r.items);
    errors.push(...r.errors);
  });
  return { rules, errors };
}

/** Problems a rule set has on a kernel (x86_64 or i686): empty when auditctl would load all of it. */
export function rulesErrorsForArch(text: string, file: string, kernelArch: KernelArch): RuleError[] {
  return parseRulesText(text, file, { kernelArch }).errors.filter((e) => e.severity === 'error');
}

/** Whether auditctl on that kernel loads every line of the rule set without an error. */
export function rulesApplyTo(text: string, file: string, kernelArch: KernelArch): boolean {
  return rulesErrorsForArch(text, file, kernelArch).length === 0;
}

// What `auditctl -R FILE` leaves in the kernel and what `auditctl -l` then lists: lines run in order,
// the first failing line ends the load (unless the file said -i or -c), duplicates fail with EEXIST,
// -D empties the lists, -e 2 locks everything after it, and the listing walks the kernel's filter lists
// in their numeric order (user, task, exit, exclude, filesystem), -A rules at the head of theirs.
// The kernel clears -A's prepend flag after inserting, so a later -a of the same rule fails with EEXIST
// while an -A of a rule already there is accepted (audit_add_rule, audit_compare_rule).
import { parseRuleLine } from './parse.js';
import { renderRule } from './render.js';
import { RuleList } from './rule-list.js';
import { splitLines } from './tokenize.js';
import type { AuditRule, FilterList, KernelArch, RuleError } from './types.js';

const LIST_ORDER: readonly FilterList[] = ['user', 'task', 'exit', 'exclude', 'filesystem'];

/** Messages only loading produces (the kernel's answers to a well-formed line). */
export function isLoadOnlyError(e: RuleError): boolean {
  return /\(Rule exists\)|\(No such file or directory\)|immutable mode/.test(e.message);
}

export interface LoadResult {
  /** Rules in the order auditctl -l lists them. */
  rules: AuditRule[];
  errors: RuleError[];
  /** Line auditctl stopped at (the first error), if it stopped. */
  stoppedAt?: { file: string; line: number };
  settings: { enabled?: number; failure?: number; backlogLimit?: number; rateLimit?: number; backlogWaitTime?: number; loginuidImmutable?: boolean };
}

/** Identity of a rule as the kernel compares them (audit_compare_rule): everything but the source. */
function identity(r: AuditRule): string {
  return renderRule({ ...r, op: 'add', prepend: false });
}

export function auditctlLoad(text: string, file: string, kernelArch: KernelArch = 'x86_64', mapLine?: (line: number) => { file: string; line: number } | undefined): LoadResult {
  const lists = new Map<FilterList, RuleList>(LIST_ORDER.map((l) => [l, new RuleList()]));
  const errors: RuleError[] = [];
  const settings: LoadResult['settings'] = {};
  let ignore = false;
  let stoppedAt: LoadResult['stoppedAt'];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const where = mapLine?.(i + 1) ?? { file, line: i + 1 };
    const r = parseRuleLine(lines[i]!, where.file, where.line, kernelArch);
    errors.push(...r.errors);
    let failed = r.errors.some((e) => e.severity === 'error');
    const fail = (message: string) => {
      errors.push({ file: where.file, line: where.line, column: 1, severity: 'error', message });
      failed = true;
    };
    if (!failed) {
      for (const item of r.items) {
        const locked = settings.enabled === 2 && item.kind !== 'ignore-errors';
        if (locked) {
          fail('Operation not permitted: the audit system is in immutable mode (-e 2), no changes allowed');
          break;
        }
        switch (item.kind) {
          case 'rule': {
            const list = lists.get(item.list)!;
            const id = identity(item);
            if (item.op === 'add') {
              // Stored rules have the prepend flag cleared, so an -A rule never equals one (no EEXIST for it).
              if (!item.prepend && list.has(id)) fail('Error sending add rule data request (Rule exists)');
              else list.add(item, id, item.prepend);
            } else if (!list.delete(id)) fail('Error sending delete rule data request (No such file or directory)');
            break;
          }
          case 'delete-all':
            for (const list of lists.values()) {
              if (item.key === undefined) list.clear();
              else list.retain((x) => !x.keys.some((k) => k.includes(item.key!)));
            }
            break;
          case 'enable': settings.enabled = item.value; break;
          case 'failure': settings.failure = item.value; break;
          case 'backlog': settings.backlogLimit = item.value; break;
          case 'rate': settings.rateLimit = item.value; break;
          case 'backlog-wait-time': settings.backlogWaitTime = item.value; break;
          case 'loginuid-immutable': settings.loginuidImmutable = true; break;
          case 'ignore-errors': ignore = true; break;
        }
      }
    }
    if (failed && !ignore) {
      errors.push({ file: where.file, line: where.line, column: 1, severity: 'error', message: `There was an error in line ${where.line} of ${where.file}: auditctl -R stops here` });
      stoppedAt = { file: where.file, line: where.line };
      break;
    }
  }
  return { rules: LIST_ORDER.flatMap((l) => lists.get(l)!.rules()), errors, stoppedAt, settings };
}

/** The full text `auditctl -l` prints for loaded rules. */
export function renderListing(rules: readonly AuditRule[]): string {
  if (rules.length === 0) return 'No rules\n';
  // auditctl-listing.c keeps the last printed arch (_audit_elf) from rule to rule within one listing.
  let elf: number | undefined;
  return rules.map((r) => {
    const line = `${renderRule(r, elf)}\n`;
    const arch = r.fields.find((f) => f.name === 'arch');
    if (arch && typeof arch.value === 'number') elf = arch.value;
    return line;
  }).join('');
}

// The argument of -a/-A/-d: "list,action" or "action,list", as auditctl's audit_rule_setup reads it
// (exact, case-sensitive names; "possible" is deprecated and the line is dropped).
import type { FilterList, RuleAction } from './types.js';

const LISTS: readonly FilterList[] = ['task', 'exit', 'user', 'exclude', 'filesystem'];

function lookupAction(s: string): RuleAction | 'possible' | undefined {
  return s === 'always' || s === 'never' || s === 'possible' ? s : undefined;
}
function lookupList(s: string): FilterList | undefined {
  return (LISTS as readonly string[]).includes(s) ? (s as FilterList) : undefined;
}

/** auditctl's audit_rule_setup: "list,action" or "action,list". */
export function ruleSetup(arg: string, current: FilterList | undefined): { list: FilterList; action: RuleAction } | 'bad' | 'possible' {
  const parts = arg.split(',');
  if (parts.length !== 2) return 'bad';
  const [a, b] = parts as [string, string];
  let list = current;
  let action: RuleAction | 'possible' | undefined = lookupAction(a);
  if (!action) {
    const l = lookupList(a);
    if (!l) return 'bad';
    list = l;
  }
  if (list === undefined) list = lookupList(b);
  else {
    const act = lookupAction(b);
    if (!act) return 'bad';
    action = act;
  }
  if (action === 'possible') return 'possible';
  if (list === undefined || action === undefined) return 'bad';
  return { list, action };
}


// One kernel filter list as auditctl -R fills it: rules in list order, with an index by identity so the
// kernel's duplicate check (audit_find_rule) and a delete's search cost no walk of the list.
// Copies of one identity exist only through -A (a prepend never equals a stored rule), and a copy always
// goes to the head, so among equal rules the one added last comes first in the list: the one -d removes.
import type { AuditRule } from './types.js';

interface Node {
  rule: AuditRule;
  id: string;
  prev?: Node;
  next?: Node;
}

export class RuleList {
  private head?: Node;
  private tail?: Node;
  /** Per identity, its copies in the order they were added (the last is the first in the list). */
  private readonly byId = new Map<string, Node[]>();

  has(id: string): boolean {
    return this.byId.has(id);
  }

  add(rule: AuditRule, id: string, atHead: boolean): void {
    const node: Node = { rule, id };
    if (atHead) {
      node.next = this.head;
      if (this.head) this.head.prev = node;
      else this.tail = node;
      this.head = node;
    } else {
      node.prev = this.tail;
      if (this.tail) this.tail.next = node;
      else this.head = node;
      this.tail = node;
    }
    const copies = this.byId.get(id);
    if (copies) copies.push(node);
    else this.byId.set(id, [node]);
  }

  /** Removes the first rule of that identity in list order; false when there is none. */
  delete(id: string): boolean {
    const copies = this.byId.get(id);
    const node = copies?.pop();
    if (!node) return false;
    if (copies!.length === 0) this.byId.delete(id);
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    return true;
  }

  /** Keeps only the rules `keep` accepts, in their order (-D, -D -k). */
  retain(keep: (r: AuditRule) => boolean): void {
    const kept: Node[] = [];
    for (let n = this.head; n; n = n.next) if (keep(n.rule)) kept.push(n);
    this.clear();
    for (const n of kept) this.add(n.rule, n.id, false);
    // Re-added in list order, each identity's copies are now first-in-list first: put the first one last.
    for (const copies of this.byId.values()) copies.reverse();
  }

  clear(): void {
    this.head = undefined;
    this.tail = undefined;
    this.byId.clear();
  }

  rules(): AuditRule[] {
    const out: AuditRule[] = [];
    for (let n = this.head; n; n = n.next) out.push(n.rule);
    return out;
  }
}

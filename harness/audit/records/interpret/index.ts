// Per-field interpretation as `ausearch -i` (audit-userspace 3.0.9, auparse) prints it.
import type { AuditEvent, AuditRecord } from '../types.js';

export interface InterpretContext {
  record: AuditRecord;
  event: AuditEvent;
}

/** The text `ausearch -i` prints for field `name` whose raw logged value is `value`. */
export function interpretField(ctx: InterpretContext, name: string, value: string): string {
  void ctx;
  void name;
  return value;
}

/** Every field of `record` with its interpreted value, in logged order. */
export function interpretRecord(record: AuditRecord, event: AuditEvent): Array<{ name: string; value: string }> {
  const ctx = { record, event };
  return record.fields.map((f) => ({ name: f.name, value: interpretField(ctx, f.name, f.value) }));
}

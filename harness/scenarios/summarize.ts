// One line per logged event for reports: syscall name from the event's own arch, key unquoted, record types.
import type { AuditEvent, AuditRecord } from '../audit/records/types.js';
import { syscallName } from '../audit/syscalls/index.js';
import type { StepResult } from './result.js';

function field(r: AuditRecord | undefined, name: string): string | undefined {
  return r?.fields.find((f) => f.name === name)?.value;
}

export function summarizeEvents(events: AuditEvent[]): StepResult['logged'] {
  return events.map((e) => {
    const sys = e.records.find((r) => r.type === 'SYSCALL');
    // arch=40000003 is a 32-bit caller (i386 table) on either kernel.
    const arch = field(sys, 'arch') === '40000003' ? 'i386' : 'x86_64';
    const nr = field(sys, 'syscall');
    const key = field(sys, 'key')?.replace(/^"(.*)"$/, '$1');
    return {
      ...(nr !== undefined ? { syscall: syscallName(arch, Number(nr)) ?? nr } : {}),
      ...(key !== undefined && key !== '(null)' ? { key } : {}),
      types: e.records.map((r) => r.type),
      serial: e.serial,
    };
  });
}

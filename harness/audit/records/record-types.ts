// Record type name <-> number, as libaudit names them (audit_msg_type_to_name / audit_name_to_msg_type).
import { RECORD_TYPES } from './type-table.js';

const byNumber = new Map<number, string>();
const byName = new Map<string, number>();
for (const [n, name] of RECORD_TYPES) {
  byNumber.set(n, name);
  byName.set(name, n);
}

export const AUDIT_DAEMON_START = 1200;
export const AUDIT_SYSCALL = 1300;
export const AUDIT_FIRST_EVENT = 1300;
export const AUDIT_EOE = 1320;
export const AUDIT_PROCTITLE = 1327;
export const AUDIT_MAC_UNLBL_ALLOW = 1406;
export const AUDIT_MAC_CALIPSO_DEL = 1419;
export const AUDIT_KERNEL = 2000;
export const AUDIT_FIRST_ANOM_MSG = 2100;

export function recordTypeName(n: number): string | undefined {
  return byNumber.get(n);
}

/**
 * Like libaudit's audit_name_to_msg_type: a known name, `UNKNOWN[1334]`, or a plain number.
 * Returns -1 when the text names no type.
 */
export function recordTypeNumber(name: string): number {
  const known = byName.get(name);
  if (known !== undefined) return known;
  let digits = name;
  if (name.startsWith('UNKNOWN[') && name.endsWith(']')) digits = name.slice(8, -1);
  if (/^\d+$/.test(digits)) return Number(digits);
  return -1;
}

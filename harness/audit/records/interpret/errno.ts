// exit= of SYSCALL: negative values are errnos, shown as NAME(strerror text).
import { conversionError, ERANGE, strtol, toInt } from './cnum.js';
import { T } from './tables.js';

export function strerror(n: number): string {
  return T.strerror.get(n) ?? `Unknown error ${n}`;
}

export function printExit(val: string): string {
  const v = strtol(val, 10);
  if (v === ERANGE) return conversionError(val);
  if (v >= 0n) return val;
  const e = toInt(-v);
  // audit_errno_to_name gives NULL for unknown numbers, which printf shows as (null)
  const name = e < 0 ? undefined : T.err.get(e);
  return `${name ?? '(null)'}(${strerror(e)})`;
}

// exit= of SYSCALL: negative values are errnos, shown as NAME(strerror text).
import { conversionError, ERANGE, plainNumber, strtol, toInt } from './cnum.js';
import { T } from './tables.js';

export function strerror(n: number): string {
  return T.strerror.get(n) ?? `Unknown error ${n}`;
}

export function printExit(val: string): string {
  // Common case: a plain negative number, no BigInt needed.
  if (val.charCodeAt(0) === 45 /* - */) {
    const f = plainNumber(val.slice(1), 10);
    if (f === 0) return val;
    if (f > 0) return errnoText(f | 0);
  } else if (plainNumber(val, 10) >= 0) {
    return val;
  }
  const v = strtol(val, 10);
  if (v === ERANGE) return conversionError(val);
  if (v >= 0n) return val;
  return errnoText(toInt(-v));
}

function errnoText(e: number): string {
  // audit_errno_to_name gives NULL for unknown numbers, which printf shows as (null)
  const name = e < 0 ? undefined : T.err.get(e);
  return `${name ?? '(null)'}(${strerror(e)})`;
}

// C number conversions as glibc's strtoul/strtol/strtoll do them on an LP64 host:
// leading blanks, optional sign, longest digit prefix (no digits -> 0), overflow -> ERANGE.

export const ERANGE = Symbol('ERANGE');
type Result = bigint | typeof ERANGE;

const U64 = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function digit(c: number, base: number): number {
  let d = 99;
  if (c >= 48 && c <= 57) d = c - 48;
  else if (c >= 97 && c <= 122) d = c - 87;
  else if (c >= 65 && c <= 90) d = c - 55;
  return d < base ? d : -1;
}

interface Scan {
  neg: boolean;
  mag: bigint;
  over: boolean;
}

function scan(s: string, base: number): Scan {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const hexPrefix = s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && digit(s.charCodeAt(i + 2), 16) >= 0;
  // base 0: 0x… is hex, 0… octal, anything else decimal
  if (base === 0) base = hexPrefix ? 16 : s[i] === '0' ? 8 : 10;
  if (base === 16 && hexPrefix) i += 2;
  // Fast path: short numbers fit a double exactly.
  let start = i;
  let n = 0;
  while (i < s.length && i - start < 12) {
    const d = digit(s.charCodeAt(i), base);
    if (d < 0) return { neg, mag: BigInt(n), over: false };
    n = n * base + d;
    i++;
  }
  let mag = BigInt(n);
  const b = BigInt(base);
  let over = false;
  while (i < s.length) {
    const d = digit(s.charCodeAt(i), base);
    if (d < 0) break;
    mag = mag * b + BigInt(d);
    if (mag > U64) over = true;
    i++;
  }
  return { neg, mag, over };
}

/** strtoul/strtoull (unsigned long is 64-bit); base 0 as C's. */
export function strtoul(s: string, base: number): Result {
  const r = scan(s, base);
  if (r.over) return ERANGE;
  return r.neg ? (-r.mag) & U64 : r.mag;
}

/** strtol/strtoll (64-bit); base 0 as C's. */
export function strtol(s: string, base: number): Result {
  const r = scan(s, base);
  if (r.neg ? r.mag > I64_MAX + 1n : r.mag > I64_MAX) return ERANGE;
  return r.neg ? -r.mag : r.mag;
}

/** C conversion to `int`. */
export function toInt(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** C conversion to `unsigned int`. */
export function toUint(v: bigint): number {
  return Number(BigInt.asUintN(32, v));
}

export function conversionError(val: string): string {
  return `conversion error(${val})`;
}

/** Plain digits only (no blanks, sign or 0x), short enough for a double: the common case, no BigInt. */
export function plainNumber(s: string, base: number): number {
  const n = s.length;
  if (n === 0 || n > 12) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = digit(s.charCodeAt(i), base);
    if (d < 0) return -1;
    v = v * base + d;
  }
  return v;
}

/** (unsigned int) strtoul(s, base). */
export function u32(s: string, base: number): number | typeof ERANGE {
  const f = plainNumber(s, base);
  if (f >= 0) return f >>> 0;
  const v = strtoul(s, base);
  return v === ERANGE ? v : toUint(v);
}

/** (int) strtoul(s, base). */
export function i32(s: string, base: number): number | typeof ERANGE {
  const f = plainNumber(s, base);
  if (f >= 0) return f | 0;
  const v = strtoul(s, base);
  return v === ERANGE ? v : toInt(v);
}

/** (int) strtol(s, base). */
export function i32l(s: string, base: number): number | typeof ERANGE {
  const f = plainNumber(s, base);
  if (f >= 0) return f | 0;
  const v = strtol(s, base);
  return v === ERANGE ? v : toInt(v);
}

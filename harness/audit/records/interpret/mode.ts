// File modes and permission masks.
import { conversionError, ERANGE, i32l, u32 } from './cnum.js';
import { T } from './tables.js';

const S_IFMT = 0o170000;

function oct3(n: number): string {
  return n.toString(8).padStart(3, '0');
}

/** mode= (octal): "file,644", "dir,sticky,777", "020,600" for an unknown type. */
export function printMode(val: string, base = 8): string {
  const m = u32(val, base);
  if (m === ERANGE) return conversionError(val);
  let out = T.ftype.get(m & S_IFMT) ?? oct3((m & S_IFMT) / 0o10000);
  if (m & 0o4000) out += ',suid';
  if (m & 0o2000) out += ',sgid';
  if (m & 0o1000) out += ',sticky';
  return `${out},${oct3(m & 0o777)}`;
}

export function modeShort(m: number): string {
  const parts: string[] = [];
  if (m & 0o4000) parts.push('suid');
  if (m & 0o2000) parts.push('sgid');
  if (m & 0o1000) parts.push('sticky');
  const perms = `0${oct3(m & 0o777)}`;
  return parts.length ? `${parts.join(',')},${perms}` : perms;
}

/** Mode arguments without the file type (chmod, mkdir, MQ_OPEN mode=). */
export function printModeShort(val: string, base = 8): string {
  const v = u32(val, base);
  if (v === ERANGE) return conversionError(val);
  return modeShort(v);
}

/** perm= of watches and CONFIG_CHANGE: r/w/x/a bits, 0 meaning all. */
export function printPerm(val: string): string {
  let p = i32l(val, 10);
  if (p === ERANGE) return conversionError(val);
  if (p === 0) p = 0xf;
  const out: string[] = [];
  if (p & 4) out.push('read');
  if (p & 2) out.push('write');
  if (p & 1) out.push('exec');
  if (p & 8) out.push('attr');
  return out.join(',');
}

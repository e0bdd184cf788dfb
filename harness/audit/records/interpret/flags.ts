// Bit-flag arguments and fields, joined the way auparse joins them.
import { conversionError, ERANGE, strtoul, u32 } from './cnum.js';
import { modeShort } from './mode.js';
import { CAP_LAST_CAP, T } from './tables.js';

type Table = ReadonlyArray<readonly [number, string]>;

function hex32(val: string): number | undefined {
  const v = u32(val, 16);
  return v === ERANGE ? undefined : v;
}

function join(table: Table, flags: number, sep: string, first: string[] = []): string[] {
  for (const [bit, name] of table) if ((bit & flags) !== 0) first.push(name);
  return first;
}

/** Generic "A|B|C", else 0x<as logged>. */
function bitFlags(table: Table, val: string, sep = '|'): string {
  const f = hex32(val);
  if (f === undefined) return conversionError(val);
  const out = join(table, f, sep);
  return out.length ? out.join(sep) : `0x${val}`;
}

export function printOpenFlags(val: string): string {
  const f = hex32(val);
  if (f === undefined) return conversionError(val);
  const out = join(T.openFlag, f, '|', (f & 3) === 0 ? ['O_RDONLY'] : []);
  return out.length ? out.join('|') : `0x${val}`;
}

export function printMmap(val: string): string {
  const f = hex32(val);
  if (f === undefined) return conversionError(val);
  const out = join(T.mmap, f, '|', (f & 0xf) === 0 ? ['MAP_FILE'] : []);
  return out.length ? out.join('|') : `0x${val}`;
}

export function printProt(val: string, isMmap: boolean): string {
  const f = hex32(val);
  if (f === undefined) return conversionError(val);
  if ((f & 7) === 0) return 'PROT_NONE';
  const out = join(T.prot.slice(0, isMmap ? 4 : 3), f, '|');
  return out.length ? out.join('|') : `0x${val}`;
}

export function printCloneFlags(val: string, signalName: (n: number) => string | undefined): string {
  const f = hex32(val);
  if (f === undefined) return conversionError(val);
  const out = join(T.cloneFlag, f, '|');
  const sig = f & 0xff;
  if (sig && sig < 32) {
    const s = signalName(sig);
    if (s !== undefined) out.push(s);
  }
  return out.length ? out.join('|') : `0x${f.toString(16)}`;
}

export const printMount = (val: string): string => bitFlags(T.mount, val);
export const printUmount = (val: string): string => bitFlags(T.umount, val);
export const printRecv = (val: string): string => bitFlags(T.recv, val);
export const printOpenat2Resolve = (val: string): string => bitFlags(T.openat2Resolve, val);

export function printAccess(val: string): string {
  const f = hex32(val);
  if (f === undefined) return conversionError(val);
  if ((f & 0xf) === 0) return 'F_OK';
  const out = join(T.access.slice(0, 3), f, '|');
  return out.length ? out.join('|') : `0x${val}`;
}

/** PATH flags= (lookup flags): comma separated, "none" for 0. */
export function printPathFlags(val: string): string {
  const f = hex32(val);
  if (f === undefined) return conversionError(val);
  if (f === 0) return 'none';
  const out = join(T.pathFlag, f, ',');
  return out.length ? out.join(',') : `0x${val}`;
}

export function printShmFlags(val: string): string {
  const f = hex32(val);
  if (f === undefined) return conversionError(val);
  const out = join(T.ipcCmd, f & 0o3000, '|');
  join(T.shmMode, f & 0o14000, '|', out);
  out.push(modeShort(f & 0o777));
  return out.join('|');
}

/** Capability sets (cap_pe=…): names of the set bits, "none" when empty. */
export function printCapBitmap(val: string): string {
  const v = strtoul(val, 16);
  if (v === ERANGE) return conversionError(val);
  const out: string[] = [];
  const lo = Number(v & 0xffffffffn);
  const hi = Number((v >> 32n) & 0xffffffffn);
  if (lo === 0 && hi === 0) return 'none';
  for (let i = 0; i <= CAP_LAST_CAP; i++) {
    const word = i < 32 ? lo : hi;
    if ((word >>> (i & 31)) & 1) out.push(T.cap.get(i) ?? '');
  }
  return out.length ? out.join(',') : 'none';
}

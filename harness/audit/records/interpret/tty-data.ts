// data= of TTY/USER_TTY records: hex keystrokes shown as "text",<key-name> runs.
import { T } from './tables.js';
import { decodeHexPrefix, isHexString } from './text.js';

function printable(c: number): string {
  if (c < 0x20 || c > 0x7e) return `\\${(c >> 6) & 7}${(c >> 3) & 7}${c & 7}`;
  return c === 0x5c || c === 0x22 ? `\\${String.fromCharCode(c)}` : String.fromCharCode(c);
}

function namedKey(b: Buffer, pos: number, end: number): readonly [Buffer, string] | undefined {
  const c = b[pos];
  if (c >= 0x20 && (c < 0x7f || c >= 0xa0)) return undefined;
  for (const k of T.ttyKeys) {
    const seq = k[0];
    if (seq.length <= end - pos && b.compare(seq, 0, seq.length, pos, pos + seq.length) === 0) return k;
  }
  return undefined;
}

export function printTtyData(val: string): string {
  if (!isHexString(val)) return val;
  const decoded = decodeHexPrefix(val);
  // au_unescape fails on fewer than 2 digits; printf then shows the NULL as (null)
  if (!decoded) return '(null)';
  const end = val.length >> 1;
  const b = Buffer.alloc(Math.max(end, decoded.length) + 1);
  decoded.copy(b);
  let out = '';
  let inText = false;
  let pos = 0;
  while (pos < end) {
    const key = namedKey(b, pos, end);
    if (key) {
      if (inText) {
        out += '"';
        inText = false;
      }
      if (out) out += ',';
      out += `<${key[1]}>`;
      pos += key[0].length;
    } else {
      if (!inText) {
        if (out) out += ',';
        out += '"';
        inText = true;
      }
      out += printable(b[pos]);
      pos++;
    }
  }
  if (inText) out += '"';
  return out;
}

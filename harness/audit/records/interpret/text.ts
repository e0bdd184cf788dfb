// Hex-encoded and quoted string values (auparse's au_unescape/print_escaped) and the TTY
// escaping ausearch applies to every interpreted value (its default --escape tty).

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Decodes the leading run of hex digits of `s` (from `from`) into bytes. An odd last digit
 * becomes the high nibble of a final byte. Returns undefined when fewer than 2 digits.
 */
export function decodeHexPrefix(s: string, from = 0): Buffer | undefined {
  let end = from;
  while (end < s.length && hexVal(s.charCodeAt(end)) >= 0) end++;
  const len = end - from;
  if (len < 2) return undefined;
  const out = Buffer.alloc((len + 1) >> 1);
  for (let i = 0, j = from; j < end; i++, j += 2) {
    const hi = hexVal(s.charCodeAt(j));
    const lo = j + 1 < end ? hexVal(s.charCodeAt(j + 1)) : 0;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** The bytes up to the first NUL, as text (latin1: one char per byte, like the log parser). */
export function cString(b: Buffer): string {
  const z = b.indexOf(0);
  return (z < 0 ? b : b.subarray(0, z)).toString('latin1');
}

/** auparse's au_unescape: "(null)"-style values pass through, otherwise hex is decoded. */
function unescape(s: string, from: number): string | undefined {
  if (s.charCodeAt(from) === 40 /* ( */) {
    const close = s.indexOf(')', from);
    return close < 0 ? undefined : s.slice(from, close + 1);
  }
  const b = decodeHexPrefix(s, from);
  return b && cString(b);
}

/** print_escaped: quoted -> inside of the quotes; "00…" -> abstract socket name; hex -> decoded. */
export function printEscaped(val: string): string {
  if (val.charCodeAt(0) === 34 /* " */) {
    const end = val.indexOf('"', 1);
    return end < 0 ? ' ' : val.slice(1, end);
  }
  const out = val.charCodeAt(0) === 48 && val.charCodeAt(1) === 48 ? unescape(val, 2) : unescape(val, 0);
  return out ?? val;
}

/**
 * The whole buffer au_unescape leaves behind, not just its C string: decoded bytes, a NUL,
 * zero fill up to half the input length, then whatever hex text was not overwritten.
 */
function unescapeBuffer(val: string, from: number, decoded: Buffer): Buffer {
  const olen = val.length - from;
  let hexLen = 0;
  while (from + hexLen < val.length && hexVal(val.charCodeAt(from + hexLen)) >= 0) hexLen++;
  const buf = Buffer.alloc(olen + 1);
  buf.write(val.slice(from, from + hexLen), 0, 'latin1');
  decoded.copy(buf);
  const dec = decoded.length;
  buf[dec] = 0;
  const half = olen >> 1;
  if (half > dec - 1) buf.fill(0, dec, Math.min(buf.length, dec + half - (dec - 1)));
  return buf;
}

/** PROCTITLE: hex with NUL-separated arguments shown as spaces. */
export function printProctitle(val: string): string {
  if (val.charCodeAt(0) === 34 || val.charCodeAt(0) === 40) return printEscaped(val);
  const from = val.charCodeAt(0) === 48 && val.charCodeAt(1) === 48 ? 2 : 0;
  const b = decodeHexPrefix(val, from);
  if (!b) return val;
  const buf = unescapeBuffer(val, from, b);
  // NULs before strlen(val)/2 become spaces (measured on the whole value, "00" prefix included).
  const end = val.length >> 1;
  for (let i = 0; i < end && i < buf.length; i++) if (buf[i] === 0) buf[i] = 32;
  return cString(buf);
}

/** ausearch's default TTY escaping: control characters (< 0x20) as \ooo. */
export function ttyEscape(s: string): string {
  let i = 0;
  for (; i < s.length; i++) if (s.charCodeAt(i) < 32) break;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c < 32 ? `\\${(c >> 6) & 7}${(c >> 3) & 7}${c & 7}` : s[i];
  }
  return out;
}

/** Keys: several keys are logged hex-encoded, joined by \x01; ausearch shows "k1 key=k2". */
export function printKey(val: string): string {
  const out = printEscaped(val);
  if (out.indexOf('\x01') < 0) return ttyEscape(out);
  return out.split('\x01').map(ttyEscape).join(' key=');
}

export function isHexString(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (hexVal(s.charCodeAt(i)) < 0) return false;
  return true;
}

export function isIntString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

// saddr= of SOCKADDR records: a hex-encoded struct sockaddr (x86 byte order).
import { readdirSync, readFileSync } from 'node:fs';
import { decodeHexPrefix } from './text.js';
import { T } from './tables.js';

function cstr(b: Buffer, from: number, max: number): string {
  const end = Math.min(b.length, from + max);
  let z = from;
  while (z < end && b[z] !== 0) z++;
  return b.subarray(from, z).toString('latin1');
}

// getnameinfo names an IPv6 scope by the interface of that index on the host running ausearch.
let interfaces: Map<number, string> | undefined;
function scopeName(index: number): string {
  if (!interfaces) {
    interfaces = new Map();
    try {
      for (const name of readdirSync('/sys/class/net')) {
        try {
          interfaces.set(Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'latin1').trim()), name);
        } catch {
          /* not an interface */
        }
      }
    } catch {
      /* no sysfs: numbers */
    }
  }
  return interfaces.get(index) ?? String(index);
}

function ipv6(b: Buffer, off: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(off + i * 2));
  // IPv4-mapped and compatible forms as inet_ntop prints them
  if (words.slice(0, 5).every((w) => w === 0) && (words[5] === 0xffff || (words[5] === 0 && words[6] !== 0))) {
    const v4 = `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
    if (words[5] === 0xffff) return `::ffff:${v4}`;
    return `::${v4}`;
  }
  // longest run (>= 2) of zero words becomes ::
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** getnameinfo(NI_NUMERICHOST) of a sockaddr_in6: the address, and %scope (an interface name for link-local addresses, else the number). */
export function ipv6Host(b: Buffer): string {
  const addr = ipv6(b, 8);
  const scope = b.readUInt32LE(24);
  if (scope === 0) return addr;
  const first = b.readUInt16BE(8);
  const linkLocal = (first & 0xffc0) === 0xfe80 || (first & 0xff0f) === 0xff02;
  return `${addr}%${linkLocal ? scopeName(scope) : scope}`;
}

export function printSockaddr(val: string): string {
  const slen = val.length >> 1;
  // au_unescape keeps a "(...)" value as its text (so "(null)" is family 0x6e28); without ')' it fails
  const close = val.startsWith('(') ? val.indexOf(')') : -1;
  const raw = val.startsWith('(') ? (close < 0 ? undefined : Buffer.from(val.slice(0, close + 1), 'latin1')) : decodeHexPrefix(val);
  if (!raw) return `malformed-host(${val})`;
  // auparse's buffer is zero-filled behind the decoded bytes
  const b = Buffer.concat([raw, Buffer.alloc(Math.max(0, 128 - raw.length))]);
  const famNum = b.readUInt16LE(0);
  const fam = T.fam.get(famNum);
  if (fam === undefined) return `unknown-family(${famNum})`;
  switch (famNum) {
    case 1: // AF_LOCAL
      if (slen < 4) return `{ saddr_fam=${fam} sockaddr len too short }`;
      return `{ saddr_fam=${fam} path=${cstr(b, b[2] !== 0 ? 2 : 3, 108)} }`;
    case 2: // AF_INET
      if (slen < 16) return `{ saddr_fam=${fam} sockaddr len too short }`;
      return `{ saddr_fam=${fam} laddr=${b[4]}.${b[5]}.${b[6]}.${b[7]} lport=${b.readUInt16BE(2)} }`;
    case 10: {
      // AF_INET6
      if (slen < 28) return `{ saddr_fam=${fam} sockaddr6 len too short }`;
      return `{ saddr_fam=${fam} laddr=${ipv6Host(b)} lport=${b.readUInt16BE(2)} }`;
    }
    case 16: // AF_NETLINK
      if (slen < 12) return `{ saddr_fam=${fam} len too short }`;
      return `{ saddr_fam=${fam} nlnk-fam=${b.readUInt16LE(0)} nlnk-pid=${b.readUInt32LE(4)} }`;
    case 3: {
      // AF_AX25: seven call-sign characters printed with %c: a NUL ends the whole text there
      const call = cstr(b, 2, 7);
      return call.length < 7 ? `{ saddr_fam=${fam} call=${call}` : `{ saddr_fam=${fam} call=${call} }`;
    }
    case 8: // AF_ATMPVC: sap_addr.itf sits at offset 4 (reads past a short value are undefined in C)
      return `{ saddr_fam=${fam} int=${b.readInt16LE(4)} }`;
    case 9: // AF_X25
      return `{ saddr_fam=${fam} laddr=${cstr(b, 2, 15)} }`;
    default:
      return `{ saddr_fam=${fam} (unsupported) }`;
  }
}

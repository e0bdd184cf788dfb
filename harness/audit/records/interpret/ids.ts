// uid/gid fields: auparse names them with getpwuid/getgrgid on the machine running ausearch,
// which on this host means /etc/passwd and /etc/group (read once, first entry per id wins).
import { readFileSync } from 'node:fs';
import { conversionError, ERANGE, i32 } from './cnum.js';

function readIds(file: string): Map<number, string> {
  const m = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return m;
  }
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#' || line[0] === '+' || line[0] === '-') continue;
    const f = line.split(':');
    if (f.length < 3 || f[2] === '') continue;
    const id = Number(f[2]);
    if (!Number.isInteger(id)) continue;
    // getpw*/getgr* compare the id as a 32-bit value
    const key = id | 0;
    if (!m.has(key)) m.set(key, f[0]);
  }
  return m;
}

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;
let passwdFile = '/etc/passwd';
let groupFile = '/etc/group';

/**
 * Where names of uids and gids come from. ausearch uses the accounts of the machine it runs on;
 * to read a guest's log as the guest's own ausearch would, point these at the guest's files.
 */
export function setAccountFiles(files: { passwd?: string; group?: string }): void {
  if (files.passwd !== undefined) passwdFile = files.passwd;
  if (files.group !== undefined) groupFile = files.group;
  users = groups = undefined;
}

function parseId(val: string, base: number): number | undefined {
  // Fast path for the common all-decimal case.
  if (base === 10 && val.length > 0 && val.length <= 9) {
    let n = 0;
    for (let i = 0; i < val.length; i++) {
      const c = val.charCodeAt(i) - 48;
      if (c < 0 || c > 9) {
        n = -1;
        break;
      }
      n = n * 10 + c;
    }
    if (n >= 0) return n;
  }
  const v = i32(val, base);
  return v === ERANGE ? undefined : v;
}

function name(table: Map<number, string>, id: number): string {
  if (id === -1) return 'unset';
  if (id === 0) return 'root';
  return table.get(id) ?? `unknown(${id})`;
}

export function printUid(val: string, base = 10): string {
  const id = parseId(val, base);
  if (id === undefined) return conversionError(val);
  users ??= readIds(passwdFile);
  return name(users, id);
}

/**
 * ausearch's lookup_uid (src/ausearch-parse.c), which names the uids an option asks about while it
 * searches: root, unset, or this machine's name for the uid; undefined when it has none.
 */
export function searchUserName(uid: number): string | undefined {
  if (uid === 0) return 'root';
  if ((uid | 0) === -1) return 'unset';
  users ??= readIds(passwdFile);
  return users.get(uid | 0);
}

export function printGid(val: string, base = 10): string {
  const id = parseId(val, base);
  if (id === undefined) return conversionError(val);
  groups ??= readIds(groupFile);
  return name(groups, id);
}

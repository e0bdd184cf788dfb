// errno and message-type names as libaudit 3.0.9 spells them (names.json, extracted from its errtab.h and
// msg_typetab.h with numbers from the C headers): -F exit=-EPERM, -F msgtype=CWD.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../paths.js';

interface Names {
  errno: Record<string, number>;
  msgtype: Record<string, number>;
}

let names: Names | undefined;
function load(): Names {
  names ??= JSON.parse(readFileSync(path.join(repoRoot, 'harness/audit/rules/names.json'), 'utf8')) as Names;
  return names;
}

function reverse(table: Record<string, number>, value: number): string | undefined {
  for (const [k, v] of Object.entries(table)) if (v === value) return k;
  return undefined;
}

// The generated libaudit lookups fold case (errno and message types are stored upper case).
export function errnoNumber(name: string): number | undefined {
  const t = load().errno;
  const n = name.toUpperCase();
  return Object.hasOwn(t, n) ? t[n] : undefined;
}
export function errnoName(n: number): string | undefined {
  return reverse(load().errno, n);
}
export function msgTypeNumber(name: string): number | undefined {
  const t = load().msgtype;
  const n = name.toUpperCase();
  return Object.hasOwn(t, n) ? t[n] : undefined;
}
export function msgTypeName(n: number): string | undefined {
  return reverse(load().msgtype, n);
}

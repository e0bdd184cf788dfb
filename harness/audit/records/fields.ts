// Splits the text after `msg=audit(...): ` into name=value fields. Values keep their quotes; a
// user-space `msg='op=... res=success'` is opened up into its inner fields, as go-libaudit does.
import type { AuditField } from './types.js';

const SPACE = 0x20;
const EQ = 0x3d;
const DQ = 0x22;
const SQ = 0x27;

export function splitFields(text: string, out: AuditField[] = [], braces = false): AuditField[] {
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && text.charCodeAt(i) === SPACE) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && text.charCodeAt(i) !== EQ && text.charCodeAt(i) !== SPACE) i++;
    if (i >= n || text.charCodeAt(i) === SPACE) continue; // a word without '=' (avc:, denied, {): not a field
    const name = text.slice(start, i);
    i++; // '='
    const q = text.charCodeAt(i);
    let end: number;
    if (braces && q === 0x7b) {
      // ENRICHED SADDR={ saddr_fam=inet laddr=... }
      const close = text.indexOf('}', i + 1);
      end = close < 0 ? n : close + 1;
    } else if (q === DQ || q === SQ) {
      const close = text.indexOf(q === DQ ? '"' : "'", i + 1);
      end = close < 0 ? n : close + 1;
    } else {
      end = text.indexOf(' ', i);
      if (end < 0) end = n;
    }
    const value = text.slice(i, end);
    if (q === SQ && name === 'msg') {
      splitFields(value.slice(1, value.endsWith("'") && value.length > 1 ? -1 : undefined), out);
    } else {
      out.push({ name, value });
    }
    i = end;
  }
  return out;
}

/** ENRICHED logs: attaches `ARCH=x86_64 AUID="unset"` after the 0x1d separator to the fields they interpret. */
export function attachEnriched(fields: AuditField[], text: string): void {
  for (const e of splitFields(text, [], true)) {
    const lower = e.name.toLowerCase();
    const value = e.value.length >= 2 && e.value.startsWith('"') && e.value.endsWith('"') ? e.value.slice(1, -1) : e.value;
    const target = fields.find((f) => f.name === lower && f.enriched === undefined);
    if (target) {
      target.enriched = value;
    } else fields.push({ name: e.name, value: e.value, enriched: value });
  }
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/**
 * The text a value stands for: quotes removed, hex decoded (latin1: one char per byte), `(null)` kept.
 * Returns undefined for an unquoted value that should be hex but is not.
 */
export function decodeValue(value: string): string | undefined {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1);
  if (value === '(null)' || value === '?' || value === '(none)') return value;
  if (!HEX.test(value)) return undefined;
  return Buffer.from(value, 'hex').toString('latin1');
}
